/* The kfunc table: every kernel function bpfrun implements, by its kernel name.
 *
 * Adding a kfunc is one line in kfunc_list.h: KFUNC(name, KF_* flags, set).  The line
 * declares `u64 kfunc_<name>(struct exec_ctx *, u64 r1, ..., u64 r5)` (vm.h's helper_fn),
 * which a file of this layer or one below defines (no header needed there), and adds
 * the entry.  `set` is the kernel kfunc set the function belongs to, i.e. the program
 * types that may call it (below, measured on Linux 6.18: which types a load names
 * "calling kernel function %s is not allowed"; tests/diff/kfunc_load.c compares).
 *
 * The table is sorted by name once, before main(), and read-only afterwards: lookups
 * (kfunc_get, at load only) take no lock.
 */
#include <stdlib.h>
#include <string.h>

#include "kfunc.h"

#define T(type) (1ull << BPF_PROG_TYPE_##type)

/* common_btf_ids: every program type. */
#define SET_COMMON (~0ull)
/* bpf_kfunc_set_skb (bpf_dynptr_from_skb): measured. */
#define SET_SKB                                                                                \
	(T(SOCKET_FILTER) | T(SCHED_CLS) | T(SCHED_ACT) | T(TRACEPOINT) | T(PERF_EVENT) |      \
	 T(CGROUP_SKB) | T(CGROUP_SOCK) | T(LWT_IN) | T(LWT_OUT) | T(LWT_XMIT) | T(SOCK_OPS) | \
	 T(SK_SKB) | T(CGROUP_DEVICE) | T(LWT_SEG6LOCAL) | T(CGROUP_SYSCTL))
/* bpf_kfunc_set_xdp (bpf_dynptr_from_xdp): measured. */
#define SET_XDP T(XDP)
/* generic_kfunc_set (bpf_obj_new_impl, bpf_obj_drop_impl): measured for the types a
 * bare load reaches the kfunc check in; TRACING, STRUCT_OPS and SYSCALL from the kernel's
 * registrations (kernel/bpf/helpers.c). */
#define SET_GENERIC                                                                               \
	(T(SCHED_CLS) | T(TRACEPOINT) | T(XDP) | T(PERF_EVENT) | T(CGROUP_SKB) | T(CGROUP_SOCK) | \
	 T(SOCK_OPS) | T(CGROUP_DEVICE) | T(CGROUP_SOCK_ADDR) | T(CGROUP_SYSCTL) |                \
	 T(CGROUP_SOCKOPT) | T(TRACING) | T(STRUCT_OPS) | T(SYSCALL))

#define KFUNC(name, flags, set) u64 kfunc_##name(struct exec_ctx *, u64, u64, u64, u64, u64);
#include "kfunc_list.h"
#undef KFUNC

#define KFUNC(name, flags, set) { { #name, kfunc_##name, true }, flags, set },
static struct kfunc_desc table[] = {
#include "kfunc_list.h"
};
#undef KFUNC

static int by_name(const void *a, const void *b)
{
	return strcmp(((const struct kfunc_desc *)a)->h.name,
		      ((const struct kfunc_desc *)b)->h.name);
}

__attribute__((constructor)) static void sort_table(void)
{
	qsort(table, ARRAY_SIZE(table), sizeof(table[0]), by_name);
}

const struct kfunc_desc *kfunc_get(const char *name)
{
	struct kfunc_desc key = { .h.name = name };

	return bsearch(&key, table, ARRAY_SIZE(table), sizeof(table[0]), by_name);
}
