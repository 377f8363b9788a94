/* Real-world shapes the kernel refuses, each beside its fixed twin (tests/diff/
 * verifier_real.c): the packet parser of xdp-tutorial's packet01 lesson as it is handed
 * out (its bounds check is one byte long), and a softirq histogram indexed by the
 * tracepoint's vector without a bound (bcc's softirqs, as clang 14 builds it). */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

char _license[] SEC("license") = "GPL";

struct hdr_cursor {
	void *pos;
};

static __always_inline int parse_eth(struct hdr_cursor *nh, void *data_end, struct ethhdr **ethhdr,
				     int checked)
{
	struct ethhdr *eth = nh->pos;

	if (nh->pos + checked > data_end)
		return -1;
	nh->pos += sizeof(*eth);
	*ethhdr = eth;
	return eth->h_proto;
}

static __always_inline int parser(struct xdp_md *ctx, int checked)
{
	void *data_end = (void *)(long)ctx->data_end;
	struct hdr_cursor nh = { .pos = (void *)(long)ctx->data };
	struct ethhdr *eth;

	if (parse_eth(&nh, data_end, &eth, checked) != bpf_htons(ETH_P_IPV6))
		return XDP_PASS;
	return XDP_DROP;
}

SEC("xdp")
int packet01_as_given(struct xdp_md *ctx)
{
	return parser(ctx, 1);
}

SEC("xdp")
int packet01_fixed(struct xdp_md *ctx)
{
	return parser(ctx, sizeof(struct ethhdr));
}

#define NR_SOFTIRQS 10

struct softirq_args {
	__u64 common;
	__u32 vec;
};

__u64 counts[NR_SOFTIRQS];

SEC("tracepoint/irq/softirq_entry")
int softirqs_unbounded(struct softirq_args *ctx)
{
	__u32 vec = ctx->vec;

	__sync_fetch_and_add(&counts[vec], 1);
	return 0;
}

SEC("tracepoint/irq/softirq_entry")
int softirqs_bounded(struct softirq_args *ctx)
{
	__u32 vec = ctx->vec;

	if (vec >= NR_SOFTIRQS)
		return 0;
	__sync_fetch_and_add(&counts[vec], 1);
	return 0;
}
