/* Sockmap links (sockmap_attach.c), for link.c.  The link's lock is not held when these
 * are called, except where said. */
#ifndef BPFRUN_LINK_SOCKMAP_ATTACH_H
#define BPFRUN_LINK_SOCKMAP_ATTACH_H

#include "link.h"

#ifndef BPF_LINK_TYPE_SOCKMAP
#define BPF_LINK_TYPE_SOCKMAP 14 /* Linux 6.10 */
#endif

/* sock_map_link_create: attaches link->prog to the socket map of link_create.target_fd
 * (EBADF: no map, EINVAL: another map type, flags) and gives the link a user reference
 * on the map. */
int sockmap_link_attach(struct bpf_link *link, const union bpf_attr *attr);
/* Detaches: the map's program slot is emptied and the link's map reference dropped. */
void sockmap_link_release(struct bpf_link *link, struct bpf_map *map, struct bpf_prog *prog);
/* BPF_LINK_UPDATE of a sockmap link; old: BPF_F_REPLACE's program or NULL.  Caller
 * holds link->lock. */
int sockmap_link_update(struct bpf_link *link, struct bpf_prog *prog, struct bpf_prog *old);
/* BPF_PROG_ATTACH, BPF_PROG_DETACH and BPF_PROG_QUERY of every attach type but TCX's
 * (link.c dispatches): socket maps' types; EINVAL for the others. */
int sockmap_prog_attach(const union bpf_attr *attr);
int sockmap_prog_detach(const union bpf_attr *attr);
int sockmap_prog_query(const union bpf_attr *attr, union bpf_attr *uattr);
/* The sockmap part of the link's info (map id, attach type). */
void sockmap_link_info(struct bpf_link *link, struct bpf_link_info *info);

#endif
