/* The helper prototypes (protos.h): one line per helper, by kernel id.  To let the
 * verifier prove programs that call a new helper, add its line; without one, such
 * programs are left to the run-time checks.  Read-only, no locking. */
#include "protos.h"
#include "../lib/bpf_newer.h"

#define P(name, rt, ...)                                                  \
	{                                                                 \
		.id = BPF_FUNC_##name, .ret = rt, .args = { __VA_ARGS__ } \
	}
#define PX(name, rt, cb_kind, chg, ...)                                                   \
	{                                                                                 \
		.id = BPF_FUNC_##name, .ret = rt, .args = { __VA_ARGS__ }, .cb = cb_kind, \
		.pkt_changes = chg                                                        \
	}

static const struct helper_proto protos[] = {
	P(map_lookup_elem, RET_MAP_VALUE_OR_NULL, ARG_MAP, ARG_KEY),
	P(map_update_elem, RET_INT, ARG_MAP, ARG_KEY, ARG_VALUE, ARG_ANY),
	P(map_delete_elem, RET_INT, ARG_MAP, ARG_KEY),
	P(map_lookup_percpu_elem, RET_MAP_VALUE_OR_NULL, ARG_MAP, ARG_KEY, ARG_ANY),
	P(tail_call, RET_VOID, ARG_CTX, ARG_MAP, ARG_ANY),
	P(ktime_get_ns, RET_INT),
	P(ktime_get_boot_ns, RET_INT),
	P(ktime_get_coarse_ns, RET_INT),
	P(ktime_get_tai_ns, RET_INT),
	P(jiffies64, RET_INT),
	P(get_prandom_u32, RET_INT),
	P(get_smp_processor_id, RET_INT),
	P(get_numa_node_id, RET_INT),
	P(get_current_pid_tgid, RET_INT),
	P(get_current_uid_gid, RET_INT),
	P(get_current_comm, RET_INT, ARG_MEM_UNINIT, ARG_SIZE),
	P(strncmp, RET_INT, ARG_MEM, ARG_SIZE, ARG_CONST_STR),
	P(trace_printk, RET_INT, ARG_MEM, ARG_SIZE),
	P(trace_vprintk, RET_INT, ARG_MEM, ARG_SIZE, ARG_MEM_OR_NULL, ARG_SIZE_OR_ZERO),
	P(snprintf, RET_INT, ARG_MEM_OR_NULL, ARG_SIZE_OR_ZERO, ARG_CONST_STR, ARG_MEM_OR_NULL,
	  ARG_SIZE_OR_ZERO),
	P(timer_init, RET_INT, ARG_TIMER, ARG_MAP, ARG_ANY),
	PX(timer_set_callback, RET_INT, CB_TIMER, false, ARG_TIMER, ARG_FUNC),
	P(timer_start, RET_INT, ARG_TIMER, ARG_ANY, ARG_ANY),
	P(timer_cancel, RET_INT, ARG_TIMER),
	P(skb_load_bytes, RET_INT, ARG_CTX, ARG_ANY, ARG_MEM_UNINIT, ARG_SIZE),
	P(perf_event_output, RET_INT, ARG_CTX, ARG_MAP, ARG_ANY, ARG_MEM, ARG_SIZE_OR_ZERO),
	P(perf_event_read, RET_INT, ARG_MAP, ARG_ANY),
	P(perf_event_read_value, RET_INT, ARG_MAP, ARG_ANY, ARG_MEM_UNINIT, ARG_SIZE_OR_ZERO),
	PX(skb_store_bytes, RET_INT, CB_NONE, true, ARG_CTX, ARG_ANY, ARG_MEM, ARG_SIZE, ARG_ANY),
	PX(l3_csum_replace, RET_INT, CB_NONE, true, ARG_CTX, ARG_ANY, ARG_ANY, ARG_ANY, ARG_ANY),
	PX(l4_csum_replace, RET_INT, CB_NONE, true, ARG_CTX, ARG_ANY, ARG_ANY, ARG_ANY, ARG_ANY),
	P(csum_diff, RET_INT, ARG_MEM_OR_NULL, ARG_SIZE_OR_ZERO, ARG_MEM_OR_NULL, ARG_SIZE_OR_ZERO,
	  ARG_ANY),
	PX(xdp_adjust_head, RET_INT, CB_NONE, true, ARG_CTX, ARG_ANY),
	PX(xdp_adjust_tail, RET_INT, CB_NONE, true, ARG_CTX, ARG_ANY),
	PX(xdp_adjust_meta, RET_INT, CB_NONE, true, ARG_CTX, ARG_ANY),
	P(get_socket_cookie, RET_INT, ARG_CTX),
	P(get_socket_uid, RET_INT, ARG_CTX),
	/* local storage: the owner (a BTF pointer) and the initial value (a map value or
	 * NULL) are left to the run-time checks */
	P(task_storage_get, RET_MAP_VALUE_OR_NULL, ARG_MAP, ARG_ANY, ARG_ANY, ARG_ANY),
	P(task_storage_delete, RET_INT, ARG_MAP, ARG_ANY),
	P(sk_storage_get, RET_MAP_VALUE_OR_NULL, ARG_MAP, ARG_ANY, ARG_ANY, ARG_ANY),
	P(sk_storage_delete, RET_INT, ARG_MAP, ARG_ANY),
	P(inode_storage_get, RET_MAP_VALUE_OR_NULL, ARG_MAP, ARG_ANY, ARG_ANY, ARG_ANY),
	P(inode_storage_delete, RET_INT, ARG_MAP, ARG_ANY),
	P(cgrp_storage_get, RET_MAP_VALUE_OR_NULL, ARG_MAP, ARG_ANY, ARG_ANY, ARG_ANY),
	P(cgrp_storage_delete, RET_INT, ARG_MAP, ARG_ANY),
	/* stacks: the kernel bounds get_stack's result by the size (calls.c: fuzzy) */
	P(get_stackid, RET_INT, ARG_CTX, ARG_MAP, ARG_ANY),
	P(get_stack, RET_INT, ARG_CTX, ARG_MEM_UNINIT, ARG_SIZE_OR_ZERO, ARG_ANY),
	P(get_task_stack, RET_INT, ARG_ANY, ARG_MEM_UNINIT, ARG_SIZE_OR_ZERO, ARG_ANY),
};

const struct helper_proto *helper_proto(u32 id)
{
	for (size_t i = 0; i < ARRAY_SIZE(protos); i++)
		if (protos[i].id == id)
			return &protos[i];
	return NULL;
}
