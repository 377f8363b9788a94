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

/* kfunc_obj.c: kptrs */
HELPER(kptr_xchg);

/* kfunc_graph.c: true while a bpf_rbtree_add callback runs on this thread (it holds the
 * tree's lock, which it may not release) */
bool graph_callback_running(void);

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

/* skb.c: reshaping and metadata of skbs */
HELPER(skb_adjust_room);
HELPER(skb_change_tail);
HELPER(skb_change_head);
HELPER(skb_change_proto);
HELPER(skb_change_type);
HELPER(skb_vlan_push);
HELPER(skb_vlan_pop);
HELPER(get_hash_recalc);
HELPER(set_hash);
HELPER(set_hash_invalid);
HELPER(csum_level);
HELPER(skb_ecn_set_ce);
HELPER(check_mtu);
HELPER(fib_lookup);
HELPER(skb_set_tunnel_key);
HELPER(skb_get_tunnel_key);
HELPER(skb_set_tunnel_opt);
HELPER(skb_get_tunnel_opt);

/* redirect.c: redirects */
HELPER(redirect);
HELPER(redirect_map);
HELPER(redirect_peer);
HELPER(redirect_neigh);
HELPER(sk_redirect_map);
HELPER(sk_redirect_hash);
HELPER(msg_redirect_map);
HELPER(msg_redirect_hash);
HELPER(sock_map_update);
HELPER(sock_hash_update);

/* perf_output.c: bpf_perf_event_output (and its skb and xdp forms), perf_event_read(_value) */
HELPER(perf_event_output);
HELPER(perf_event_read);
HELPER(perf_event_read_value);

/* dynptr.c: dynptrs */
HELPER(dynptr_from_mem);
HELPER(dynptr_read);
HELPER(dynptr_write);
HELPER(dynptr_data);
/* sysbpf.c: bpf_sys_bpf */
HELPER(sys_bpf);

/* printf.c: bpf_trace_printk, bpf_trace_vprintk, bpf_snprintf */
HELPER(trace_printk);
HELPER(trace_vprintk);
HELPER(snprintf);

/* probe.c: checked reads, what fired the run, override_return, signals */
HELPER(probe_read);
HELPER(probe_read_kernel);
HELPER(probe_read_user);
HELPER(probe_read_str);
HELPER(probe_read_kernel_str);
HELPER(probe_read_user_str);
HELPER(get_func_ip);
HELPER(get_attach_cookie);
HELPER(get_func_arg);
HELPER(get_func_ret);
HELPER(get_func_arg_cnt);
HELPER(override_return);
HELPER(send_signal);
HELPER(send_signal_thread);

/* task.c: the current task, a per-thread task_struct image */
HELPER(get_current_task);
HELPER(get_current_task_btf);
/* The current task image's bytes [addr, addr+size) of this thread, or NULL: probe reads
 * find them there even where caller memory is another process's (the shared runtime). */
const void *task_image_at(u64 addr, u64 size);
/* True when addr is the calling thread's task (what bpf_get_current_task_btf returned). */
bool task_is_current(u64 addr);

/* storage.c: local storage (maps/local_storage.h) */
HELPER(task_storage_get);
HELPER(task_storage_delete);
HELPER(sk_storage_get);
HELPER(sk_storage_delete);
HELPER(inode_storage_get);
HELPER(inode_storage_delete);
HELPER(cgrp_storage_get);
HELPER(cgrp_storage_delete);

/* buildid.c: the kernel's build id + offset entries of nr stack addresses into ids; a
 * user stack's addresses in ELF files with a build id are resolved (those of the process
 * whose stack it is), others keep BPF_STACK_BUILD_ID_IP. */
void stack_build_ids(struct bpf_stack_build_id *ids, const u64 *ips, u32 nr, bool user);

/* stack.c: stacks (maps/stackmap.h) */
HELPER(get_stackid);
HELPER(get_stack);
HELPER(get_task_stack);

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

/* fault.c: d itself, or the wrapper of the active fault rule on d's name (the binding
 * helper_get hands to the loader). */
const struct helper_desc *fault_bind(const struct helper_desc *d);

#endif
