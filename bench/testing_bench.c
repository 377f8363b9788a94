/* The cost of bpfrun's testing aids (issue 15), beside the kernel running the same
 * programs without them: an ALU loop with coverage counting on and off, and a loop of
 * helper calls with and without a fault rule on the helper (a rule that never fires, so
 * every call goes through the wrapper).  Against the kernel (no such aids) the "_on"
 * figures are the plain program again.  The aids are found with dlsym, so the same binary
 * runs against the kernel and under `bpfrun exec`. */
#include <bpf/bpf.h>
#include <dlfcn.h>
#include <linux/bpf.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define I(c, d, s, o, i) \
	((struct bpf_insn){ .code = (c), .dst_reg = (d), .src_reg = (s), .off = (o), .imm = (i) })
#define ITERATIONS 20000
#define REPEAT 200

static void (*set_coverage)(int on);
static int (*fail_helper)(const char *name, int err, uint64_t nth);
static void (*fail_clear)(void);

/* r0 = 0; r6 = ITERATIONS; loop: body; r6 -= 1; if r6 != 0 goto loop; return XDP_PASS */
static void bench(const char *name, const struct bpf_insn *body, size_t body_cnt)
{
	struct bpf_insn insns[32] = {
		I(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, 0),
		I(BPF_ALU64 | BPF_MOV | BPF_K, 6, 0, 0, ITERATIONS),
	};
	size_t cnt = 2, per_iteration = body_cnt + 2;

	memcpy(insns + cnt, body, body_cnt * sizeof(*body));
	cnt += body_cnt;
	insns[cnt++] = I(BPF_ALU64 | BPF_SUB | BPF_K, 6, 0, 0, 1);
	insns[cnt++] = I(BPF_JMP | BPF_JNE | BPF_K, 6, 0, -(int)per_iteration, 0);
	insns[cnt++] = I(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, XDP_PASS);
	insns[cnt++] = I(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);

	char packet[64] = { 0 };
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = packet, .data_size_in = sizeof(packet),
		    .repeat = REPEAT);
	int fd = bpf_prog_load(BPF_PROG_TYPE_XDP, "bench", "GPL", insns, cnt, NULL);

	if (fd < 0) {
		printf("INFO %s: load failed (%d)\n", name, fd);
		return;
	}
	if (bpf_prog_test_run_opts(fd, &opts) || opts.retval != XDP_PASS)
		printf("INFO %s: test run failed (retval %u)\n", name, opts.retval);
	else
		printf("METRIC %s_ns_per_insn %.3f ns\n", name,
		       opts.duration / ((double)ITERATIONS * per_iteration + 4));
	close(fd);
}

int main(void)
{
	const struct bpf_insn alu[] = {
		I(BPF_ALU64 | BPF_ADD | BPF_X, 0, 6, 0, 0),
		I(BPF_ALU64 | BPF_XOR | BPF_K, 0, 0, 0, 3),
	};
	const struct bpf_insn call[] = {
		I(BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_get_smp_processor_id),
	};

	set_coverage = (void (*)(int))dlsym(RTLD_DEFAULT, "bpfrun_set_coverage");
	fail_helper = (int (*)(const char *, int, uint64_t))dlsym(RTLD_DEFAULT,
								  "bpfrun_fail_helper");
	fail_clear = (void (*)(void))dlsym(RTLD_DEFAULT, "bpfrun_fail_clear");

	bench("coverage_off_alu", alu, 2);
	if (set_coverage)
		set_coverage(1);
	bench("coverage_on_alu", alu, 2);
	if (set_coverage)
		set_coverage(0);

	bench("fail_rule_off_call", call, 1);
	if (fail_helper)
		fail_helper("bpf_get_smp_processor_id", -12, UINT64_MAX);
	bench("fail_rule_on_call", call, 1);
	if (fail_clear)
		fail_clear();
	return 0;
}
