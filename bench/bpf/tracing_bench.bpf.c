/* A raw tracepoint program for bench/tracing_bench.c: sums its first argument into a
 * global. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

__u64 total;

SEC("raw_tp/sched_switch")
int on_switch(__u64 *ctx)
{
	total += ctx[0];
	return 0;
}

char _license[] SEC("license") = "GPL";
