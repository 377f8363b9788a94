/* Ring buffer references the kernel's verifier refuses, for tests/linked/maps_ringbuf_refs.c
 * (bpfrun faults them at run time instead): a record reserved and never submitted
 * ("Unreleased reference"), a submit of memory that is no reservation, and a record
 * submitted twice. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096);
} rb SEC(".maps");

SEC("tc")
int leak(struct __sk_buff *skb)
{
	__u64 *p = bpf_ringbuf_reserve(&rb, 8, 0);

	if (p)
		*p = 1;
	return 0;
}

SEC("tc")
int forged(struct __sk_buff *skb)
{
	__u64 v[2] = { 0, 0 };

	bpf_ringbuf_submit(&v[1], 0);
	return 0;
}

SEC("tc")
int twice(struct __sk_buff *skb)
{
	__u64 *p = bpf_ringbuf_reserve(&rb, 8, 0);

	if (!p)
		return 1;
	*p = 2;
	bpf_ringbuf_submit(p, 0);
	bpf_ringbuf_submit(p, 0);
	return 0;
}

/* writes 8 bytes past its 8-byte record */
SEC("tc")
int overflow(struct __sk_buff *skb)
{
	__u64 *p = bpf_ringbuf_reserve(&rb, 8, 0);

	if (!p)
		return 1;
	volatile __u32 past = 1;
	p[past] = 0;
	bpf_ringbuf_discard(p, 0);
	return 0;
}

SEC("tc")
int good(struct __sk_buff *skb)
{
	__u64 v = 3;

	return bpf_ringbuf_output(&rb, &v, sizeof(v), 0);
}
