/* The socket-map helpers (net/core/sock_map.c): bpf_sk_redirect_map / _hash (sk_skb),
 * bpf_msg_redirect_map / _hash (sk_msg), bpf_sock_map_update / bpf_sock_hash_update
 * (sock_ops).  sk_skb verdicts run from bpfrun_fire("sk_skb/MAP/KEY"); a redirect moves
 * nothing (bpfrun does not own the host's sockets) but is the run's recorded target:
 * SK_PASS when the map has a socket at key, else SK_DROP.  sk_msg and sock_ops programs
 * do not run here.  No state, no locking (the map locks itself). */
#include <string.h>

#include "internal.h"
#include "redirect.h"
#include "../maps/sockmap.h"

/* A redirect to the socket at key (a u32 for SOCKMAP, the key's bytes for SOCKHASH):
 * flags other than BPF_F_INGRESS, another map type or no socket drop the packet; else
 * the socket is the run's target (helpers/redirect.h). */
static u64 sock_redirect(struct exec_ctx *x, u64 map_arg, const void *key, u64 flags)
{
	struct bpf_map *map = vm_map_arg(x, map_arg);
	u64 cookie;
	u32 key32 = 0;

	if (!map || !key || (flags & ~(u64)BPF_F_INGRESS) || !is_sock_map(map) ||
	    !sock_map_target(map, key, &cookie))
		return SK_DROP;
	memcpy(&key32, key, map->key_size < 4 ? map->key_size : 4);
	redirect_set_socket(map, key32, cookie, flags);
	return SK_PASS;
}

/* The hash forms' key: map->key_size bytes the program points at (a fault ends the run). */
static const void *hash_key(struct exec_ctx *x, u64 map_arg, u64 key_arg)
{
	struct bpf_map *map = vm_map_arg(x, map_arg);

	return map ? vm_mem(x, key_arg, map->key_size, false) : NULL;
}

HELPER(sk_redirect_map)
{
	u32 key = (u32)r3;

	return sock_redirect(x, r2, &key, r4);
}

HELPER(sk_redirect_hash)
{
	return sock_redirect(x, r2, hash_key(x, r2, r3), r4);
}

HELPER(msg_redirect_map)
{
	u32 key = (u32)r3;

	return sock_redirect(x, r2, &key, r4);
}

HELPER(msg_redirect_hash)
{
	return sock_redirect(x, r2, hash_key(x, r2, r3), r4);
}

/* The kernel adds the context's socket, and only from an established callback; a run
 * here has no socket behind its context. */
HELPER(sock_map_update)
{
	return (u64)-EOPNOTSUPP;
}

HELPER(sock_hash_update)
{
	return (u64)-EOPNOTSUPP;
}
