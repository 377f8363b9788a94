/* TCX: the kernel's multi-program tc attachment (6.6, kernel/bpf/tcx.c and mprog.c) on
 * the network devices bpfrun models.  Each device has an ingress and an egress chain of
 * at most 63 SCHED_CLS programs, each attached by BPF_PROG_ATTACH or owned by a TCX link,
 * placed by the mprog rules (BPF_F_BEFORE/AFTER relative to a program or link, by fd or
 * BPF_F_ID, BPF_F_REPLACE) and guarded by the chain's revision (expected_revision:
 * ESTALE), which every change increments; an emptied chain goes away (its revision
 * starts again at 1).  A packet runs the chain in order until a program returns other
 * than TCX_NEXT; classic tc filters (netdev.c) run after a chain that ends in TCX_NEXT.
 *
 * Locking: tcx_lock guards the chains.  It is taken after a link's lock (link update),
 * never before; programs never run under it (a packet runs a snapshot), and no object
 * reference is dropped under it that could free a link (whose release takes it). */
#ifndef BPFRUN_LINK_TCX_H
#define BPFRUN_LINK_TCX_H

#include "../lib/common.h"

struct bpf_link;
struct bpf_prog;

/* BPF_TCX_INGRESS or BPF_TCX_EGRESS. */
bool tcx_attach_type(u32 attach_type);
/* BPF_PROG_ATTACH, BPF_PROG_DETACH and BPF_PROG_QUERY of the TCX attach types (the
 * commands' entries, sockmap_attach.c, hand these over). */
int tcx_prog_attach(union bpf_attr *attr, union bpf_attr *uattr, u32 size);
int tcx_prog_detach(union bpf_attr *attr, union bpf_attr *uattr, u32 size);
int tcx_prog_query(union bpf_attr *attr, union bpf_attr *uattr, u32 size);

/* BPF_LINK_CREATE with BPF_TCX_INGRESS/EGRESS: the link's descriptor or -errno. */
int tcx_link_attach(struct bpf_prog *prog, const union bpf_attr *attr);
/* Takes the link's program out of its chain (link detach, or its last user gone). */
void tcx_link_release(struct bpf_link *link);
/* BPF_LINK_UPDATE of a TCX link: new program, old (BPF_F_REPLACE) or NULL.  Caller
 * holds link->lock. */
int tcx_link_update(struct bpf_link *link, struct bpf_prog *prog, struct bpf_prog *old);
/* The ifindex the link is attached to, 0 once detached. */
u32 tcx_link_ifindex(struct bpf_link *link);

/* Runs a packet through the chain of (ifindex, ingress): 0 and the chain's verdict
 * (TCX_NEXT when every program said so), or -ENOENT when the chain is empty, or the
 * first failing test run's -errno. */
int tcx_run(u32 ifindex, bool ingress, const void *pkt, u32 size, int *verdict);

#endif
