/* XDP programs for tests/diff/link_xdp.c and tests/linked/link_probes.c. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("xdp")
int xdp_pass(struct xdp_md *ctx)
{
	return XDP_PASS;
}

SEC("xdp")
int xdp_drop(struct xdp_md *ctx)
{
	return ctx->data_end - ctx->data > 100 ? XDP_DROP : XDP_TX;
}

SEC("tc")
int tc_ok(struct __sk_buff *skb)
{
	return 0;
}

char _license[] SEC("license") = "GPL";
