/* The helper table, indexed by the kernel's helper ids.
 *
 * Every id of <linux/bpf.h> has its kernel name (expanded from the uapi header's
 * __BPF_FUNC_MAPPER, plus the ids newer kernels added after the installed header);
 * the entries bpfrun implements also have a function and the kernel's gpl_only flag.
 * The table is built once, before main(), and read-only afterwards: no locking.
 */
#include "internal.h"
#include "../lib/bpf_newer.h"
#include "../timers/timer.h"

/* "bpf_" #name for every id of the installed header (the mapper separates the FN(name)
 * items with commas). */
#define HELPER_NAME_FN(name) "bpf_" #name
static const char *const header_names[] = { __BPF_FUNC_MAPPER(HELPER_NAME_FN) };
#undef HELPER_NAME_FN

/* Helpers of the running kernel that the installed header does not list. */
#define NEWER_NAME(name, id) { id, "bpf_" #name },
static const struct {
	u32 id;
	const char *name;
} newer_names[] = { BPF_NEWER_FUNC_MAPPER(NEWER_NAME) };

#define NR_HELPER_IDS MAX(ARRAY_SIZE(header_names), 212u)

/* bpf_tail_call is executed by the interpreter itself; reaching this is a bug there. */
static u64 helper_tail_call(struct exec_ctx *x, u64 r1, u64 r2, u64 r3, u64 r4, u64 r5)
{
	vm_fault(x, "bpf_tail_call must be executed by the interpreter");
	return 0;
}

struct helper_impl {
	u32 id;
	helper_fn fn;
	bool gpl_only;
};

#define IMPL(name, gpl)                             \
	{                                           \
		BPF_FUNC_##name, helper_##name, gpl \
	}

static const struct helper_impl impls[] = {
	IMPL(map_lookup_elem, false),
	IMPL(map_update_elem, false),
	IMPL(map_delete_elem, false),
	IMPL(map_lookup_percpu_elem, false),
	IMPL(for_each_map_elem, false),
	IMPL(spin_lock, false),
	IMPL(spin_unlock, false),
	IMPL(tail_call, false),

	IMPL(ktime_get_ns, false),
	IMPL(ktime_get_boot_ns, false),
	IMPL(ktime_get_coarse_ns, false),
	IMPL(ktime_get_tai_ns, false),
	IMPL(jiffies64, false),
	IMPL(get_prandom_u32, false),
	IMPL(get_smp_processor_id, false),
	IMPL(get_numa_node_id, false),
	IMPL(get_current_pid_tgid, false),
	IMPL(get_current_uid_gid, false),
	IMPL(get_current_comm, false),
	IMPL(strncmp, false),
	IMPL(loop, false),

	IMPL(trace_printk, true),
	IMPL(trace_vprintk, true),
	IMPL(snprintf, true),

	IMPL(timer_init, true),
	IMPL(timer_set_callback, true),
	IMPL(timer_start, true),
	IMPL(timer_cancel, true),

	IMPL(skb_load_bytes, false),
	IMPL(skb_pull_data, false),
	IMPL(skb_load_bytes_relative, false),
	IMPL(csum_update, false),
	IMPL(xdp_get_buff_len, false),
	IMPL(xdp_load_bytes, false),
	IMPL(xdp_store_bytes, false),
	IMPL(skb_store_bytes, false),
	IMPL(l3_csum_replace, false),
	IMPL(l4_csum_replace, false),
	IMPL(csum_diff, false),
	IMPL(xdp_adjust_head, false),
	IMPL(xdp_adjust_tail, false),
	IMPL(xdp_adjust_meta, false),
	IMPL(get_socket_cookie, false),
	IMPL(get_socket_uid, false),

	IMPL(ringbuf_output, false),
	IMPL(ringbuf_reserve, false),
	IMPL(ringbuf_submit, false),
	IMPL(ringbuf_discard, false),
	IMPL(ringbuf_query, false),
	IMPL(ringbuf_reserve_dynptr, false),
	IMPL(ringbuf_submit_dynptr, false),
	IMPL(ringbuf_discard_dynptr, false),
	IMPL(user_ringbuf_drain, false),
	IMPL(perf_event_output, true),
	IMPL(perf_event_read, true),
	IMPL(perf_event_read_value, true),
	IMPL(kptr_xchg, false),
	IMPL(skb_adjust_room, false),
	IMPL(skb_change_tail, false),
	IMPL(skb_change_head, false),
	IMPL(skb_change_proto, false),
	IMPL(skb_change_type, false),
	IMPL(skb_vlan_push, false),
	IMPL(skb_vlan_pop, false),
	IMPL(get_hash_recalc, false),
	IMPL(set_hash, false),
	IMPL(set_hash_invalid, false),
	IMPL(csum_level, false),
	IMPL(skb_ecn_set_ce, false),
	IMPL(check_mtu, false),
	IMPL(fib_lookup, false),
	IMPL(skb_set_tunnel_key, false),
	IMPL(skb_get_tunnel_key, false),
	IMPL(skb_set_tunnel_opt, false),
	IMPL(skb_get_tunnel_opt, false),

	IMPL(redirect, false),
	IMPL(redirect_map, false),
	IMPL(redirect_peer, false),
	IMPL(redirect_neigh, false),
	IMPL(sk_redirect_map, false),
	IMPL(sk_redirect_hash, false),
	IMPL(msg_redirect_map, false),
	IMPL(msg_redirect_hash, false),
	IMPL(sock_map_update, false),
	IMPL(sock_hash_update, false),

	IMPL(dynptr_from_mem, false),
	IMPL(dynptr_read, false),
	IMPL(dynptr_write, false),
	IMPL(dynptr_data, false),
	IMPL(sys_bpf, false),
	IMPL(probe_read, true),
	IMPL(probe_read_kernel, true),
	IMPL(probe_read_user, true),
	IMPL(probe_read_str, true),
	IMPL(probe_read_kernel_str, true),
	IMPL(probe_read_user_str, true),
	IMPL(get_func_ip, false),
	IMPL(get_attach_cookie, false),
	IMPL(get_func_arg, false),
	IMPL(get_func_ret, false),
	IMPL(get_func_arg_cnt, false),
	IMPL(override_return, true),
	IMPL(send_signal, false),
	IMPL(send_signal_thread, false),
	IMPL(get_current_task, false),
	IMPL(get_current_task_btf, true),
	IMPL(map_push_elem, false),
	IMPL(map_pop_elem, false),
	IMPL(map_peek_elem, false),
	IMPL(current_task_under_cgroup, false),
	IMPL(skb_under_cgroup, false),
	IMPL(task_storage_get, false),
	IMPL(task_storage_delete, false),
	IMPL(sk_storage_get, false),
	IMPL(sk_storage_delete, false),
	IMPL(inode_storage_get, false),
	IMPL(inode_storage_delete, false),
	IMPL(cgrp_storage_get, false),
	IMPL(cgrp_storage_delete, false),
	IMPL(get_stackid, true),
	IMPL(get_stack, true),
	IMPL(get_task_stack, false),
};

static struct helper_desc table[NR_HELPER_IDS];

__attribute__((constructor)) static void build_table(void)
{
	/* Id 0 (BPF_FUNC_unspec) is not a helper. */
	for (u32 id = 1; id < ARRAY_SIZE(header_names); id++)
		table[id].name = header_names[id];
	for (u32 i = 0; i < ARRAY_SIZE(newer_names); i++)
		if (!table[newer_names[i].id].name)
			table[newer_names[i].id].name = newer_names[i].name;
	for (u32 i = 0; i < ARRAY_SIZE(impls); i++) {
		table[impls[i].id].fn = impls[i].fn;
		table[impls[i].id].gpl_only = impls[i].gpl_only;
	}
}

const struct helper_desc *helper_get(u32 id)
{
	if (id >= NR_HELPER_IDS || !table[id].name)
		return NULL;
	return fault_bind(&table[id]); /* a fault rule's wrapper, when one names it */
}

const char *helper_name(u32 id)
{
	const struct helper_desc *d = helper_get(id);

	return d ? d->name : NULL;
}
