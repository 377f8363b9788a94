/* The registry of program types and what they share: helper-set lookup and byte-wise
 * access to context images.  Each family lives in its own file (prog_skb.c, prog_xdp.c,
 * prog_tracing.c, prog_syscall.c, prog_sock.c, prog_sockmap.c).  No state, no locking. */
#include "types.h"

const struct prog_type_ops *prog_type_ops_for(u32 prog_type)
{
	static const struct prog_type_ops *const types[] = {
		[BPF_PROG_TYPE_SOCKET_FILTER] = &socket_filter_ops,
		[BPF_PROG_TYPE_KPROBE] = &kprobe_ops,
		[BPF_PROG_TYPE_SCHED_CLS] = &sched_cls_ops,
		[BPF_PROG_TYPE_SCHED_ACT] = &sched_act_ops,
		[BPF_PROG_TYPE_TRACEPOINT] = &tracepoint_ops,
		[BPF_PROG_TYPE_XDP] = &xdp_ops,
		[BPF_PROG_TYPE_PERF_EVENT] = &perf_event_ops,
		[BPF_PROG_TYPE_CGROUP_SKB] = &cgroup_skb_ops,
		[BPF_PROG_TYPE_CGROUP_SOCK] = &cgroup_sock_ops,
		[BPF_PROG_TYPE_RAW_TRACEPOINT] = &raw_tracepoint_ops,
		[BPF_PROG_TYPE_SYSCALL] = &syscall_ops,
		[BPF_PROG_TYPE_TRACING] = &tracing_ops,
		[BPF_PROG_TYPE_LSM] = &lsm_ops,
		[BPF_PROG_TYPE_RAW_TRACEPOINT_WRITABLE] = &raw_tracepoint_writable_ops,
		[BPF_PROG_TYPE_SOCK_OPS] = &sock_ops_ops,
		[BPF_PROG_TYPE_SK_SKB] = &sk_skb_ops,
		[BPF_PROG_TYPE_SK_MSG] = &sk_msg_ops,
	};
	return prog_type < ARRAY_SIZE(types) ? types[prog_type] : NULL;
}

bool helper_in_set(const struct helper_set *set, u32 id)
{
	u32 lo = 0, hi = set->cnt;

	while (lo < hi) {
		u32 mid = (lo + hi) / 2;
		if (set->ids[mid] == id)
			return true;
		if (set->ids[mid] < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

u64 ctx_read_bytes(const void *img, u32 off, u32 size)
{
	const u8 *p = (const u8 *)img + off;
	u64 v = 0;

	for (u32 i = 0; i < size; i++)
		v |= (u64)p[i] << (8 * i);
	return v;
}

void ctx_write_bytes(void *img, u32 off, u32 size, u64 val)
{
	u8 *p = (u8 *)img + off;

	for (u32 i = 0; i < size; i++)
		p[i] = (u8)(val >> (8 * i));
}
