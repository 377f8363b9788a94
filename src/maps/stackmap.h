/* STACK_TRACE (stackmap.c): what bpf_get_stackid stores into. */
#ifndef BPFRUN_STACKMAP_H
#define BPFRUN_STACKMAP_H

#include "map.h"

/* The kernel's sysctl kernel.perf_event_max_stack (127 when it cannot be read): the
 * deepest stack a map value or a helper's buffer holds. */
u32 stack_max_depth(void);

/* Entries one value holds: value_size / 8, or / sizeof(struct bpf_stack_build_id) for a
 * BPF_F_STACK_BUILD_ID map. */
u32 stackmap_depth(const struct bpf_map *map);

/* The kernel's __bpf_get_stackid for the nr (> 0, at most stackmap_depth) addresses at
 * ips, innermost first, the skipped ones already dropped: the stack's id (the bucket of
 * the addresses' hash), or -EEXIST (another stack holds the bucket, without
 * BPF_F_REUSE_STACKID) or -ENOMEM.  flags: the helper's (BPF_F_FAST_STACK_CMP,
 * BPF_F_REUSE_STACKID).  A build-id map stores and compares ids, the nr build id + offset
 * entries of the addresses. */
long stackmap_get_id(struct bpf_map *map, const u64 *ips, const struct bpf_stack_build_id *ids,
		     u32 nr, u64 flags);

#endif
