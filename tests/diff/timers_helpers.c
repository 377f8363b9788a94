/* bpf_timer_init/set_callback/start/cancel: errors and their order, firing, re-arming,
 * absolute times and clocks, CPU pinning, cancel semantics, what a callback may do.
 * Real clock: generous sleeps, only results are printed. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <sched.h>
#include <stdlib.h>

#include "timers_driver.h"

static struct drv d;

#define OP(op, m, key, flags, nsecs) drv_op(&d, op, m, key, flags, nsecs)

static void uninitialized(void)
{
	out("# uninitialized timer");
	EXPECT(OP("setcb", M_ARR, 0, 0, 0), -EINVAL);
	EXPECT(OP("start", M_ARR, 0, 0, 0), -EINVAL);
	EXPECT(OP("cancel", M_ARR, 0, 0, 0), -EINVAL);
}

static void init_errors(void)
{
	out("# bpf_timer_init flags and order");
	EXPECT(OP("init", M_ARR, 1, 16, 0), -EINVAL);
	EXPECT(OP("init", M_ARR, 1, 2, 0), -EINVAL);
	EXPECT(OP("init", M_ARR, 1, CLOCK_TAI, 0), -EINVAL);
	EXPECT(OP("init", M_ARR, 1, CLOCK_MONOTONIC | 16, 0), -EINVAL);
	EXPECT(OP("init", M_ARR, 1, CLOCK_MONOTONIC, 0), 0);
	EXPECT(OP("init", M_ARR, 1, CLOCK_MONOTONIC, 0), -EBUSY);
	EXPECT(OP("init", M_ARR, 1, CLOCK_REALTIME, 0), -EBUSY);
	EXPECT(OP("init", M_ARR, 1, 16, 0), -EINVAL); /* flags before EBUSY */
	EXPECT(OP("init", M_ARR, 2, CLOCK_REALTIME, 0), 0);
	EXPECT(OP("init", M_ARR, 3, CLOCK_BOOTTIME, 0), 0);
	out("# bpf_timer_start errors");
	EXPECT(OP("start", M_ARR, 1, 0, 0), -EINVAL); /* no callback */
	EXPECT(OP("setcb", M_ARR, 1, 0, 0), 0);
	EXPECT(OP("start", M_ARR, 1, 4, 0), -EINVAL); /* unknown flag */
	EXPECT(OP("start", M_ARR, 4, 4, 0), -EINVAL);
	EXPECT(OP("start", M_ARR, 1, 0, 5000 * MS), 0);
	EXPECT(OP("cancel", M_ARR, 1, 0, 0), 1);
	EXPECT(OP("cancel", M_ARR, 1, 0, 0), 0);
}

static void fire_once(int m)
{
	out("# one shot on %s", drv_map_names[m]);
	drv_ctl(&d, m, 2, ACT_NONE, 0, 0);
	EXPECT(OP("arm", m, 2, 0, 10 * MS), 0);
	sleep_ms(300);
	struct drv_res r = drv_res(&d, m, 2);
	out("fired=%llu key_ok=%u value_ok=%u not_early=%d", (unsigned long long)r.fired, r.key_ok,
	    r.value_ok, r.fired_at >= r.start_at + 10 * MS);
	CHECK(r.fired == 1 && r.key_ok && r.value_ok, "callback once with its key and value");
	EXPECT(OP("cancel", m, 2, 0, 0), 0);
	EXPECT(OP("start", m, 2, 0, 0), -EINVAL); /* cancel dropped the callback */
	EXPECT(OP("init", m, 2, CLOCK_MONOTONIC, 0), -EBUSY);
	EXPECT(OP("setcb", m, 2, 0, 0), 0);
	EXPECT(OP("start", m, 2, 0, 0), 0); /* 0 = as soon as possible */
	sleep_ms(200);
	out("fired=%llu", (unsigned long long)drv_res(&d, m, 2).fired);
}

static void cancel_pending_and_rearm(void)
{
	out("# cancel of a pending timer, re-arming");
	EXPECT(OP("arm", M_HASH, 4, 0, 5000 * MS), 0);
	EXPECT(OP("cancel", M_HASH, 4, 0, 0), 1);
	EXPECT(OP("start", M_HASH, 4, 0, 10 * MS), -EINVAL);
	EXPECT(OP("setcb", M_HASH, 4, 0, 0), 0);
	EXPECT(OP("start", M_HASH, 4, 0, 5000 * MS), 0);
	EXPECT(OP("start", M_HASH, 4, 0, 10 * MS), 0); /* re-arm earlier */
	EXPECT(OP("arm", M_HASH, 5, 0, 10 * MS), 0);
	EXPECT(OP("start", M_HASH, 5, 0, 5000 * MS), 0); /* re-arm later */
	sleep_ms(300);
	out("earlier: fired=%llu  later: fired=%llu",
	    (unsigned long long)drv_res(&d, M_HASH, 4).fired,
	    (unsigned long long)drv_res(&d, M_HASH, 5).fired);
	EXPECT(OP("cancel", M_HASH, 5, 0, 0), 1);
	out("# relative times that never fire (negative, overflowing)");
	EXPECT(OP("arm", M_HASH, 6, 0, (uint64_t)-1), 0);
	EXPECT(OP("arm", M_HASH, 7, 0, (uint64_t)INT64_MAX), 0);
	sleep_ms(100);
	out("fired=%llu,%llu", (unsigned long long)drv_res(&d, M_HASH, 6).fired,
	    (unsigned long long)drv_res(&d, M_HASH, 7).fired);
	EXPECT(OP("cancel", M_HASH, 6, 0, 0), 1);
	EXPECT(OP("cancel", M_HASH, 7, 0, 0), 1);
}

/* Absolute expiry: `base` is the clock the instant is read from.  A CLOCK_REALTIME
 * timer runs on the monotonic base (hrtimer converts relative-mode REALTIME timers), so
 * its absolute times are monotonic ones and a wall-clock instant lies far ahead. */
static void absolute(int key, int clk, int base, const char *name)
{
	uint64_t target = now_ns(base) + 50 * MS;
	uint64_t mono_target = target - (now_ns(base) - now_ns(CLOCK_MONOTONIC)) - MS;

	EXPECT(OP("init", M_ARR, key, clk, 0), 0);
	EXPECT(OP("setcb", M_ARR, key, 0, 0), 0);
	EXPECT(OP("start", M_ARR, key, BPF_F_TIMER_ABS, target), 0);
	sleep_ms(400);
	struct drv_res r = drv_res(&d, M_ARR, key);
	out("%s absolute: fired=%llu not_early=%d", name, (unsigned long long)r.fired,
	    r.fired && r.fired_at >= mono_target);
	out("%s cancel after: %s", name, errname(OP("cancel", M_ARR, key, 0, 0)));
}

static void absolute_times(void)
{
	out("# BPF_F_TIMER_ABS");
	absolute(5, CLOCK_MONOTONIC, CLOCK_MONOTONIC, "monotonic");
	absolute(6, CLOCK_BOOTTIME, CLOCK_BOOTTIME, "boottime");
	absolute(7, CLOCK_REALTIME, CLOCK_MONOTONIC, "realtime at a monotonic instant");
	absolute(8, CLOCK_REALTIME, CLOCK_REALTIME, "realtime at a wall-clock instant");
	EXPECT(OP("arm", M_ARR, 0, BPF_F_TIMER_ABS, 1), 0); /* in the past: at once */
	sleep_ms(200);
	out("past absolute: fired=%llu", (unsigned long long)drv_res(&d, M_ARR, 0).fired);
}

static void cpu_pin(void)
{
	cpu_set_t set, old;
	int ncpu = libbpf_num_possible_cpus();

	out("# BPF_F_TIMER_CPU_PIN");
	sched_getaffinity(0, sizeof(old), &old);
	CPU_ZERO(&set);
	CPU_SET(ncpu - 1, &set);
	sched_setaffinity(0, sizeof(set), &set);
	EXPECT(OP("arm", M_LRU, 1, BPF_F_TIMER_CPU_PIN, 20 * MS), 0);
	sched_setaffinity(0, sizeof(old), &old);
	sleep_ms(300);
	struct drv_res r = drv_res(&d, M_LRU, 1);
	out("pinned: fired=%llu same_cpu=%d", (unsigned long long)r.fired, r.cpu == r.start_cpu);
	CHECK(r.fired == 1 && r.cpu == r.start_cpu, "pinned callback on the starting CPU");
}

static void callbacks(void)
{
	out("# set_callback replaces the function, also from the callback");
	d.cb = 1;
	EXPECT(OP("arm", M_ARR, 9, 0, 30 * MS), 0); /* arm sets cb_main ... */
	EXPECT(OP("setcb", M_ARR, 9, 0, 0), 0);     /* ... replaced by cb_other */
	d.cb = 0;
	drv_ctl(&d, M_ARR, 10, ACT_SET_OTHER_CB, 0, 10 * MS);
	EXPECT(OP("arm", M_ARR, 10, 0, 10 * MS), 0);
	sleep_ms(300);
	struct drv_res r9 = drv_res(&d, M_ARR, 9), r10 = drv_res(&d, M_ARR, 10);
	out("replaced: main=%llu other=%llu", (unsigned long long)r9.fired,
	    (unsigned long long)r9.other);
	out("from callback: main=%llu other=%llu set=%s start=%s", (unsigned long long)r10.fired,
	    (unsigned long long)r10.other, errname(r10.cb_result), errname(r10.cb_result2));

	out("# periodic by re-arming from the callback");
	drv_ctl(&d, M_HASHNP, 1, ACT_REARM, 5, 5 * MS);
	EXPECT(OP("arm", M_HASHNP, 1, 0, 5 * MS), 0);
	sleep_ms(400);
	struct drv_res rp = drv_res(&d, M_HASHNP, 1);
	out("re-armed: fired=%llu last start=%s", (unsigned long long)rp.fired,
	    errname(rp.cb_result));

	out("# cancel of its own timer from the callback");
	drv_ctl(&d, M_ARR, 11, ACT_CANCEL_SELF, 0, 10 * MS);
	EXPECT(OP("arm", M_ARR, 11, 0, 10 * MS), 0);
	sleep_ms(300);
	struct drv_res rc = drv_res(&d, M_ARR, 11);
	out("fired=%llu cancel=%s start after=%s", (unsigned long long)rc.fired,
	    errname(rc.cb_result), errname(rc.cb_result2));

	out("# a callback deletes / updates its own element");
	drv_ctl(&d, M_HASH, 8, ACT_DELETE_SELF, 0, 10 * MS);
	EXPECT(OP("arm", M_HASH, 8, 0, 10 * MS), 0);
	drv_ctl(&d, M_ARR, 12, ACT_UPDATE_SELF, 0, 10 * MS);
	EXPECT(OP("arm", M_ARR, 12, 0, 10 * MS), 0);
	drv_ctl(&d, M_LRU, 4, ACT_UPDATE_SELF, 0, 10 * MS);
	EXPECT(OP("arm", M_LRU, 4, 0, 10 * MS), 0);
	sleep_ms(300);
	struct drv_res rd = drv_res(&d, M_HASH, 8), ru = drv_res(&d, M_ARR, 12),
		       rl = drv_res(&d, M_LRU, 4);
	out("hash delete: fired=%llu delete=%s start=%s", (unsigned long long)rd.fired,
	    errname(rd.cb_result), errname(rd.cb_result2));
	out("array update: fired=%llu update=%s start=%s", (unsigned long long)ru.fired,
	    errname(ru.cb_result), errname(ru.cb_result2));
	out("lru update: fired=%llu update=%s start=%s", (unsigned long long)rl.fired,
	    errname(rl.cb_result), errname(rl.cb_result2));
	EXPECT(OP("init", M_ARR, 12, CLOCK_MONOTONIC, 0), 0); /* the update reset it */

	out("# a callback cancels another timer");
	EXPECT(OP("arm", M_ARR, 14, 0, 5000 * MS), 0);
	drv_ctl(&d, M_ARR, 13, ACT_CANCEL_OTHER, 14, 0);
	EXPECT(OP("arm", M_ARR, 13, 0, 10 * MS), 0);
	sleep_ms(300);
	out("cancel other=%s", errname(drv_res(&d, M_ARR, 13).cb_result));
	EXPECT(OP("start", M_ARR, 14, 0, 0), -EINVAL);

	out("# a callback arms another timer");
	drv_ctl(&d, M_HASHNP, 2, ACT_INIT_OTHER, 3, 10 * MS);
	EXPECT(OP("update", M_HASHNP, 3, BPF_ANY, 0), 0);
	EXPECT(OP("arm", M_HASHNP, 2, 0, 10 * MS), 0);
	sleep_ms(300);
	struct drv_res ri = drv_res(&d, M_HASHNP, 2), ro = drv_res(&d, M_HASHNP, 3);
	out("init other=%s set+start=%s other ran=%llu", errname(ri.cb_result),
	    errname(ri.cb_result2), (unsigned long long)ro.other);
}

static void cancel_waits(void)
{
	out("# cancel waits for the callback running on another CPU");
	drv_ctl(&d, M_ARR, 15, ACT_SPIN, 0, 600 * MS);
	EXPECT(OP("arm", M_ARR, 15, 0, 0), 0);
	sleep_ms(200);
	int ret = OP("cancel", M_ARR, 15, 0, 0);
	struct drv_res r = drv_res(&d, M_ARR, 15);
	out("cancel=%s callback finished before cancel returned=%u", errname(ret), r.done);
	CHECK(ret == 0 && r.done == 1, "cancel waited");
}

static void printk_from_callback(void)
{
	out("# callbacks call helpers (bpf_printk)");
	trace_clear();
	drv_ctl(&d, M_LRU, 3, ACT_PRINT, 0, 0);
	EXPECT(OP("arm", M_LRU, 3, 0, 10 * MS), 0);
	sleep_ms(300);
	out("trace: %s", trace_messages());
}

int main(void)
{
	d = drv_open();
	uninitialized();
	init_errors();
	for (int m = 0; m < NR_MAPS; m++)
		fire_once(m);
	cancel_pending_and_rearm();
	absolute_times();
	cpu_pin();
	callbacks();
	cancel_waits();
	printk_from_callback();
	bpf_object__close(d.obj);
	return finish();
}
