/* Programs of every runnable type for tests/diff/prog_run.c: context fields, packet
 * access, packet helpers, global data, bpf-to-bpf calls and tail calls. */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

char _license[] SEC("license") = "GPL";

__u64 counter = 0;             /* .bss */
__u32 seed = 7;                /* .data */
const volatile __u32 bias = 0; /* .rodata, set before load */

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u64);
} results SEC(".maps");

static void record(__u32 slot, __u64 v)
{
	bpf_map_update_elem(&results, &slot, &v, BPF_ANY);
}

/* tc: read fields, touch the packet, write writable fields. */
SEC("tc")
int tc_fields(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data, *end = (void *)(long)skb->data_end;
	struct ethhdr *eth = data;

	if ((void *)(eth + 1) > end)
		return 1;
	record(0, ((__u64)skb->len << 32) | skb->protocol);
	record(1, ((__u64)skb->pkt_type << 32) | skb->ifindex);
	record(2, ((__u64)skb->wire_len << 32) | skb->ingress_ifindex);
	record(3, ((__u64)skb->cb[0] << 32) | skb->mark);
	eth->h_source[0] = 0xaa;
	skb->mark = skb->mark + 1;
	skb->priority = 9;
	skb->cb[4] = 0x1234;
	skb->tc_index = 0x12345;
	return skb->tc_index;
}

SEC("tc")
int tc_narrow(struct __sk_buff *skb)
{
	__u8 b = *(volatile __u8 *)((void *)skb + 17);  /* protocol, second byte */
	__u16 h = *(volatile __u16 *)((void *)skb + 2); /* len, upper half */
	return b + (h << 8);
}

SEC("tc")
int tc_helpers(struct __sk_buff *skb)
{
	__u8 buf[4] = {};
	__u8 repl[2] = { 0x11, 0x22 };
	long r1 = bpf_skb_load_bytes(skb, 12, buf, 2);
	long r2 = bpf_skb_load_bytes(skb, skb->len - 1, buf, 2);
	long r3 = bpf_skb_store_bytes(skb, 0, repl, 2, BPF_F_INVALIDATE_HASH);
	long r4 = bpf_skb_store_bytes(skb, 0, repl, 2, 8);
	long r5 = bpf_skb_store_bytes(skb, skb->len - 1, repl, 2, 0);
	long r6 = bpf_l3_csum_replace(skb, 24, bpf_htons(0x1234), bpf_htons(0x4321), 2);
	long r7 = bpf_l3_csum_replace(skb, 25, 0, 0, 2);
	long r8 = bpf_l4_csum_replace(skb, 40, bpf_htonl(0x01020304), bpf_htonl(0x0a0b0c0d), 4);
	long r9 = bpf_l4_csum_replace(skb, 40, 0, 0x1111, BPF_F_MARK_MANGLED_0);
	long r10 = bpf_l3_csum_replace(skb, 24, 1, 0, 0);
	record(0, (buf[0] << 8) | buf[1]);
	record(1, (__u64)(r1 & 0xff) | (__u64)(r2 & 0xff) << 8 | (__u64)(r3 & 0xff) << 16 |
			  (__u64)(r4 & 0xff) << 24 | (__u64)(r5 & 0xff) << 32);
	record(2, (__u64)(r6 & 0xff) | (__u64)(r7 & 0xff) << 8 | (__u64)(r8 & 0xff) << 16 |
			  (__u64)(r9 & 0xff) << 24 | (__u64)(r10 & 0xff) << 32);
	record(3, bpf_get_socket_uid(skb) + (bpf_get_socket_cookie(skb) ? 0x100000000ull : 0));
	return 0;
}

SEC("tc")
int tc_csum_diff(struct __sk_buff *skb)
{
	__u32 a[2] = { 0x01020304, 0xa0b0c0d0 }, b[2] = { 0x11223344, 0x55667788 };
	record(0, bpf_csum_diff(a, 8, b, 8, 0));
	record(1, bpf_csum_diff(0, 0, b, 8, 0x1234));
	record(2, bpf_csum_diff(a, 8, 0, 0, 0xffff));
	record(3, bpf_csum_diff(a, 3, b, 8, 0));
	return 0;
}

SEC("socket")
int sock_filter(struct __sk_buff *skb)
{
	__u8 ver = 0;
	bpf_skb_load_bytes(skb, 0, &ver, 1);
	record(0, ((__u64)skb->len << 32) | skb->protocol);
	record(1, ver);
	skb->cb[1] = 77;
	return skb->len;
}

SEC("cgroup_skb/egress")
int cg_skb(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data, *end = (void *)(long)skb->data_end;
	record(0, ((__u64)skb->len << 32) | skb->family);
	record(1, ((__u64)skb->remote_ip4 << 32) | skb->local_ip4);
	record(2, end - data);
	skb->mark = 5;
	return 1;
}

SEC("xdp")
int xdp_fields(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	void *meta = (void *)(long)ctx->data_meta;
	record(0, ((__u64)(end - data) << 32) | (data - meta));
	record(1, ((__u64)ctx->ingress_ifindex << 32) | ctx->rx_queue_index);
	return XDP_PASS;
}

SEC("xdp")
int xdp_adjust(struct xdp_md *ctx)
{
	long a = bpf_xdp_adjust_head(ctx, -16);
	long b = bpf_xdp_adjust_tail(ctx, 8);
	long c = bpf_xdp_adjust_meta(ctx, -8);
	long d = bpf_xdp_adjust_meta(ctx, -6);
	long e = bpf_xdp_adjust_head(ctx, 4096);
	long f = bpf_xdp_adjust_tail(ctx, -4096);
	long g = bpf_xdp_adjust_head(ctx, -4096);
	long h = bpf_xdp_adjust_tail(ctx, 4096);
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	void *meta = (void *)(long)ctx->data_meta;
	if (meta + 8 <= data)
		*(__u64 *)meta = 0x0807060504030201ull;
	if (data + 1 <= end)
		*(__u8 *)data = 0xee;
	record(0, (a & 0xff) | (b & 0xff) << 8 | (c & 0xff) << 16 | (d & 0xff) << 24);
	record(1, (e & 0xff) | (f & 0xff) << 8 | (g & 0xff) << 16 | (h & 0xff) << 24);
	return XDP_TX;
}

/* How far adjust_head/tail may go. */
SEC("xdp")
int xdp_limits(struct xdp_md *ctx)
{
	int lo = 0, hi = 0;
	for (int i = 1; i <= 512; i++) {
		if (bpf_xdp_adjust_head(ctx, -1))
			break;
		lo++;
	}
	for (int i = 1; i <= 4096; i += 1) {
		if (bpf_xdp_adjust_tail(ctx, 1))
			break;
		hi++;
	}
	record(0, lo);
	record(1, hi);
	return XDP_DROP;
}

struct args {
	__u64 in;
	__u64 out;
};

SEC("syscall")
int sys_prog(struct args *a)
{
	a->out = a->in * 3 + seed + bias;
	counter++;
	return 42;
}

SEC("raw_tp/sys_enter")
int rawtp(__u64 *args)
{
	return args[0] + args[1];
}

/* bpf-to-bpf calls */
static __attribute__((noinline)) int add3(int a, int b, int c)
{
	return a + b + c;
}

SEC("tc")
int calls(struct __sk_buff *skb)
{
	return add3(skb->len, 1, 2) * 100 + 7;
}

/* tail calls */
struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u32);
} jmp SEC(".maps");

SEC("tc")
int tail_target(struct __sk_buff *skb)
{
	return 1000 + skb->cb[0];
}

SEC("tc")
int tail_entry(struct __sk_buff *skb)
{
	skb->cb[0] = 5;
	bpf_tail_call(skb, &jmp, skb->mark);
	return 1;
}

SEC("socket")
int global_data(struct __sk_buff *skb)
{
	counter += seed;
	seed++;
	return counter + bias;
}

/* Checksum-complete test runs: which changes keep skb->csum right (selected by mark). */
SEC("tc")
int tc_csum_complete(struct __sk_buff *skb)
{
	__u8 x[3] = { 0x12, 0x34, 0x56 };

	switch (skb->mark) {
	case 0:
		return bpf_skb_store_bytes(skb, 31, x, 3, BPF_F_RECOMPUTE_CSUM);
	case 1:
		return bpf_skb_store_bytes(skb, 31, x, 3, 0);
	case 2:
		return bpf_skb_store_bytes(skb, 2, x, 3, 0);
	case 3:
		return bpf_skb_store_bytes(skb, 2, x, 3, BPF_F_RECOMPUTE_CSUM);
	case 4:
		return bpf_l4_csum_replace(skb, 40, 0x01020304, 0x0a0b0c0d, BPF_F_PSEUDO_HDR | 4);
	case 5:
		return bpf_l4_csum_replace(skb, 40, 0x0102, 0x0a0b, BPF_F_PSEUDO_HDR | 2);
	case 6:
		return bpf_l4_csum_replace(skb, 40, 0, 0x1234, BPF_F_PSEUDO_HDR);
	case 7:
		return bpf_l3_csum_replace(skb, 24, 0x0102, 0x0a0b, 2);
	default:
		return 0;
	}
}
