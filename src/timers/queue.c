/* The per-CPU timer queues: one engine per CPU id, its queue of armed timers, arming,
 * cancelling, and firing one due timer as a program invocation (see queue.h).
 *
 * Locking: see queue.h.  engine->lock guards the queue and the timers in it; nothing is
 * held while a callback runs.
 */
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

#include "bpfrun.h"
#include "clock.h"
#include "queue.h"
#include "task_work.h"
#include "../maps/map.h"
#include "../obj/prog.h"
#include "../vm/vm.h"

_Static_assert(HEAP_NO_INDEX == TIMER_NOT_QUEUED, "a timer in no queue has no heap index");

struct engine *engines;
u32 nr_engines;
static pthread_once_t engines_once = PTHREAD_ONCE_INIT;
static u64 arm_seq;     /* atomic */
static bool ever_armed; /* atomic */
static __thread struct bpfrun_timer *running_here;
static bpfrun_timer_fire_fn fire_observer; /* atomic */
static void *fire_observer_arg;

void bpfrun_set_timer_fire_callback(bpfrun_timer_fire_fn fn, void *arg)
{
	fire_observer_arg = arg;
	__atomic_store_n(&fire_observer, fn, __ATOMIC_RELEASE);
}

struct bpfrun_timer *timer_running_here(void)
{
	return running_here;
}

static void engines_init(void)
{
	pthread_condattr_t attr;
	int n = num_possible_cpus();

	nr_engines = n > 0 ? (u32)n : 1;
	engines = calloc(nr_engines, sizeof(*engines));
	if (!engines)
		abort();
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	for (u32 i = 0; i < nr_engines; i++) {
		pthread_mutex_init(&engines[i].lock, NULL);
		pthread_cond_init(&engines[i].wake, &attr);
		pthread_cond_init(&engines[i].idle, NULL);
		engines[i].cpu = i;
	}
	pthread_condattr_destroy(&attr);
}

struct engine *engine_at(u32 cpu)
{
	pthread_once(&engines_once, engines_init);
	return &engines[cpu % nr_engines];
}

static u32 timer_cpu(const struct bpfrun_timer *t)
{
	return __atomic_load_n(&t->cpu, __ATOMIC_RELAXED);
}

/* Locks the engine that owns t (works without t's timer lock held). */
struct engine *lock_owner(struct bpfrun_timer *t)
{
	for (;;) {
		struct engine *e = engine_at(timer_cpu(t));

		pthread_mutex_lock(&e->lock);
		if (e->cpu == timer_cpu(t))
			return e;
		pthread_mutex_unlock(&e->lock);
	}
}

bool engine_ever_armed(void)
{
	return __atomic_load_n(&ever_armed, __ATOMIC_ACQUIRE);
}

/* ---- the queue (under e->lock) ---- */

static bool timer_less(const void *a, const void *b)
{
	return fires_before(a, b);
}

static void timer_set_index(void *t, u32 index)
{
	((struct bpfrun_timer *)t)->heap_idx = index;
}

void queue_remove(struct engine *e, struct bpfrun_timer *t)
{
	heap_remove(&e->q, t->heap_idx, timer_less, timer_set_index);
	if (t->dropped) {
		t->dropped = false;
		e->dropped--;
	}
}

/* Takes every dropped timer out of e's queue in one pass: O(queue), against O(log queue)
 * each for queue_remove (closing a map with 1M armed timers spent a quarter of its time
 * there).  The head can only move later, so e's thread needs no kick. */
static void queue_purge(struct engine *e)
{
	u32 kept = 0;

	for (u32 i = 0; i < e->q.nr; i++) {
		struct bpfrun_timer *t = e->q.a[i];

		if (t->dropped) {
			t->dropped = false;
			t->heap_idx = TIMER_NOT_QUEUED;
		} else {
			e->q.a[kept++] = t;
		}
	}
	e->q.nr = kept;
	e->dropped = 0;
	heap_heapify(&e->q, timer_less, timer_set_index);
}

/* ---- arming and cancelling ---- */

struct bpf_prog *engine_set_callback(struct bpfrun_timer *t, struct bpf_prog *prog, u32 start)
{
	struct engine *e = engine_at(timer_cpu(t));
	struct bpf_prog *old;

	if (t->prog == prog && t->start == start)
		return NULL; /* nothing changes (both are read under the timer lock too) */
	/* A timer never armed is in no queue and runs no callback: no engine reads its
	 * callback, and only engine_arm (under the timer lock we hold) can change that. */
	bool quiet = !t->armed_once;

	if (!quiet)
		pthread_mutex_lock(&e->lock);
	old = t->prog;
	t->prog = prog;
	t->start = start;
	if (!quiet)
		pthread_mutex_unlock(&e->lock);
	return old == prog ? NULL : old;
}

/* Moves a timer that is neither queued nor running to engine `cpu`; returns it locked.
 * Caller holds the timer lock and the lock of the current owner `from`. */
static struct engine *move_to(struct engine *from, struct bpfrun_timer *t, u32 cpu)
{
	struct engine *to = engine_at(cpu);

	if (to == from)
		return from;
	__atomic_store_n(&t->cpu, to->cpu, __ATOMIC_RELAXED);
	pthread_mutex_unlock(&from->lock);
	pthread_mutex_lock(&to->lock);
	return to;
}

int engine_arm(struct bpfrun_timer *t, s64 expires, u32 cpu, bool hold, s64 now)
{
	struct engine *e = engine_at(timer_cpu(t));
	int err;

	pthread_mutex_lock(&e->lock);
	if (t->heap_idx != TIMER_NOT_QUEUED)
		queue_remove(e, t);
	else if (e->running != t)
		e = move_to(e, t, cpu);
	err = heap_reserve(&e->q);
	if (!err) {
		t->expires = expires;
		hold = hold && !clock_is_virtual() && hold_timer(t, e, now);
		if (!hold)
			t->hold = NULL;
		t->seq = __atomic_fetch_add(&arm_seq, 1, __ATOMIC_RELAXED);
		t->armed_once = true;
		heap_insert(&e->q, t, timer_less, timer_set_index);
		e->armed++;
		/* A held timer cannot fire before its run ends: the run's end wakes the
		 * thread then, if the timer is still first (a start+cancel in one run, as
		 * in the documentation's example, never wakes it). */
		if (t->heap_idx == 0 && !hold)
			engine_kick_locked(e);
		start_thread_locked(e);
		if (!__atomic_load_n(&ever_armed, __ATOMIC_RELAXED))
			__atomic_store_n(&ever_armed, true, __ATOMIC_RELEASE);
	}
	pthread_mutex_unlock(&e->lock);
	return err;
}

static int drop(struct bpfrun_timer *t, struct bpf_prog **old, bool defer)
{
	struct engine *e = engine_at(timer_cpu(t)); /* stable under the timer lock */
	int ret = 0;

	pthread_mutex_lock(&e->lock);
	if (old) {
		*old = t->prog;
		t->prog = NULL;
		t->start = 0;
	}
	if (t->heap_idx != TIMER_NOT_QUEUED) {
		if (!defer)
			queue_remove(e, t);
		else if (!t->dropped) {
			t->dropped = true;
			e->dropped++;
		}
		e->cancelled++;
		ret = 1;
	} else if (e->running == t) {
		ret = -EINPROGRESS;
	}
	pthread_mutex_unlock(&e->lock);
	return ret;
}

int engine_drop(struct bpfrun_timer *t, struct bpf_prog **old)
{
	return drop(t, old, false);
}

int engine_drop_deferred(struct bpfrun_timer *t, struct bpf_prog **old)
{
	return drop(t, old, true);
}

/* Few dropped timers in a big queue go one by one, else the queue is purged. */
void engine_reap(struct bpfrun_timer **ts, u32 n)
{
	struct engine *e = NULL;

	for (u32 i = 0; i < n; i++) {
		struct bpfrun_timer *t = ts[i];

		if (!e || e->cpu != timer_cpu(t)) {
			if (e)
				pthread_mutex_unlock(&e->lock);
			e = lock_owner(t);
		}
		if (!t->dropped)
			continue; /* purged already, or fired (dropped: discarded) */
		if (e->dropped * 16ull >= e->q.nr)
			queue_purge(e);
		else
			queue_remove(e, t);
	}
	if (e)
		pthread_mutex_unlock(&e->lock);
}

int engine_cancel_sync(struct bpfrun_timer *t)
{
	for (;;) {
		struct engine *e = lock_owner(t);

		if (t->heap_idx != TIMER_NOT_QUEUED) {
			queue_remove(e, t);
			e->cancelled++;
			pthread_mutex_unlock(&e->lock);
			return 1;
		}
		if (e->running != t) {
			pthread_mutex_unlock(&e->lock);
			return 0;
		}
		pthread_cond_wait(&e->idle, &e->lock);
		pthread_mutex_unlock(&e->lock);
	}
}

/* ---- firing ---- */

void spin_locked(struct engine *e, s64 due)
{
	u32 kicks = __atomic_load_n(&e->kicks, __ATOMIC_ACQUIRE);

	pthread_mutex_unlock(&e->lock);
	while ((s64)clock_now(CLOCK_MONOTONIC) < due &&
	       __atomic_load_n(&e->kicks, __ATOMIC_ACQUIRE) == kicks)
		__builtin_ia32_pause();
	pthread_mutex_lock(&e->lock);
}

/* Runs t's callback on this thread as engine e's CPU. */
static void run_callback(struct engine *e, struct exec_ctx *x, struct bpfrun_timer *t,
			 struct bpf_prog *prog, u32 start)
{
	struct bpf_map *map = t->map;
	u32 saved_cpu = x->cpu, index;
	void *key = map->ops->key_of_value(map, t->value, &index);

	if (saved_cpu != e->cpu)
		exec_ctx_set_cpu(x, e->cpu);
	vm_reset_run(x);
	vm_grant(x, key, map->key_size, false);
	map_get(map); /* an inner map is not among the program's maps: the run reaches it */
	vm_use_map(x, map);
	x->running_timer = t;
	running_here = t;
	vm_call(x, prog, start, (u64)(uintptr_t)map, (u64)(uintptr_t)key, (u64)(uintptr_t)t->value,
		0, 0);
	running_here = NULL;
	x->running_timer = NULL;
	if (x->fault)
		bpfrun_warn("timer callback of program %s: %s", prog->name, x->fault_msg);
	vm_reset_run(x);
	if (saved_cpu != e->cpu)
		exec_ctx_set_cpu(x, saved_cpu);
}

void fire_head_locked(struct engine *e, struct exec_ctx *x)
{
	struct bpfrun_timer *t = queue_head(e);
	struct bpf_prog *prog = t->prog;
	u32 start = t->start;

	queue_remove(e, t);
	if (!prog) /* callback dropped by a cancel that has not dequeued it yet */
		return;
	bpfrun_timer_fire_fn observe = __atomic_load_n(&fire_observer, __ATOMIC_ACQUIRE);
	struct bpfrun_timer_info info;
	s64 now = 0;

	if (unlikely(observe)) {
		now = (s64)clock_now(CLOCK_MONOTONIC);
		timer_info_locked(&info, e, t, BPFRUN_TIMER_RUNNING, now);
	}
	prog_get(prog);
	timer_get(t);
	e->running = t;
	e->running_x = x;
	e->fired++;
	pthread_mutex_unlock(&e->lock);

	if (unlikely(observe))
		observe(&info, (u64)now, fire_observer_arg);
	run_callback(e, x, t, prog, start);

	pthread_mutex_lock(&e->lock);
	e->running = NULL;
	e->running_x = NULL;
	vm_reset_stop(x); /* engine_stop's request, if any, was for this callback */
	pthread_cond_broadcast(&e->idle);
	pthread_mutex_unlock(&e->lock);
	prog_put(prog);
	timer_put(t);
	if (unlikely(task_work_any_pending()))
		task_work_run_pending(); /* what the callback scheduled for this thread */
	pthread_mutex_lock(&e->lock);
}
