/* Timers on the virtual clock (linked with -lbpfrun: libbpf is served by bpfrun).
 * Nothing fires until bpfrun_clock_advance(); then every due callback runs on this
 * thread in (expiry, arming order), each seeing its own expiry as the time, so every
 * number here is exact. */
#include <stdlib.h>

#include "bpfrun.h"
#include "../diff/timers_driver.h"

static struct drv d;

#define OP(op, m, key, flags, nsecs) drv_op(&d, op, m, key, flags, nsecs)
#define MONO() bpfrun_clock_now(CLOCK_MONOTONIC)
#define ADVANCE(ns) CHECK(bpfrun_clock_advance(ns) == 0, "advance")

static uint64_t fired(int m, uint32_t key)
{
	return drv_res(&d, m, key).fired;
}

static void clocks(void)
{
	uint64_t mono = MONO();

	CHECK(bpfrun_clock_is_virtual(), "virtual");
	CHECK(bpfrun_clock_set_virtual() == 0, "set again");
	CHECK(bpfrun_clock_now(CLOCK_BOOTTIME) - mono == 1000000000ULL, "boottime offset");
	CHECK(bpfrun_clock_now(CLOCK_TAI) - bpfrun_clock_now(CLOCK_REALTIME) == 37000000000ULL,
	      "tai");
	ADVANCE(12345);
	CHECK(MONO() == mono + 12345, "advance with nothing due moves the clock");
	CHECK(bpfrun_clock_advance_to(mono) == 0 && MONO() == mono + 12345, "never backwards");
	CHECK(bpfrun_clock_advance_to(mono + 20000) == 0 && MONO() == mono + 20000, "advance_to");
}

static void exact_expiry(void)
{
	struct bpfrun_timer_stats s0, s1;

	bpfrun_timer_stats(&s0);
	CHECK(OP("arm", M_ARR, 1, 0, 10 * MS) == 0, "arm");
	uint64_t start = drv_res(&d, M_ARR, 1).start_at;
	ADVANCE(10 * MS - 1);
	CHECK(fired(M_ARR, 1) == 0, "not before its expiry");
	bpfrun_timer_stats(&s1);
	CHECK(s1.armed == s0.armed + 1 && s1.pending == s0.pending + 1, "stats: armed, pending");
	ADVANCE(1);
	struct drv_res r = drv_res(&d, M_ARR, 1);
	CHECK(r.fired == 1 && r.fired_at == start + 10 * MS, "fires at its expiry, sees it as now");
	CHECK(r.key_ok && r.value_ok, "key and value");
	bpfrun_timer_stats(&s0);
	CHECK(s0.fired == s1.fired + 1 && s0.pending == s1.pending - 1, "stats: fired");
	ADVANCE(0);
	CHECK(OP("start", M_ARR, 1, 0, 0) == 0, "start(0)");
	CHECK(fired(M_ARR, 1) == 1, "0 ns waits for the next advance");
	ADVANCE(0);
	CHECK(fired(M_ARR, 1) == 2, "advance(0) runs what is due now");
}

static void periodic(void)
{
	drv_ctl(&d, M_HASH, 1, ACT_REARM, 5, 5 * MS);
	uint64_t t0 = MONO();
	CHECK(OP("arm", M_HASH, 1, 0, 5 * MS) == 0, "arm");
	ADVANCE(100 * MS);
	struct drv_res r = drv_res(&d, M_HASH, 1);
	CHECK(r.fired == 5 && r.fired_at == t0 + 25 * MS, "re-armed relative to each expiry: %llu",
	      (unsigned long long)(r.fired_at - t0));
	CHECK(MONO() == t0 + 100 * MS, "clock at the target");
}

static void ordering(void)
{
	/* expiries 30, 10, 20, 10 ms: the tie goes to the one armed first */
	static const uint64_t delay[] = { 30, 10, 20, 10 };
	static const uint64_t want[] = { 4, 1, 3, 2 };
	uint64_t base;

	for (uint32_t k = 0; k < 4; k++)
		CHECK(OP("arm", M_HASHNP, 4 + k, 0, delay[k] * MS) == 0, "arm");
	ADVANCE(50 * MS);
	base = drv_res(&d, M_HASHNP, 5).order - 1;
	for (uint32_t k = 0; k < 4; k++)
		CHECK(drv_res(&d, M_HASHNP, 4 + k).order - base == want[k], "order of key %u",
		      4 + k);
}

static void absolute(void)
{
	uint64_t t = MONO() + 50 * MS;

	CHECK(OP("init", M_ARR, 3, CLOCK_BOOTTIME, 0) == 0, "init boottime");
	CHECK(OP("setcb", M_ARR, 3, 0, 0) == 0, "setcb");
	CHECK(OP("start", M_ARR, 3, BPF_F_TIMER_ABS, bpfrun_clock_now(CLOCK_BOOTTIME) + 50 * MS) ==
		      0,
	      "start");
	CHECK(OP("init", M_ARR, 4, CLOCK_REALTIME, 0) == 0, "init realtime");
	CHECK(OP("setcb", M_ARR, 4, 0, 0) == 0, "setcb");
	CHECK(OP("start", M_ARR, 4, BPF_F_TIMER_ABS, t) == 0, "start"); /* monotonic instant */
	CHECK(OP("arm", M_ARR, 5, BPF_F_TIMER_ABS, t) == 0, "arm monotonic");
	ADVANCE(50 * MS - 1);
	CHECK(fired(M_ARR, 3) + fired(M_ARR, 4) + fired(M_ARR, 5) == 0, "not early");
	ADVANCE(1);
	for (uint32_t k = 3; k <= 5; k++)
		CHECK(fired(M_ARR, k) == 1 && drv_res(&d, M_ARR, k).fired_at == t,
		      "absolute key %u", k);
	CHECK(OP("arm", M_ARR, 6, BPF_F_TIMER_ABS, 1) == 0, "past");
	ADVANCE(0);
	CHECK(fired(M_ARR, 6) == 1, "past instant fires at once");
}

static void callbacks_deterministic(void)
{
	drv_ctl(&d, M_ARR, 7, ACT_CANCEL_SELF, 0, 10 * MS);
	CHECK(OP("arm", M_ARR, 7, 0, 10 * MS) == 0, "arm");
	ADVANCE(30 * MS);
	struct drv_res r = drv_res(&d, M_ARR, 7);
	CHECK(r.fired == 2 && r.cb_result == -EDEADLK && r.cb_result2 == 0, "own cancel");

	CHECK(OP("arm", M_ARR, 9, 0, 20 * MS) == 0, "arm");
	drv_ctl(&d, M_ARR, 8, ACT_CANCEL_OTHER, 9, 0);
	CHECK(OP("arm", M_ARR, 8, 0, 10 * MS) == 0, "arm");
	ADVANCE(30 * MS);
	CHECK(drv_res(&d, M_ARR, 8).cb_result == 1 && fired(M_ARR, 9) == 0, "cancel other");

	drv_ctl(&d, M_HASH, 2, ACT_DELETE_SELF, 0, 10 * MS);
	CHECK(OP("arm", M_HASH, 2, 0, 10 * MS) == 0, "arm");
	drv_ctl(&d, M_ARR, 10, ACT_UPDATE_SELF, 0, 10 * MS);
	CHECK(OP("arm", M_ARR, 10, 0, 10 * MS) == 0, "arm");
	ADVANCE(30 * MS);
	r = drv_res(&d, M_HASH, 2);
	CHECK(r.fired == 1 && r.cb_result == 0 && r.cb_result2 == -EINVAL, "delete own element");
	r = drv_res(&d, M_ARR, 10);
	CHECK(r.fired == 1 && r.cb_result == 0 && r.cb_result2 == -EINVAL, "update own element");

	drv_ctl(&d, M_LRU, 1, ACT_SET_OTHER_CB, 0, 10 * MS);
	CHECK(OP("arm", M_LRU, 1, 0, 10 * MS) == 0, "arm");
	ADVANCE(30 * MS);
	r = drv_res(&d, M_LRU, 1);
	CHECK(r.fired == 1 && r.other == 1, "callback replaced from the callback");

	drv_ctl(&d, M_HASHNP, 1, ACT_INIT_OTHER, 2, 10 * MS);
	CHECK(OP("update", M_HASHNP, 2, BPF_ANY, 0) == 0, "update");
	CHECK(OP("arm", M_HASHNP, 1, 0, 10 * MS) == 0, "arm");
	ADVANCE(30 * MS);
	CHECK(drv_res(&d, M_HASHNP, 2).other == 1, "a callback arms another timer");
}

static void many_in_one_run(uint32_t count)
{
	struct bpf_object *obj = bpf_object__open_file(obj_path("timers_many"), NULL);
	struct margs {
		uint32_t count, first;
		uint64_t nsecs, ok, enomem, other;
	} a = { .count = count, .nsecs = MS };
	uint32_t zero = 0, ret = 0;
	uint64_t nfired = 0;

	bpf_map__set_max_entries(bpf_object__find_map_by_name(obj, "many"), count);
	CHECK(bpf_object__load(obj) == 0, "load");
	bpf_map_update_elem(map_fd(obj, "margs"), &zero, &a, BPF_ANY);
	CHECK(run_prog(prog_fd(obj, "arm_many"), NULL, 0, &ret) == 0 && ret == 0, "run");
	bpf_map_lookup_elem(map_fd(obj, "margs"), &zero, &a);
	out("%u timers armed in one run: ok=%llu enomem=%llu other=%llu", count,
	    (unsigned long long)a.ok, (unsigned long long)a.enomem, (unsigned long long)a.other);
	CHECK(a.ok == count, "every one armed");
	ADVANCE(MS);
	bpf_map_lookup_elem(map_fd(obj, "mfired"), &zero, &nfired);
	CHECK(nfired == count, "every one fired: %llu", (unsigned long long)nfired);
	bpf_object__close(obj);
}

int main(void)
{
	if (bpfrun_clock_set_virtual()) {
		out("cannot select the virtual clock");
		return 1;
	}
	d = drv_open();
	clocks();
	exact_expiry();
	periodic();
	ordering();
	absolute();
	callbacks_deterministic();
	bpf_object__close(d.obj);
	many_in_one_run(1000);
	many_in_one_run(100000);
	bpfrun_shutdown();
	return finish();
}
