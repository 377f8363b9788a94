/* A run holds the timers it arms until it ends (hold.c): then they are armed, no longer
 * held, whichever thread ran it and whether or not that thread has exited since (a
 * thread's hold record goes to the next thread that arms); and an engine whose earliest
 * timer a run held wakes at the run's end, not when the hold would lapse (HOLD_MAX_NS,
 * 200 ms): a 2 ms timer armed by a run fires long before that. */
#include <pthread.h>
#include <time.h>
#include <unistd.h>

#include "bpfrun.h"
#include "difftest.h"

struct margs {
	__u32 count, first;
	__u64 nsecs, ok, enomem, other;
};

static struct bpf_object *obj;

/* Arms count timers from key first in one run; how many were armed (the difftest
 * counters are the main thread's: no CHECK here). */
static __u64 arm(__u32 first, __u32 count, __u64 nsecs)
{
	struct margs a = { .count = count, .first = first, .nsecs = nsecs };
	__u32 zero = 0, ret = 1;

	if (bpf_map_update_elem(map_fd(obj, "margs"), &zero, &a, BPF_ANY) ||
	    run_prog(prog_fd(obj, "arm_many"), NULL, 0, &ret) || ret ||
	    bpf_map_lookup_elem(map_fd(obj, "margs"), &zero, &a))
		return 0;
	return a.ok;
}

static void *arm_thread(void *round)
{
	return (void *)(long)arm(100 * (__u32)(long)round, 3, 3600ULL * 1000000000ULL);
}

static int count_state(const struct bpfrun_timer_info *t, void *arg)
{
	__u32 *n = arg;

	n[t->state]++;
	return 0;
}

static __u64 fired(void)
{
	__u32 zero = 0;
	__u64 n = 0;

	bpf_map_lookup_elem(map_fd(obj, "mfired"), &zero, &n);
	return n;
}

static __u64 now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000 + (__u64)ts.tv_nsec / 1000000;
}

int main(void)
{
	obj = load_obj("timers_many");
	for (long round = 1; round <= 6; round++) {
		pthread_t th;
		__u32 n[3] = { 0 };
		void *armed = NULL;

		CHECK(!pthread_create(&th, NULL, arm_thread, (void *)round), "thread");
		pthread_join(th, &armed);
		CHECK((long)armed == 3, "round %ld: the thread armed %ld", round, (long)armed);
		CHECK(!bpfrun_timer_walk(count_state, n), "walk");
		CHECK(n[BPFRUN_TIMER_ARMED] == 3 * round && !n[BPFRUN_TIMER_HELD],
		      "round %ld: %u armed, %u held", round, n[BPFRUN_TIMER_ARMED],
		      n[BPFRUN_TIMER_HELD]);
	}
	for (__u32 i = 0; i < 5; i++) {
		__u64 before = fired(), t0 = now_ms();

		CHECK(arm(1000 + i, 1, 2000000) == 1, "arm 2 ms timer %u", i);
		while (fired() == before && now_ms() - t0 < 1000)
			usleep(1000);
		CHECK(fired() == before + 1 && now_ms() - t0 < 150,
		      "2 ms timer %u fired after %llu ms", i, (unsigned long long)(now_ms() - t0));
	}
	bpf_object__close(obj);
	return finish();
}
