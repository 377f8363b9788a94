/* tc programs for TCX attachment (tests/diff/link_tcx.c): each records its letter in the
 * order the chain ran them and returns the verdict the test set for it (TCX_NEXT -1,
 * TCX_PASS 0, TCX_DROP 2, TCX_REDIRECT 7).  Only packets of the test's EtherType count. */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#define TEST_PROTO 0x88b5 /* IEEE local experimental EtherType */

/* One variable, so that its layout is the test's. */
struct {
	int n;
	int order[16];
	int verdict[8];
} st;

static int step(struct __sk_buff *skb, int who)
{
	if (skb->protocol != bpf_htons(TEST_PROTO))
		return -1; /* TCX_NEXT: not the test's packet */
	int i = st.n;      /* one packet at a time */

	st.n = i + 1;

	if (i >= 0 && i < 16)
		st.order[i] = who;
	return st.verdict[who & 7];
}

SEC("tc")
int tcx_a(struct __sk_buff *skb)
{
	return step(skb, 1);
}

SEC("tc")
int tcx_b(struct __sk_buff *skb)
{
	return step(skb, 2);
}

SEC("tc")
int tcx_c(struct __sk_buff *skb)
{
	return step(skb, 3);
}

SEC("tc")
int tcx_d(struct __sk_buff *skb)
{
	return step(skb, 4);
}

SEC("tc")
int tcx_e(struct __sk_buff *skb)
{
	return step(skb, 5);
}

SEC("xdp")
int tcx_xdp(struct xdp_md *ctx)
{
	return XDP_PASS;
}

char _license[] SEC("license") = "GPL";
