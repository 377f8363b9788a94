/* bpf_skb_pull_data, bpf_skb_load_bytes_relative and bpf_csum_update in tc programs;
 * bpf_xdp_get_buff_len and bpf_xdp_load/store_bytes on a multi-buffer frame.  Results go
 * to res[] (tests/diff/pkt_more.c prints them and the packet). */
#include "helpers_common.h"

SEC("tc")
int skb_more(struct __sk_buff *skb)
{
	__u8 buf[8] = { 0 };

	store(0, bpf_skb_pull_data(skb, 0));
	store(1, bpf_skb_pull_data(skb, skb->len));
	store(2, bpf_skb_pull_data(skb, skb->len + 1));
	store(3, bpf_skb_pull_data(skb, 1 << 20));
	store(4, bpf_skb_load_bytes_relative(skb, 0, buf, 4, BPF_HDR_START_MAC));
	store(5, *(__u32 *)buf);
	store(6, bpf_skb_load_bytes_relative(skb, 0, buf, 4, BPF_HDR_START_NET));
	store(7, *(__u32 *)buf);
	store(8, bpf_skb_load_bytes_relative(skb, skb->len - 18, buf, 4, BPF_HDR_START_NET));
	store(9, bpf_skb_load_bytes_relative(skb, skb->len - 17, buf, 4, BPF_HDR_START_NET));
	store(10, *(__u32 *)buf);
	store(11, bpf_skb_load_bytes_relative(skb, 0, buf, 4, 2));
	store(12, bpf_skb_load_bytes_relative(skb, 0x10000, buf, 4, BPF_HDR_START_MAC));
	/* skb->csum's 32-bit form is the architecture's csum_partial's: only whether the
	 * update worked is compared */
	store(13, bpf_csum_update(skb, 0) < 0 ? bpf_csum_update(skb, 0) : 1);
	return 0;
}

SEC("tc")
int csum_change(struct __sk_buff *skb)
{
	long r = bpf_csum_update(skb, 0x1234);

	store(0, r < 0 ? r : 1);
	return 0;
}

static __always_inline void frame(struct xdp_md *ctx)
{
	__u8 buf[16] = { 0 };
	const char put[8] = "ABCDEFGH";

	store(0, bpf_xdp_get_buff_len(ctx));
	store(1, bpf_xdp_load_bytes(ctx, 0, buf, 8));
	store(2, *(__u64 *)buf);
	store(3, bpf_xdp_load_bytes(ctx, 4000, buf, 16));
	store(4, *(__u64 *)buf);
	store(5, bpf_xdp_load_bytes(ctx, 3516, buf, 8));
	store(6, *(__u64 *)buf);
	store(7, bpf_xdp_load_bytes(ctx, 5996, buf, 8));
	store(8, bpf_xdp_load_bytes(ctx, 0x10000, buf, 8));
	store(9, bpf_xdp_store_bytes(ctx, 3518, (void *)put, 8));
	store(10, bpf_xdp_load_bytes(ctx, 3514, buf, 16));
	store(11, *(__u64 *)buf);
	store(12, *(__u64 *)(buf + 8));
	store(13, bpf_xdp_store_bytes(ctx, 5999, (void *)put, 2));
}

SEC("xdp.frags")
int xdp_frags(struct xdp_md *ctx)
{
	frame(ctx);
	return XDP_PASS;
}

SEC("xdp")
int xdp_linear(struct xdp_md *ctx)
{
	frame(ctx);
	return XDP_PASS;
}
