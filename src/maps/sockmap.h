/* The socket maps (sockmap.c): SOCKMAP and SOCKHASH, their sockets and the programs
 * attached to them (BPF_PROG_ATTACH or a link with the map as target). */
#ifndef BPFRUN_MAPS_SOCKMAP_H
#define BPFRUN_MAPS_SOCKMAP_H

#include "map.h"

extern const struct map_ops sockmap_ops, sockhash_ops;

static inline bool is_sock_map(const struct bpf_map *map)
{
	return map->ops == &sockmap_ops || map->ops == &sockhash_ops;
}

/* The kernel's sock_map_prog_update: sets (prog, old NULL), replaces (prog and old) or
 * removes (prog NULL, old set) the program of attach_type (BPF_SK_SKB_STREAM_PARSER,
 * BPF_SK_SKB_STREAM_VERDICT, BPF_SK_SKB_VERDICT, BPF_SK_MSG_VERDICT) of map.  link is the
 * link that owns the attachment, or NULL for BPF_PROG_ATTACH / DETACH, which may not
 * touch a slot a link owns (EBUSY).  Errors: EOPNOTSUPP (not a socket map or not one of
 * those types), EBUSY (stream and skb verdicts exclude each other; a link owns the slot),
 * ENOENT (old is not the slot's program).  The map takes its own program reference. */
int sock_map_prog_update(struct bpf_map *map, struct bpf_prog *prog, struct bpf_prog *old,
			 const void *link, u32 attach_type);
/* The id of the program of attach_type (0: none), for BPF_PROG_QUERY; -EOPNOTSUPP when
 * map is not a socket map or attach_type is not one of its. */
int sock_map_prog_id(struct bpf_map *map, u32 attach_type, u32 *prog_id);

/* What a redirect helper finds at key: the socket's cookie, or false (no entry). */
bool sock_map_target(struct bpf_map *map, const void *key, u64 *cookie);

/* For bpfrun_fire("sk_skb/..."): the map's verdict program (stream or skb verdict) with a
 * reference for the caller, or NULL; and a new descriptor of the socket at key (the
 * caller closes it), or -ENOENT. */
struct bpf_prog *sock_map_verdict(struct bpf_map *map);
int sock_map_dup_fd(struct bpf_map *map, const void *key);

#endif
