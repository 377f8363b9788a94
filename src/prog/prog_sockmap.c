/* Program types of socket maps (maps/sockmap.h) besides SK_SKB (prog_skb.c): SK_MSG (msg
 * verdict) and SOCK_OPS (which fills the maps with bpf_sock_map_update /
 * bpf_sock_hash_update).  They load and attach (link/sockmap_attach.c) but do not run:
 * the kernel has no test run for them (ENOTSUPP), and bpfrun does not own the host's
 * sockets, whose traffic would run them.  No state, no locking. */
#include "types.h"

const struct prog_type_ops sk_msg_ops = {
	.name = "sk_msg",
	.ctx_size = sizeof(struct sk_msg_md),
	.helpers = &sk_msg_helpers,
};

const struct prog_type_ops sock_ops_ops = {
	.name = "sock_ops",
	.ctx_size = sizeof(struct bpf_sock_ops),
	.helpers = &sock_ops_helpers,
};
