/* Programs for bench/prog_bench.c: an FNV-1a hash over the packet, an arithmetic loop
 * through bpf_loop, and ten hash-map lookups. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

char _license[] SEC("license") = "GPL";

#define PKT_MAX 1500

SEC("tc")
int fnv1a(struct __sk_buff *skb)
{
	unsigned char *p = (void *)(long)skb->data, *end = (void *)(long)skb->data_end;
	__u32 h = 2166136261u;

	for (int i = 0; i < PKT_MAX; i++) {
		if (p + i + 1 > end)
			break;
		h ^= p[i];
		h *= 16777619u;
	}
	return h & 0x7fffffff;
}

struct loop_ctx {
	__u64 acc;
};

static long step(__u32 i, struct loop_ctx *c)
{
	c->acc = c->acc * 31 + i;
	return 0;
}

SEC("tc")
int loop100k(struct __sk_buff *skb)
{
	struct loop_ctx c = { 1 };

	bpf_loop(100000, step, &c, 0);
	return c.acc & 0x7fffffff;
}

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u32);
	__type(value, __u64);
} table SEC(".maps");

SEC("tc")
int lookups10(struct __sk_buff *skb)
{
	__u64 sum = 0;

	for (__u32 i = 0; i < 10; i++) {
		__u32 key = i * 7;
		__u64 *v = bpf_map_lookup_elem(&table, &key);
		if (v)
			sum += *v;
	}
	return sum;
}
