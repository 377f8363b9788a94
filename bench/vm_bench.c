/* Instruction speed: an XDP program looping over ALU instructions, and one storing to and
 * loading from its stack each iteration, run with BPF_PROG_TEST_RUN.  Prints the time per
 * executed instruction (the kernel's JIT against bpfrun's interpreter).
 * An ordinary libbpf program: the raw instructions are loaded with bpf_prog_load(). */
#include <bpf/bpf.h>
#include <linux/bpf.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define I(c, d, s, o, i) \
	((struct bpf_insn){ .code = (c), .dst_reg = (d), .src_reg = (s), .off = (o), .imm = (i) })
#define ITERATIONS 20000 /* the kernel's verifier walks every iteration */
#define REPEAT 200

/* Loads `r0 = 0; r1 = ITERATIONS; loop: body; r1 -= 1; if r1 != 0 goto loop; return XDP_PASS`
 * and prints the time per executed instruction. */
static void bench(const char *name, const struct bpf_insn *body, size_t body_cnt)
{
	struct bpf_insn insns[32] = {
		/* bodies of up to 26 instructions */
		I(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, 0),
		I(BPF_ALU64 | BPF_MOV | BPF_K, 1, 0, 0, ITERATIONS),
	};
	size_t cnt = 2, per_iteration = body_cnt + 2;

	memcpy(insns + cnt, body, body_cnt * sizeof(*body));
	cnt += body_cnt;
	insns[cnt++] = I(BPF_ALU64 | BPF_SUB | BPF_K, 1, 0, 0, 1);
	insns[cnt++] = I(BPF_JMP | BPF_JNE | BPF_K, 1, 0, -(int)per_iteration, 0);
	insns[cnt++] = I(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, XDP_PASS);
	insns[cnt++] = I(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);

	char packet[64] = { 0 };
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = packet, .data_size_in = sizeof(packet),
		    .repeat = REPEAT);
	int fd = bpf_prog_load(BPF_PROG_TYPE_XDP, name, "GPL", insns, cnt, NULL);

	if (fd < 0) {
		printf("INFO %s: load failed (%d)\n", name, fd);
		return;
	}
	if (bpf_prog_test_run_opts(fd, &opts) || opts.retval != XDP_PASS) {
		printf("INFO %s: test run failed (retval %u)\n", name, opts.retval);
	} else {
		/* opts.duration: mean ns per run */
		double insns_per_run = (double)ITERATIONS * per_iteration + 4;
		printf("METRIC %s_ns_per_insn %.3f ns\n", name, opts.duration / insns_per_run);
	}
	close(fd);
}

int main(void)
{
	const struct bpf_insn alu[] = {
		I(BPF_ALU64 | BPF_ADD | BPF_X, 0, 1, 0, 0),
		I(BPF_ALU64 | BPF_XOR | BPF_K, 0, 0, 0, 3),
	};
	const struct bpf_insn stack[] = {
		I(BPF_STX | BPF_MEM | BPF_DW, 10, 1, -8, 0),
		I(BPF_LDX | BPF_MEM | BPF_DW, 2, 10, -8, 0),
		I(BPF_ALU64 | BPF_ADD | BPF_X, 0, 2, 0, 0),
		I(BPF_ALU64 | BPF_XOR | BPF_K, 0, 0, 0, 3),
	};

	bench("vm_alu_loop", alu, sizeof(alu) / sizeof(alu[0]));
	bench("vm_stack_loop", stack, sizeof(stack) / sizeof(stack[0]));
	return 0;
}
