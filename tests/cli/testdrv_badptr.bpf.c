/* bpf_sys_bpf's attr must lie in the run's memory (tests/cli/test_cli_testdrv.sh): a test
 * handing it a host address faults, one reaching past its stack faults, and a test that
 * test-runs itself is stopped at bpfrun's nesting bound with -EBUSY. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "bpfrun_test.h"

BPFRUN_PROG_FD(xdp_pass);
BPFRUN_PROG_FD(recurse);
int depth;

SEC("xdp")
int xdp_pass(struct xdp_md *ctx)
{
	return XDP_PASS;
}

SEC("test/host_address")
int host_address(void *ctx)
{
	__u32 verdict;

	/* 0x400000: mapped in a non-PIE host binary, never the program's memory */
	return bpfrun_test_run(BPFRUN_FD(xdp_pass), (void *)0x400000, 64, &verdict) ? 1 : 0;
}

SEC("test/past_the_stack")
int past_the_stack(void *ctx)
{
	__u8 pkt[64] = {};
	__u32 verdict;

	return bpfrun_test_run(BPFRUN_FD(xdp_pass), pkt, 4096, &verdict) ? 1 : 0;
}

SEC("test/data_out_needs_a_size")
int data_out_size(void *ctx)
{
	__u8 pkt[64] = {};
	union bpf_attr attr;

	__builtin_memset(&attr, 0, sizeof(attr));
	attr.test.prog_fd = BPFRUN_FD(xdp_pass);
	attr.test.data_in = (__u64)(long)pkt;
	attr.test.data_size_in = sizeof(pkt);
	attr.test.data_out = (__u64)(long)pkt;
	return bpf_sys_bpf(BPF_PROG_TEST_RUN, &attr, sizeof(attr)) == -22 ? 0 : 1;
}

SEC("test/recurse")
int recurse(void *ctx)
{
	union bpf_attr attr;
	long err;

	__builtin_memset(&attr, 0, sizeof(attr));
	attr.test.prog_fd = BPFRUN_FD(recurse);
	__sync_fetch_and_add(&depth, 1);
	err = bpf_sys_bpf(BPF_PROG_TEST_RUN, &attr, sizeof(attr));
	if (err)
		return (int)-err; /* the deepest one: EBUSY */
	return attr.test.retval;
}

char LICENSE[] SEC("license") = "GPL";
