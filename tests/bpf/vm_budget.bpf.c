/* Runs whose work is unbounded in all but name, for the run budget (tests/linked/
 * vm_budget.c): each must end with a fault within seconds, and a long timer callback must
 * not hold up shutdown. */
#include <linux/bpf.h>
#include <time.h>
#include <bpf/bpf_helpers.h>

#define MAX_LOOPS (8 * 1024 * 1024)

/* A hash map with 2^22 buckets (64 MiB) and no element: each walk examines every bucket. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 1 << 22);
	__type(key, __u32);
	__type(value, __u64);
} empty SEC(".maps");

struct elem {
	struct bpf_timer t;
	__u64 started, fired;
};
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct elem);
} timers SEC(".maps");

static long count(__u32 i, void *ctx)
{
	(*(__u64 *)ctx)++;
	return 0;
}

static long inner_loops(__u32 i, void *ctx)
{
	bpf_loop(MAX_LOOPS, count, ctx, 0);
	return 0;
}

/* 8M x 8M callbacks */
SEC("xdp") int nested_loops(struct xdp_md *xdp)
{
	__u64 n = 0;

	bpf_loop(MAX_LOOPS, inner_loops, &n, 0);
	return (int)n;
}

static long nothing(void *map, __u32 *key, __u64 *value, void *ctx)
{
	return 0;
}

static long walk(__u32 i, void *ctx)
{
	bpf_for_each_map_elem(&empty, nothing, 0, 0);
	return 0;
}

/* 8M walks of 2^22 empty buckets */
SEC("xdp") int walk_empty(struct xdp_md *xdp)
{
	bpf_loop(MAX_LOOPS, walk, 0, 0);
	return 1;
}

static int spin(void *map, __u32 *key, struct elem *v)
{
	__u64 n = 0;

	*(volatile __u64 *)&v->started = 1;
	bpf_loop(MAX_LOOPS, inner_loops, &n, 0);
	v->fired = n;
	return 0;
}

/* arms a timer whose callback runs for hours, 200 ms from now: on the engine's thread,
 * not at the end of this run on the caller's (however slow a sanitizer makes the run) */
SEC("xdp") int arm_long_callback(struct xdp_md *xdp)
{
	__u32 k = 0;
	struct elem *v = bpf_map_lookup_elem(&timers, &k);

	if (!v)
		return 1;
	bpf_timer_init(&v->t, &timers, CLOCK_MONOTONIC);
	bpf_timer_set_callback(&v->t, spin);
	return bpf_timer_start(&v->t, 200000000, 0) ? 1 : 0;
}

char _l[] SEC("license") = "GPL";
