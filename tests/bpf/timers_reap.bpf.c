/* Timers armed in one array map at scrambled expiries; each callback records when it
 * fired.  Driven by tests/linked/timers_reap.c (closing a map with many armed timers
 * while another map's timers stay queued). */
#include <linux/bpf.h>
#include <time.h>
#include <bpf/bpf_helpers.h>

struct relem {
	struct bpf_timer t;
	__u64 due;   /* virtual instant it must fire at */
	__u64 fired; /* when it fired, or 0 */
	__u64 times; /* how many times it fired */
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 64); /* resized by user space before load */
	__type(key, __u32);
	__type(value, struct relem);
} timers SEC(".maps");

struct {
	__u32 count; /* set by user space */
	__u32 pad;
	__u64 base;
} cfg;

static int record(void *map, __u32 *key, struct relem *v)
{
	v->fired = bpf_ktime_get_ns();
	v->times++;
	return 0;
}

static long arm_one(__u32 i, void *unused)
{
	struct relem *v = bpf_map_lookup_elem(&timers, &i);
	__u64 delay;

	if (!v)
		return 1;
	/* a permutation of 0..count-1 (7919 is prime, count is not a multiple of it) */
	delay = 1000 + (__u64)((i * 7919) % cfg.count) * 1000;
	v->due = cfg.base + delay;
	if (bpf_timer_init(&v->t, &timers, CLOCK_MONOTONIC) ||
	    bpf_timer_set_callback(&v->t, record) || bpf_timer_start(&v->t, delay, 0))
		return 1;
	return 0;
}

SEC("tc")
int arm_all(void *ctx)
{
	cfg.base = bpf_ktime_get_ns();
	return bpf_loop(cfg.count, arm_one, NULL, 0) == cfg.count ? 0 : 1;
}

char _license[] SEC("license") = "GPL";
