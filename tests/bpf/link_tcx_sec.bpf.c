/* TCX programs in libbpf 1.3's sections, for tests/cli/test_cli_link.sh: `bpfrun run
 * --type sched_cls --fire tc/ingress/DEV` links them to the device in this order; the
 * first says TCX_NEXT, the second TCX_DROP, the third never runs. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("tcx/ingress")
int first(struct __sk_buff *skb)
{
	return -1; /* TCX_NEXT */
}

SEC("tcx/ingress")
int second(struct __sk_buff *skb)
{
	return 2; /* TCX_DROP */
}

SEC("tcx/ingress")
int third(struct __sk_buff *skb)
{
	return 0; /* TCX_PASS */
}

SEC("tcx/egress")
int out(struct __sk_buff *skb)
{
	return 0;
}

char _license[] SEC("license") = "GPL";
