/* Raw tracepoint, tp_btf and tracepoint programs for tests/diff/link_tracing.c (their
 * loads, links and link info are compared with the kernel's). */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("tp_btf/sched_switch")
int on_switch_btf(__u64 *ctx)
{
	return (int)ctx[1] + 3;
}

SEC("raw_tp/sched_switch")
int on_switch_raw(__u64 *ctx)
{
	return 7;
}

SEC("tracepoint/sched/sched_switch")
int on_switch_tp(void *ctx)
{
	return 0;
}

SEC("kprobe/do_nanosleep")
int on_sleep(void *ctx)
{
	return 0;
}

char _license[] SEC("license") = "GPL";
