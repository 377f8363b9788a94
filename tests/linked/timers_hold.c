/* A run holds the timers it arms until it ends (hold.c): then they are armed, no longer
 * held, whichever thread ran it and whether or not that thread has exited since (a
 * thread's hold record goes to the next thread that arms); and an engine whose earliest
 * timer a run held wakes at the run's end, not when the hold would lapse (HOLD_MAX_NS,
 * 200 ms): a 2 ms timer armed by a run fires long before that.  During a run, the timers
 * it armed are listed held. */
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

/* A run arming BIG timers, long enough for walks to see it in progress. */
#define BIG 50000
static int big_done; /* atomic */

static void *arm_big(void *unused)
{
	__u64 armed = arm(10000, BIG, 3600ULL * 1000000000ULL);

	__atomic_store_n(&big_done, 1, __ATOMIC_SEQ_CST);
	return (void *)(long)armed;
}

/* While the run is in progress its timers are listed held, the 18 earlier ones armed:
 * checked on each walk that ended before the run did. */
static void held_while_running(void)
{
	pthread_t th;
	void *armed = NULL;
	__u32 during = 0;

	CHECK(!pthread_create(&th, NULL, arm_big, NULL), "thread");
	while (!__atomic_load_n(&big_done, __ATOMIC_SEQ_CST)) {
		__u32 n[3] = { 0 };

		CHECK(!bpfrun_timer_walk(count_state, n), "walk");
		if (__atomic_load_n(&big_done, __ATOMIC_SEQ_CST))
			break;
		CHECK(n[BPFRUN_TIMER_ARMED] == 18, "during the run: %u armed",
		      n[BPFRUN_TIMER_ARMED]);
		during += n[BPFRUN_TIMER_HELD] > 0;
	}
	pthread_join(th, &armed);
	CHECK((long)armed == BIG, "the big run armed %ld", (long)armed);
	out("walks saw the run's timers held: %d", during > 0);
}

int main(void)
{
	obj = bpf_object__open_file(obj_path("timers_many"), NULL);
	CHECK(obj != NULL, "open");
	if (!obj)
		return finish();
	bpf_map__set_max_entries(bpf_object__find_map_by_name(obj, "many"), 2 * BIG);
	CHECK(!bpf_object__load(obj), "load");
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
	held_while_running();
	bpf_object__close(obj);
	return finish();
}
