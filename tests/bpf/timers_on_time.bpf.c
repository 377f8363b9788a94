/* Short timers that must have fired by the time a caller who slept 50 us looks, as the
 * kernel's timer selftest assumes (prog_tests/timer.c: "usleep(50); 10 usecs should be
 * enough").  Each run arms three timers, 1, 10 and 25 us ahead, and stamps each element
 * with its run number; a callback copies the stamp, so user space sees which fired. */
#include <linux/bpf.h>
#include <time.h>
#include <errno.h>
#include <bpf/bpf_helpers.h>

#define SHORT_TIMERS 3

struct elem {
	struct bpf_timer t;
	__u64 armed_run, fired_run;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, SHORT_TIMERS);
	__type(key, __u32);
	__type(value, struct elem);
} short_timers SEC(".maps");

__u64 runs;

static int stamp_cb(void *map, __u32 *key, struct elem *e)
{
	e->fired_run = e->armed_run;
	return 0;
}

static const __u64 delay_ns[SHORT_TIMERS] = { 1000, 10000, 25000 };

SEC("tc")
int arm_short(void *ctx)
{
	__u64 run = ++runs;

	for (__u32 i = 0; i < SHORT_TIMERS; i++) {
		__u32 key = i;
		struct elem *e = bpf_map_lookup_elem(&short_timers, &key);
		long err;

		if (!e)
			return 1;
		err = bpf_timer_init(&e->t, &short_timers, CLOCK_MONOTONIC);
		if (err && err != -EBUSY)
			return 2;
		e->armed_run = run;
		if (bpf_timer_set_callback(&e->t, stamp_cb) ||
		    bpf_timer_start(&e->t, delay_ns[i], 0))
			return 3;
	}
	return 0;
}

char _license[] SEC("license") = "GPL";
