/* bpfrun_timer_walk() and the firing callback, on the virtual clock so that every number
 * is exact: the listing shows each armed timer's map, key, program and callback, clock,
 * absolute expiry and time left, start flags and CPU, in firing order, and nothing once
 * they have fired; the firing callback sees each callback about to run, in order. */
#include <stdlib.h>
#include <string.h>

#include "bpfrun.h"
#include "../diff/timers_driver.h"

static struct drv d;

#define OP(op, m, key, flags, nsecs) drv_op(&d, op, m, key, flags, nsecs)
#define MONO() bpfrun_clock_now(CLOCK_MONOTONIC)

struct seen {
	struct bpfrun_timer_info t[8];
	uint64_t now[8];
	int n;
};

static int collect(const struct bpfrun_timer_info *t, void *arg)
{
	struct seen *s = arg;

	if (s->n < 8)
		s->t[s->n++] = *t;
	return 0;
}

static int stop_at_first(const struct bpfrun_timer_info *t, void *arg)
{
	(*(int *)arg)++;
	return 42;
}

static void on_fire(const struct bpfrun_timer_info *t, uint64_t now, void *arg)
{
	struct seen *s = arg;

	if (s->n < 8) {
		s->now[s->n] = now;
		s->t[s->n++] = *t;
	}
}

static bool key_is(const struct bpfrun_timer_info *t, uint32_t key)
{
	return t->key_size == 4 && !memcmp(t->key, &key, 4);
}

int main(void)
{
	struct seen s = { 0 };
	int calls = 0;

	if (bpfrun_clock_set_virtual()) {
		out("cannot select the virtual clock");
		return 1;
	}
	d = drv_open();
	uint64_t t0 = MONO();

	CHECK(bpfrun_timer_walk(collect, &s) == 0 && s.n == 0, "nothing armed: empty walk");
	/* array key 1: monotonic, 10 ms ahead; hash key 7: boottime, absolute, 5 ms ahead,
	 * pinned */
	CHECK(OP("arm", M_ARR, 1, 0, 10 * MS) == 0, "arm arr 1");
	CHECK(OP("init", M_HASH, 7, CLOCK_BOOTTIME, 0) == 0, "init hash 7 on boottime");
	CHECK(OP("setcb", M_HASH, 7, 0, 0) == 0, "set_callback hash 7");
	uint64_t boot_at = bpfrun_clock_now(CLOCK_BOOTTIME) + 5 * MS;
	CHECK(OP("start", M_HASH, 7, BPF_F_TIMER_ABS | BPF_F_TIMER_CPU_PIN, boot_at) == 0,
	      "start hash 7 absolute, pinned");

	CHECK(bpfrun_timer_walk(collect, &s) == 0 && s.n == 2, "two armed: %d", s.n);
	struct bpfrun_timer_info *h = &s.t[0], *a = &s.t[1];
	CHECK(!strcmp(h->map_name, "hash") && key_is(h, 7), "first to fire: hash key 7");
	CHECK(!strcmp(a->map_name, "arr") && key_is(a, 1), "then arr key 1");
	CHECK(h->clockid == CLOCK_BOOTTIME && a->clockid == CLOCK_MONOTONIC, "clocks");
	CHECK(h->expires_ns == boot_at, "absolute expiry on its own clock");
	CHECK(a->expires_ns == t0 + 10 * MS, "monotonic expiry");
	CHECK(h->remaining_ns == 5 * MS && a->remaining_ns == 10 * MS, "time left");
	CHECK(h->flags == (BPF_F_TIMER_ABS | BPF_F_TIMER_CPU_PIN) && a->flags == 0, "flags");
	CHECK(!strcmp(h->prog_name, "setcb_hash") && !strcmp(h->callback, "cb_main_hash"),
	      "program and callback: %s %s", h->prog_name, h->callback);
	CHECK(!strcmp(a->prog_name, "arm_arr") && !strcmp(a->callback, "cb_main_arr"),
	      "program and callback: %s %s", a->prog_name, a->callback);
	CHECK(h->map_id && h->prog_id && h->state == BPFRUN_TIMER_ARMED, "ids, state");
	CHECK(bpfrun_timer_walk(stop_at_first, &calls) == 42 && calls == 1,
	      "a non-zero return stops the walk and is returned");

	memset(&s, 0, sizeof(s));
	bpfrun_set_timer_fire_callback(on_fire, &s);
	CHECK(bpfrun_clock_advance(20 * MS) == 0, "advance");
	bpfrun_set_timer_fire_callback(NULL, NULL);
	CHECK(s.n == 2, "two firings seen: %d", s.n);
	CHECK(key_is(&s.t[0], 7) && s.now[0] == t0 + 5 * MS, "hash 7 fires first, at 5 ms");
	CHECK(key_is(&s.t[1], 1) && s.now[1] == t0 + 10 * MS, "arr 1 at 10 ms");
	CHECK(s.t[0].state == BPFRUN_TIMER_RUNNING && s.t[0].remaining_ns == 0, "on time");
	CHECK(drv_res(&d, M_ARR, 1).fired == 1 && drv_res(&d, M_HASH, 7).fired == 1, "both ran");

	memset(&s, 0, sizeof(s));
	CHECK(bpfrun_timer_walk(collect, &s) == 0 && s.n == 0, "fired: nothing left to list");
	bpf_object__close(d.obj);
	bpfrun_shutdown();
	return finish();
}
