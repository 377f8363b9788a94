/* BPF helper functions: one table indexed by the kernel's helper ids.
 *
 * A helper receives the thread's execution context and the five argument registers.
 * Pointer arguments are checked with vm_mem() (a bad one faults the run, where the
 * kernel's verifier would have refused the program); map arguments with vm_map_arg().
 */
#ifndef BPFRUN_HELPERS_H
#define BPFRUN_HELPERS_H

#include "../lib/common.h"
#include "../vm/vm.h"

/* Descriptor for a helper id; NULL when the id is not a kernel helper at all. */
const struct helper_desc *helper_get(u32 id);
/* The kernel's name for helper id ("bpf_xxx"), or NULL. */
const char *helper_name(u32 id);

/* Output of bpf_trace_printk / bpf_trace_vprintk, one line without "\n". Formats the
 * trace_pipe prefix and delivers it (callback, BPFRUN_TRACE file, or stderr). */
void trace_emit(struct exec_ctx *x, const char *msg, size_t len);

/* Packet helpers, on the packet state of pkt/pkt.h (packet.c). */
u64 helper_skb_load_bytes(struct exec_ctx *x, u64 r1, u64 r2, u64 r3, u64 r4, u64 r5);
u64 helper_skb_store_bytes(struct exec_ctx *x, u64 r1, u64 r2, u64 r3, u64 r4, u64 r5);
u64 helper_l3_csum_replace(struct exec_ctx *x, u64 r1, u64 r2, u64 r3, u64 r4, u64 r5);
u64 helper_l4_csum_replace(struct exec_ctx *x, u64 r1, u64 r2, u64 r3, u64 r4, u64 r5);
u64 helper_csum_diff(struct exec_ctx *x, u64 r1, u64 r2, u64 r3, u64 r4, u64 r5);
u64 helper_xdp_adjust_head(struct exec_ctx *x, u64 r1, u64 r2, u64 r3, u64 r4, u64 r5);
u64 helper_xdp_adjust_tail(struct exec_ctx *x, u64 r1, u64 r2, u64 r3, u64 r4, u64 r5);
u64 helper_xdp_adjust_meta(struct exec_ctx *x, u64 r1, u64 r2, u64 r3, u64 r4, u64 r5);
u64 helper_get_socket_cookie(struct exec_ctx *x, u64 r1, u64 r2, u64 r3, u64 r4, u64 r5);
u64 helper_get_socket_uid(struct exec_ctx *x, u64 r1, u64 r2, u64 r3, u64 r4, u64 r5);
u64 helper_skb_pull_data(struct exec_ctx *x, u64 r1, u64 r2, u64 r3, u64 r4, u64 r5);
u64 helper_skb_load_bytes_relative(struct exec_ctx *x, u64 r1, u64 r2, u64 r3, u64 r4, u64 r5);
u64 helper_csum_update(struct exec_ctx *x, u64 r1, u64 r2, u64 r3, u64 r4, u64 r5);
u64 helper_xdp_get_buff_len(struct exec_ctx *x, u64 r1, u64 r2, u64 r3, u64 r4, u64 r5);
u64 helper_xdp_load_bytes(struct exec_ctx *x, u64 r1, u64 r2, u64 r3, u64 r4, u64 r5);
u64 helper_xdp_store_bytes(struct exec_ctx *x, u64 r1, u64 r2, u64 r3, u64 r4, u64 r5);
/* bpf_sys_bpf's BPF_PROG_TEST_RUN (sysbpf.c), served by the program layer: attr's
 * pointers are checked; the function returns 0 or -errno and fills attr's outputs. */
void helper_sys_bpf_register(int (*test_run)(union bpf_attr *attr));

/* Ones' complement sums as the kernel's csum_partial/csum_fold (packet.c). */
u32 pkt_csum_partial(const u8 *buf, u32 len, u32 seed);
u16 pkt_csum_fold(u32 sum);

#endif
