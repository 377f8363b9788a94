/* A program every loader must refuse: it calls helper 9999, which does not exist. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

static long (*no_such_helper)(void) = (void *)9999;

SEC("xdp")
int calls_nothing(struct xdp_md *ctx)
{
	return no_such_helper() ? XDP_DROP : XDP_PASS;
}

char _license[] SEC("license") = "GPL";
