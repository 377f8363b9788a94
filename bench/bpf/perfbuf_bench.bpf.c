/* Perf event array output for bench/perfbuf_bench.c: `burst` writes 1000 records of 16
 * bytes (a timestamp and a sequence number) with bpf_perf_event_output on the current
 * CPU, in a bounded loop (the helper needs the context, which bpf_loop's callback does
 * not get), counting sent and dropped records in stats; `stamp` writes one
 * record holding bpf_ktime_get_ns(). */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(__u32));
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, __u64);
} stats SEC(".maps");

SEC("tc")
int burst(struct __sk_buff *skb)
{
#pragma clang loop unroll(disable)
	for (__u32 i = 0; i < 1000; i++) {
		__u64 v[2] = { 0, i };
		__u32 k = bpf_perf_event_output(skb, &events, BPF_F_CURRENT_CPU, v, sizeof(v)) ? 1 :
												 0;
		__u64 *n = bpf_map_lookup_elem(&stats, &k);

		if (n)
			(*n)++;
	}
	return 0;
}

SEC("tc")
int stamp(struct __sk_buff *skb)
{
	__u64 v[2] = { bpf_ktime_get_ns(), 0 };

	return bpf_perf_event_output(skb, &events, BPF_F_CURRENT_CPU, v, sizeof(v));
}
