/* Private to src/helpers: the helper functions each file provides to the table
 * (helpers.c), and the formatted-output engine shared by the printf-like helpers. */
#ifndef BPFRUN_HELPERS_INTERNAL_H
#define BPFRUN_HELPERS_INTERNAL_H

#include "helpers.h"
#include "../maps/map.h"

#define HELPER(name) u64 helper_##name(struct exec_ctx *x, u64 r1, u64 r2, u64 r3, u64 r4, u64 r5)

/* map.c: maps, callbacks over maps, bpf_spin_lock */
HELPER(map_lookup_elem);
HELPER(map_update_elem);
HELPER(map_delete_elem);
HELPER(map_lookup_percpu_elem);
HELPER(for_each_map_elem);
HELPER(spin_lock);
HELPER(spin_unlock);
HELPER(map_push_elem);
HELPER(map_pop_elem);
HELPER(map_peek_elem);

/* misc.c: time, identity, random numbers, strings, bpf_loop */
HELPER(ktime_get_ns);
HELPER(ktime_get_boot_ns);
HELPER(ktime_get_coarse_ns);
HELPER(ktime_get_tai_ns);
HELPER(jiffies64);
HELPER(get_prandom_u32);
HELPER(get_smp_processor_id);
HELPER(get_numa_node_id);
HELPER(get_current_pid_tgid);
HELPER(get_current_uid_gid);
HELPER(get_current_comm);
HELPER(strncmp);
HELPER(loop);

/* printf.c: bpf_trace_printk, bpf_trace_vprintk, bpf_snprintf */
HELPER(trace_printk);
HELPER(trace_vprintk);
HELPER(snprintf);

/* ringbuf.c: ring buffers (maps/ringbuf.h) */
HELPER(ringbuf_output);
HELPER(ringbuf_reserve);
HELPER(ringbuf_submit);
HELPER(ringbuf_discard);
HELPER(ringbuf_query);
HELPER(ringbuf_reserve_dynptr);
HELPER(ringbuf_submit_dynptr);
HELPER(ringbuf_discard_dynptr);
HELPER(user_ringbuf_drain);

/* cgroup.c: cgroup arrays */
HELPER(current_task_under_cgroup);
HELPER(skb_under_cgroup);

/* dynptr.c: dynptrs over memory */
HELPER(dynptr_from_mem);
HELPER(dynptr_read);
HELPER(dynptr_write);
HELPER(dynptr_data);

/* struct bpf_dynptr as the kernel fills it (its bpf_dynptr_kern): the data pointer, the
 * size with the type and read-only bits above it, and an offset into the data. */
struct dynptr {
	u64 data;
	u32 size;
	u32 offset;
};
#define DYNPTR_SIZE_MASK 0xffffffu
#define DYNPTR_TYPE_SHIFT 28
#define DYNPTR_RDONLY_BIT (1u << 31)
enum { DYNPTR_TYPE_INVALID, DYNPTR_TYPE_LOCAL, DYNPTR_TYPE_RINGBUF };
void dynptr_init(struct dynptr *d, void *data, u32 type, u32 size);
void dynptr_set_null(struct dynptr *d);
/* -E2BIG when size exceeds what a dynptr holds (2^24 - 1), else 0. */
long dynptr_check_size(u32 size);

/* ---- formatted output (printf.c) ---- */
#define BPRINTF_MAX_ARGS 12   /* bpf_trace_vprintk / bpf_snprintf: 12 u64 arguments */
#define BPRINTF_BIN_SIZE 512  /* room for the arguments, copied strings included */
#define BPRINTF_OUT_SIZE 1024 /* a trace_printk message, NUL included */

/* The kernel's bpf_bprintf_prepare() then bstr_printf(): validates fmt (NUL-terminated
 * within fmt_size) against the kernel's rules, gathers the nr_raw arguments (strings
 * and IP addresses read from program memory without faulting) and prints into out
 * (vsnprintf-like: at most size bytes, NUL included; out may be NULL if size is 0).
 * Returns the length the whole output has, without the NUL, or -EINVAL (bad format,
 * too few arguments) or -ENOSPC (arguments exceed BPRINTF_BIN_SIZE). */
long bprintf(struct exec_ctx *x, char *out, u32 size, const char *fmt, u64 fmt_size, const u64 *raw,
	     u32 nr_raw);

/* A readable range of program memory, or NULL WITHOUT faulting the run (for helpers
 * that, like the kernel's *_nofault reads, treat a bad pointer as an empty value). */
const void *helper_probe_mem(struct exec_ctx *x, u64 addr, u64 size);

#endif
