/* Packet helpers given a length of 0 and a NULL buffer. The kernel's verifier refuses
 * such calls; bpfrun has no verifier, so they run, and must neither fault the run nor
 * hand NULL to memmove (undefined behaviour even for 0 bytes; UBSan aborts the ASan
 * build). Found by tests/fuzz/fuzz_prog. */
#include <errno.h>
#include <string.h>

#include "bpfrun.h"
#include "difftest.h"
#include "unit_load.h"

#define I(c, d, s, o, i) \
	((struct bpf_insn){ .code = (c), .dst_reg = (d), .src_reg = (s), .off = (o), .imm = (i) })
#define MOV_K(d, i) I(BPF_ALU64 | BPF_MOV | BPF_K, d, 0, 0, i)
#define CALL(id) I(BPF_JMP | BPF_CALL, 0, 0, 0, id)
#define EXIT I(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)

static int test_run(int fd, unsigned *retval)
{
	static unsigned char pkt[64] = { [12] = 0x08 };
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.test.prog_fd = fd;
	a.test.data_in = (unsigned long)pkt;
	a.test.data_size_in = sizeof(pkt);
	long r = bpfrun_bpf(BPF_PROG_TEST_RUN, &a, sizeof(a));
	*retval = a.test.retval;
	return r < 0 ? -errno : 0;
}

/* bpf_skb_store_bytes(skb, 0, NULL, 0, 0): stores nothing and returns 0. */
static void test_store_bytes_null_empty(void)
{
	const struct bpf_insn insns[] = {
		MOV_K(2, 0), MOV_K(3, 0), MOV_K(4, 0), MOV_K(5, 0),
		CALL(BPF_FUNC_skb_store_bytes), EXIT,
	};
	unsigned ret = 1;
	int fd = load_insns(BPF_PROG_TYPE_SCHED_CLS, insns, sizeof(insns) / sizeof(insns[0]));

	CHECK(fd >= 0, "load: %d (%s)", fd, strerror(errno));
	CHECK(test_run(fd, &ret) == 0 && ret == 0, "skb_store_bytes of 0 bytes from NULL: %u", ret);
	bpfrun_close(fd);
}

int main(void)
{
	test_store_bytes_null_empty();
	return finish();
}
