/* Which helpers each program type offers: the kernel's get_func_proto sets, as the Linux
 * 6.18 kernel answers them for a privileged loader (measured by loading a call to every
 * helper id in each program type; ids a type refuses fail with "program of this type
 * cannot use helper").  Sorted lists of helper ids, and a table of which type uses which;
 * the tracing, perf_event and syscall lists are also exported (prog_internal.h). */
#include "prog_internal.h"

/* SOCKET_FILTER */
static const u8 sk_filter_helpers[] = {
	1, 2, 3, 5, 6, 7, 8, 12, 14, 15, 16, 17, 22, 25, 26, 35, 37, 42, 46, 47, 55, 68, 80, 87, 88,
	89, 93, 94, 105, 106, 109, 112, 113, 114, 115, 117, 118, 120, 122, 123, 125, 130, 131, 132,
	133, 134, 136, 137, 138, 139, 140, 141, 148, 149, 153, 154, 156, 157, 158, 160, 164, 165, 169,
	170, 171, 172, 175, 176, 177, 178, 180, 181, 182, 191, 194, 195, 196, 197, 198, 199, 200, 201,
	202, 203, 208, 209, 210, 211
};

/* SCHED_CLS and SCHED_ACT */
static const u8 tc_helpers[] = {
	1, 2, 3, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26,
	28, 29, 30, 31, 32, 33, 34, 35, 37, 38, 39, 40, 41, 42, 43, 46, 47, 48, 50, 55, 66, 68, 69,
	79, 80, 83, 84, 85, 86, 87, 88, 89, 93, 94, 95, 96, 97, 98, 99, 100, 105, 106, 107, 108, 109,
	110, 112, 113, 114, 115, 117, 118, 120, 122, 123, 124, 125, 130, 131, 132, 133, 134, 135, 136,
	137, 138, 139, 140, 141, 148, 149, 151, 152, 153, 154, 155, 156, 157, 158, 160, 163, 164, 165,
	169, 170, 171, 172, 175, 176, 177, 178, 180, 181, 182, 191, 192, 194, 195, 196, 197, 198, 199,
	200, 201, 202, 203, 204, 205, 206, 207, 208, 209, 210, 211
};

/* XDP */
static const u8 xdp_helpers[] = {
	1, 2, 3, 5, 6, 7, 8, 12, 14, 15, 16, 17, 22, 23, 25, 28, 35, 37, 42, 44, 51, 54, 55, 65, 69,
	80, 84, 85, 86, 87, 88, 89, 93, 94, 99, 100, 105, 106, 109, 110, 112, 113, 114, 115, 117, 118,
	120, 123, 125, 130, 131, 132, 133, 134, 136, 137, 138, 139, 140, 141, 148, 149, 153, 154, 156,
	157, 158, 160, 163, 164, 165, 169, 170, 171, 172, 175, 176, 177, 178, 180, 181, 182, 188, 189,
	190, 191, 194, 195, 196, 197, 198, 199, 200, 201, 202, 203, 204, 205, 206, 207, 208, 209, 210,
	211
};

/* CGROUP_SKB */
static const u8 cg_skb_helpers[] = {
	1, 2, 3, 5, 6, 7, 8, 12, 14, 15, 16, 17, 22, 25, 26, 35, 37, 42, 46, 47, 55, 68, 79, 80, 81,
	83, 84, 85, 86, 87, 88, 89, 93, 94, 95, 96, 97, 98, 99, 105, 106, 107, 108, 109, 112, 113,
	114, 115, 117, 118, 120, 122, 123, 125, 128, 129, 130, 131, 132, 133, 134, 136, 137, 138, 139,
	140, 141, 148, 149, 153, 154, 156, 157, 158, 160, 164, 165, 169, 170, 171, 172, 175, 176, 177,
	178, 180, 181, 182, 191, 194, 195, 196, 197, 198, 199, 200, 201, 202, 203, 208, 209, 210, 211
};

/* CGROUP_SOCK */
static const u8 cg_sock_helpers[] = {
	1, 2, 3, 5, 6, 7, 8, 12, 14, 15, 16, 17, 22, 25, 35, 37, 42, 46, 55, 80, 81, 87, 88, 89, 93,
	94, 105, 106, 107, 109, 112, 113, 114, 115, 117, 118, 120, 122, 123, 125, 130, 131, 132, 133,
	134, 141, 148, 149, 153, 154, 156, 157, 158, 160, 164, 165, 169, 170, 171, 172, 175, 176, 177,
	180, 181, 182, 186, 187, 191, 194, 195, 197, 198, 199, 200, 201, 202, 203, 208, 209, 210, 211
};

/* KPROBE, TRACEPOINT and RAW_TRACEPOINT */
const u8 tracing_helpers[] = {
	1, 2, 3, 4, 5, 6, 7, 8, 12, 14, 15, 16, 17, 22, 25, 27, 35, 37, 42, 45, 55, 67, 80, 87, 88,
	89, 93, 94, 105, 106, 109, 112, 113, 114, 115, 117, 118, 120, 123, 125, 130, 131, 132, 133,
	134, 141, 148, 149, 153, 154, 156, 157, 158, 164, 165, 169, 170, 171, 172, 173, 174, 175, 176,
	177, 180, 181, 182, 191, 194, 195, 197, 198, 199, 200, 201, 202, 203, 208, 209, 210, 211
};
const size_t tracing_helpers_cnt = ARRAY_SIZE(tracing_helpers);

/* PERF_EVENT */
const u8 perf_event_helpers[] = {
	1, 2, 3, 4, 5, 6, 7, 8, 12, 14, 15, 16, 17, 22, 25, 27, 35, 37, 42, 45, 55, 56, 67, 80, 87,
	88, 89, 93, 94, 105, 106, 109, 112, 113, 114, 115, 117, 118, 119, 120, 123, 125, 130, 131,
	132, 133, 134, 141, 148, 149, 153, 154, 156, 157, 158, 164, 165, 169, 170, 171, 172, 173, 174,
	175, 176, 177, 180, 181, 182, 191, 194, 195, 197, 198, 199, 200, 201, 202, 203, 208, 209, 210,
	211
};
const size_t perf_event_helpers_cnt = ARRAY_SIZE(perf_event_helpers);

/* SYSCALL (sleepable) */
const u8 syscall_helpers[] = {
	1, 2, 3, 4, 5, 6, 7, 8, 12, 14, 15, 16, 17, 22, 25, 27, 35, 37, 42, 45, 46, 55, 67, 80, 87,
	88, 89, 93, 94, 105, 106, 107, 108, 109, 111, 112, 113, 114, 115, 117, 118, 120, 121, 123,
	125, 130, 131, 132, 133, 134, 136, 137, 138, 139, 140, 141, 147, 148, 149, 153, 154, 156, 157,
	158, 162, 164, 165, 166, 167, 168, 169, 170, 171, 172, 173, 175, 176, 177, 178, 179, 180, 181,
	182, 188, 191, 194, 195, 196, 197, 198, 199, 200, 201, 202, 203, 208, 209, 210, 211
};
const size_t syscall_helpers_cnt = ARRAY_SIZE(syscall_helpers);

struct helper_set {
	const u8 *ids;
	size_t cnt;
};

#define SET(ids) { ids, ARRAY_SIZE(ids) }
static const struct helper_set type_sets[] = {
	[BPF_PROG_TYPE_SOCKET_FILTER] = SET(sk_filter_helpers),
	[BPF_PROG_TYPE_KPROBE] = SET(tracing_helpers),
	[BPF_PROG_TYPE_SCHED_CLS] = SET(tc_helpers),
	[BPF_PROG_TYPE_SCHED_ACT] = SET(tc_helpers),
	[BPF_PROG_TYPE_TRACEPOINT] = SET(tracing_helpers),
	[BPF_PROG_TYPE_XDP] = SET(xdp_helpers),
	[BPF_PROG_TYPE_PERF_EVENT] = SET(perf_event_helpers),
	[BPF_PROG_TYPE_CGROUP_SKB] = SET(cg_skb_helpers),
	[BPF_PROG_TYPE_CGROUP_SOCK] = SET(cg_sock_helpers),
	[BPF_PROG_TYPE_RAW_TRACEPOINT] = SET(tracing_helpers),
	[BPF_PROG_TYPE_SYSCALL] = SET(syscall_helpers),
};

bool prog_helper_allowed(u32 id, const struct bpf_prog *prog)
{
	const struct helper_set *set;

	if (prog->type >= ARRAY_SIZE(type_sets))
		return false;
	set = &type_sets[prog->type];
	return helper_in_set(set->ids, set->cnt, id);  /* a type not listed has none (cnt 0) */
}
