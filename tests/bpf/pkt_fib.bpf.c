/* bpf_fib_lookup against routing tables: the test (tests/diff/pkt_fib.c) writes the
 * parameters and flags into `in`, runs tc_fib or xdp_fib, and reads the helper's result
 * and the parameters as it left them from `out`. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

struct fib_case {
	struct bpf_fib_lookup p;
	__u32 flags;
	__s32 plen;
	__s64 ret;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct fib_case);
} fib_io SEC(".maps");

static __always_inline struct fib_case *io(void)
{
	__u32 k = 0;

	return bpf_map_lookup_elem(&fib_io, &k);
}

SEC("tc")
int tc_fib(struct __sk_buff *skb)
{
	struct fib_case *c = io();
	struct bpf_fib_lookup p;

	if (!c)
		return 0;
	p = c->p;
	c->ret = bpf_fib_lookup(skb, &p, sizeof(p), c->flags);
	c->p = p;
	return 0;
}

SEC("xdp")
int xdp_fib(struct xdp_md *ctx)
{
	struct fib_case *c = io();
	struct bpf_fib_lookup p;

	if (!c)
		return 0;
	p = c->p;
	c->ret = bpf_fib_lookup(ctx, &p, sizeof(p), c->flags);
	c->p = p;
	return 0;
}
