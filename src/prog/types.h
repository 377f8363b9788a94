/* The program types: the registry (prog_types.c), their ops (one file per family), the
 * helper set each offers (helper_sets.c, measured on the kernel) and what the families
 * share to read and write context images.  No state, no locking. */
#ifndef BPFRUN_PROG_TYPES_H
#define BPFRUN_PROG_TYPES_H

#include "../lib/bpf_newer.h"
#include "../obj/prog.h"
#include "commands.h"

/* The ops of a BPF_PROG_TYPE_*, or NULL when bpfrun has none (prog_types.c). */
const struct prog_type_ops *prog_type_ops_for(u32 prog_type);

/* The program types. */
extern const struct prog_type_ops socket_filter_ops, sched_cls_ops, sched_act_ops, cgroup_skb_ops;
extern const struct prog_type_ops xdp_ops, syscall_ops, cgroup_sock_ops;
extern const struct prog_type_ops kprobe_ops, tracepoint_ops, raw_tracepoint_ops, perf_event_ops;
extern const struct prog_type_ops tracing_ops, lsm_ops, raw_tracepoint_writable_ops;
extern const struct prog_type_ops sk_skb_ops, sk_msg_ops, sock_ops_ops;

/* Helper sets (helper_sets.c; helper_in_set in prog_types.c). */
struct helper_set {
	const u16 *ids; /* BPF_FUNC_* ids, sorted */
	u32 cnt;
};
/* True when set offers helper id. */
bool helper_in_set(const struct helper_set *set, u32 id);
extern const struct helper_set sk_filter_helpers, tc_helpers, xdp_helpers, cg_skb_helpers,
	cg_sock_helpers, tracing_helpers, perf_event_helpers, syscall_helpers;
extern const struct helper_set sk_skb_helpers, sk_msg_helpers, sock_ops_helpers;

/* Narrow loads of a context field image: size bytes at off of img (little endian). */
u64 ctx_read_bytes(const void *img, u32 off, u32 size);
void ctx_write_bytes(void *img, u32 off, u32 size, u64 val);

#endif
