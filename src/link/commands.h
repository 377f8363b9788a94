/* The link layer's bpf() commands (link.c, sockmap_attach.c, tcx.c), for the command table
 * (syscall/syscall.c). */
#ifndef BPFRUN_LINK_COMMANDS_H
#define BPFRUN_LINK_COMMANDS_H

#include "../lib/common.h"

struct bpf_link;

int link_create(union bpf_attr *attr, union bpf_attr *uattr, u32 size);
int raw_tracepoint_open(union bpf_attr *attr, union bpf_attr *uattr, u32 size);
int link_update(union bpf_attr *attr, union bpf_attr *uattr, u32 size);
int link_detach(union bpf_attr *attr, union bpf_attr *uattr, u32 size);
/* BPFRUN_BPF_FIRE, bpfrun's own command (bpfrun.h): size is the caller's attr size. */
int link_fire_command(const void *uattr, u32 size);
/* BPFRUN_BPF_POLL (bpfrun.h, poll.c): the attr is the caller's memory.  0, a new
 * descriptor of the caller's, or -errno. */
int link_poll_command(void *uattr, u32 size);
/* BPF_PROG_ATTACH / DETACH / QUERY (link.c): TCX's attach types (tcx.c) and socket
 * maps' (sockmap_attach.c). */
int prog_attach(union bpf_attr *attr, union bpf_attr *uattr, u32 size);
int prog_detach(union bpf_attr *attr, union bpf_attr *uattr, u32 size);
int prog_query(union bpf_attr *attr, union bpf_attr *uattr, u32 size);
/* The link part of BPF_OBJ_GET_INFO_BY_FD. */
int link_get_info(struct bpf_link *link, struct bpf_link_info *info);

#endif
