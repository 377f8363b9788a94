/* Helpers handed a zero-sized buffer at address 0.  The kernel's verifier refuses most of
 * these calls; with bpfrun's verifier off (below), a program can make them, and a zero-sized range passes
 * the memory check whatever its address.  The helpers must then not hand NULL to memset /
 * memmove / memcpy (undefined even for 0 bytes: UBSan in the asan build stops the run).
 * Each call is made by a raw tc program whose R0 is the helper's return value. */
#include <errno.h>
#include <string.h>

#include "bpfrun.h"
#include "difftest.h"
#include "unit_load.h"

#define I(c, d, s, o, i) \
	((struct bpf_insn){ .code = (c), .dst_reg = (d), .src_reg = (s), .off = (o), .imm = (i) })
#define MOV(d, imm) I(BPF_ALU64 | BPF_MOV | BPF_K, d, 0, 0, imm)
#define CALL(id) I(BPF_JMP | BPF_CALL, 0, 0, 0, id)
#define EXIT I(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)

/* Loads the program (R1 = the context on entry), runs it once on a 64-byte packet and
 * returns its R0, or a value no helper returns when it cannot run. */
static unsigned run(const struct bpf_insn *insns, unsigned cnt)
{
	static unsigned char pkt[64] = { [12] = 0x08 };
	int fd = load_insns(BPF_PROG_TYPE_SCHED_CLS, insns, cnt);
	union bpf_attr a;

	if (fd < 0)
		return 0xdead;
	memset(&a, 0, sizeof(a));
	a.test.prog_fd = fd;
	a.test.data_in = (unsigned long)pkt;
	a.test.data_size_in = sizeof(pkt);
	long r = bpfrun_bpf(BPF_PROG_TEST_RUN, &a, sizeof(a));
	bpfrun_close(fd);
	return r ? 0xbad : a.test.retval;
}

static void test_skb_bytes(void)
{
	/* bpf_skb_load_bytes(ctx, 1000, NULL, 0): past the packet, the destination is cleared */
	const struct bpf_insn load_past[] = { MOV(2, 1000), MOV(3, 0), MOV(4, 0),
					      CALL(BPF_FUNC_skb_load_bytes), EXIT };
	CHECK(run(load_past, 5) == (unsigned)-EFAULT, "skb_load_bytes past the end, 0 bytes");

	const struct bpf_insn load_in[] = { MOV(2, 0), MOV(3, 0), MOV(4, 0),
					    CALL(BPF_FUNC_skb_load_bytes), EXIT };
	CHECK(run(load_in, 5) == 0, "skb_load_bytes of 0 bytes into NULL");

	const struct bpf_insn store[] = {
		MOV(2, 0), MOV(3, 0), MOV(4, 0), MOV(5, 0), CALL(BPF_FUNC_skb_store_bytes), EXIT
	};
	CHECK(run(store, 6) == 0, "skb_store_bytes of 0 bytes from NULL");
}

static void test_other_helpers(void)
{
	/* bpf_csum_diff(NULL, 0, NULL, 0, 7) is the seed */
	const struct bpf_insn csum[] = { MOV(1, 0), MOV(2, 0), MOV(3, 0),
					 MOV(4, 0), MOV(5, 7), CALL(BPF_FUNC_csum_diff),
					 EXIT };
	CHECK(run(csum, 7) == 7, "csum_diff of nothing");

	/* bpf_snprintf(NULL, 0, "ab", NULL, 0) measures "ab" */
	const struct bpf_insn snprint[] = {
		I(BPF_ST | BPF_MEM | BPF_W, 10, 0, -8, 'a' | 'b' << 8),
		MOV(1, 0),
		MOV(2, 0),
		I(BPF_ALU64 | BPF_MOV | BPF_X, 3, 10, 0, 0),
		I(BPF_ALU64 | BPF_ADD | BPF_K, 3, 0, 0, -8),
		MOV(4, 0),
		MOV(5, 0),
		CALL(BPF_FUNC_snprintf),
		EXIT,
	};
	CHECK(run(snprint, 9) == 3, "snprintf into NULL, 0 bytes");

	/* bpf_strncmp(NULL, 0, "") compares nothing */
	const struct bpf_insn cmp[] = {
		I(BPF_ST | BPF_MEM | BPF_W, 10, 0, -8, 0),
		MOV(1, 0),
		MOV(2, 0),
		I(BPF_ALU64 | BPF_MOV | BPF_X, 3, 10, 0, 0),
		I(BPF_ALU64 | BPF_ADD | BPF_K, 3, 0, 0, -8),
		CALL(BPF_FUNC_strncmp),
		EXIT,
	};
	CHECK(run(cmp, 7) == 0, "strncmp of 0 bytes at NULL");
}

int main(void)
{
	/* These programs are refused by the kernel's verifier (and by bpfrun's): the test
	 * is about the run-time checks behind it. */
	bpfrun_set_verifier(0);
	test_skb_bytes();
	test_other_helpers();
	return finish();
}
