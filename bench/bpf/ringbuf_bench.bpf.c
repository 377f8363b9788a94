/* Ring buffer output for bench/ringbuf_bench.c: `burst` outputs 1000 records of 16 bytes
 * (a timestamp and a sequence number) with bpf_loop, counting sent and dropped records in
 * stats; `stamp` outputs one record holding bpf_ktime_get_ns(). */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 20);
} rb SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, __u64);
} stats SEC(".maps");

static long one(__u32 i, void *ctx)
{
	__u64 v[2] = { 0, i };
	__u32 k = bpf_ringbuf_output(&rb, v, sizeof(v), 0) ? 1 : 0;
	__u64 *n = bpf_map_lookup_elem(&stats, &k);

	if (n)
		(*n)++;
	return 0;
}

SEC("tc")
int burst(struct __sk_buff *skb)
{
	bpf_loop(1000, one, 0, 0);
	return 0;
}

SEC("tc")
int stamp(struct __sk_buff *skb)
{
	__u64 v[2] = { bpf_ktime_get_ns(), 0 };

	return bpf_ringbuf_output(&rb, v, sizeof(v), 0);
}
