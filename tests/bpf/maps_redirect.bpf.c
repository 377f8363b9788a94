/* Redirects: bpf_redirect_map over DEVMAP, DEVMAP_HASH, CPUMAP and XSKMAP, bpf_redirect
 * from XDP and tc, bpf_redirect_peer and bpf_redirect_neigh.  Each program reads what to
 * do from cfg (key, flags, ifindex) and returns the helper's result. */
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

struct cfg {
	__u32 key;
	__u32 ifindex;
	__u64 flags;
	__u32 plen;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct cfg);
} cfg SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_DEVMAP);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u32);
} devmap SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_DEVMAP_HASH);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u32);
} devhash SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_CPUMAP);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, __u32);
} cpumap SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_XSKMAP);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, __u32);
} xskmap SEC(".maps");

static __always_inline struct cfg *get_cfg(void)
{
	__u32 k = 0;

	return bpf_map_lookup_elem(&cfg, &k);
}

#define REDIRECT_MAP(name, map)                                          \
	SEC("xdp")                                                       \
	int name(struct xdp_md *ctx)                                     \
	{                                                                \
		struct cfg *c = get_cfg();                               \
		return c ? bpf_redirect_map(&map, c->key, c->flags) : 0; \
	}
REDIRECT_MAP(to_devmap, devmap)
REDIRECT_MAP(to_devhash, devhash)
REDIRECT_MAP(to_cpumap, cpumap)
REDIRECT_MAP(to_xskmap, xskmap)

/* The ifindex a program reads from a devmap entry, or -1. */
SEC("xdp")
int devmap_lookup(struct xdp_md *ctx)
{
	struct cfg *c = get_cfg();
	__u32 *v = c ? bpf_map_lookup_elem(&devmap, &c->key) : 0;

	return v ? (int)*v : -1;
}

SEC("xdp")
int xdp_redirect(struct xdp_md *ctx)
{
	struct cfg *c = get_cfg();

	return c ? bpf_redirect(c->ifindex, c->flags) : 0;
}

SEC("tc")
int tc_redirect(struct __sk_buff *skb)
{
	struct cfg *c = get_cfg();

	return c ? bpf_redirect(c->ifindex, c->flags) : 0;
}

SEC("tc")
int tc_redirect_peer(struct __sk_buff *skb)
{
	struct cfg *c = get_cfg();

	return c ? bpf_redirect_peer(c->ifindex, c->flags) : 0;
}

SEC("tc")
int tc_redirect_neigh(struct __sk_buff *skb)
{
	struct cfg *c = get_cfg();
	struct bpf_redir_neigh nh = { .nh_family = 2 /* AF_INET */ };

	if (!c)
		return 0;
	if (c->plen == 4) /* shorter than struct bpf_redir_neigh */
		return bpf_redirect_neigh(c->ifindex, &nh, 4, c->flags);
	if (c->plen)
		return bpf_redirect_neigh(c->ifindex, &nh, sizeof(nh), c->flags);
	return bpf_redirect_neigh(c->ifindex, 0, 0, c->flags);
}
