/* The timer engine, in the role of the kernel's hrtimer softirq.
 *
 * One engine per CPU id: a min-heap of armed timers ordered by (expiry, arming sequence)
 * and, on the real clock, a thread started when the engine gets its first timer.  The
 * thread sleeps on a condition variable until the earliest expiry (an idle engine burns
 * no CPU) and runs due callbacks one at a time as program invocations with its own
 * execution context (CPU id = the engine's).  On the virtual clock no thread fires:
 * engine_advance_to() runs due callbacks on the caller's thread, in global
 * (expiry, sequence) order across all engines.
 *
 * Locking:
 *   engine->lock protects the heap, every queued or running timer's heap_idx, expires,
 *   seq and cpu fields, engine->running(_x) and the statistics.  It nests inside the timer
 *   lock (timer.c): timer lock -> engine lock.  Never two engine locks at once.
 *   A timer's callback (prog, start) is written under both its timer lock and the lock
 *   of the engine that owns it, so the firing engine reads it under its own lock only.
 *   No lock is held while a callback runs: the engine marks the timer running, takes a
 *   reference on it and on the program, unlocks, runs, relocks.  Cancellers wait on
 *   engine->idle without any lock of theirs held.
 *   A timer changes engine (t->cpu) only under its timer lock while holding the old
 *   engine's lock, and never while its callback runs, so "lock engine t->cpu, then
 *   re-check t->cpu" finds the owner.
 *   advance_lock serializes virtual-clock advances (one thread fires at a time).
 */
#include <pthread.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <time.h>

#include "bpfrun.h"
#include "clock.h"
#include "engine.h"
#include "../maps/map.h"
#include "../prog/prog.h"
#include "../vm/vm.h"

struct engine {
	pthread_mutex_t lock;
	pthread_cond_t wake;    /* for the thread: new earliest timer, or stop */
	pthread_cond_t idle;    /* for cancellers: a callback finished */
	struct bpfrun_timer **heap;
	u32 nr, cap;
	struct bpfrun_timer *running;  /* callback running now (any thread) */
	struct exec_ctx *running_x;    /* ... and the context it runs in */
	u32 cpu;
	bool thread_started;
	bool stop;
	pthread_t thread;
	u64 armed, fired, cancelled;
};

static struct engine *engines;
static u32 nr_engines;
static pthread_once_t engines_once = PTHREAD_ONCE_INIT;
static pthread_mutex_t advance_lock = PTHREAD_MUTEX_INITIALIZER;
static u64 arm_seq;            /* atomic */
static bool ever_armed;        /* atomic */
static bool engines_shut_down; /* atomic: no engine thread starts any more */
static __thread struct bpfrun_timer *running_here;

/* Timers armed by the program run in progress on this thread (a reference each): they
 * do not fire before the run ends, as the kernel's softirq cannot run on the CPU while a
 * program does (so the documentation example's cancel right after start always wins).
 * timer_run_end() releases them; a hold also lapses after HOLD_MAX_NS, so a run that
 * never reports its end delays its timers only that long. */
#define HOLD_MAX_NS 10000000LL
struct held_timer {
	struct bpfrun_timer *t;
	s64 until;
};
static __thread struct held_timer *held;
static __thread u32 held_first, held_cap;
__thread u32 timers_held_by_thread;   /* entries in held[] from held_first */

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

static struct engine *engine_at(u32 cpu)
{
	pthread_once(&engines_once, engines_init);
	return &engines[cpu % nr_engines];
}

static u32 timer_cpu(const struct bpfrun_timer *t)
{
	return __atomic_load_n(&t->cpu, __ATOMIC_RELAXED);
}

/* Locks the engine that owns t (works without t's timer lock held). */
static struct engine *lock_owner(struct bpfrun_timer *t)
{
	for (;;) {
		struct engine *e = engine_at(timer_cpu(t));

		pthread_mutex_lock(&e->lock);
		if (e->cpu == timer_cpu(t))
			return e;
		pthread_mutex_unlock(&e->lock);
	}
}

static void release_hold(struct bpfrun_timer *t)
{
	struct engine *e = lock_owner(t);

	t->hold_until = 0;
	if (t->heap_idx == 0)
		pthread_cond_signal(&e->wake);
	pthread_mutex_unlock(&e->lock);
	timer_put(t);
}

/* Releases this thread's holds whose time has come (all of them with `all`). */
static void release_holds(bool all, s64 now)
{
	u32 end = held_first + timers_held_by_thread;

	while (held_first < end && (all || held[held_first].until <= now))
		release_hold(held[held_first++].t);
	timers_held_by_thread = end - held_first;
	if (!timers_held_by_thread)
		held_first = 0;
}

static void fire_head_locked(struct engine *e, struct exec_ctx *x);

/* The kernel runs due softirq timers on the CPU as soon as the program lets go of it,
 * before the test run returns to user space: so does a run's end here, for the timers
 * of this thread's CPU that are due (unless a callback of that engine is running: one
 * callback per engine at a time, as on a CPU).  Never inside a callback, and never on
 * the virtual clock, where only bpfrun_clock_advance() fires. */
static void fire_due_here(void)
{
	struct engine *e;

	if (running_here || clock_is_virtual())
		return;
	e = engine_at(exec_ctx_get()->cpu);
	pthread_mutex_lock(&e->lock);
	while (e->nr && !e->running && !e->stop &&
	       MAX(e->heap[0]->expires, e->heap[0]->hold_until) <= (s64)clock_now(CLOCK_MONOTONIC))
		fire_head_locked(e, exec_ctx_softirq());
	pthread_mutex_unlock(&e->lock);
}

void timer_release_held(void)
{
	release_holds(true, 0);
	fire_due_here();
}

static pthread_key_t hold_key;
static pthread_once_t hold_key_once = PTHREAD_ONCE_INIT;

/* A thread that exits mid-run (or without the hook) lets go too. */
static void release_holds_at_exit(void *unused)
{
	release_holds(true, 0);
	free(held);
	held = NULL;
	held_cap = 0;
}

static void hold_key_init(void)
{
	pthread_key_create(&hold_key, release_holds_at_exit);
}

/* Remembers that t is held until this thread's run ends; false when out of memory. */
static bool add_hold(struct bpfrun_timer *t, s64 until)
{
	u32 n;

	if (!held) {
		pthread_once(&hold_key_once, hold_key_init);
		pthread_setspecific(hold_key, &held);
	}

	release_holds(false, until - HOLD_MAX_NS);
	n = held_first + timers_held_by_thread;
	if (n == held_cap) {
		u32 cap = held_cap ? held_cap * 2 : 64;
		struct held_timer *h = realloc(held, cap * sizeof(*h));

		if (!h)
			return false;
		held = h;
		held_cap = cap;
	}
	timer_get(t);
	held[n] = (struct held_timer){ t, until };
	timers_held_by_thread++;
	return true;
}

bool engine_ever_armed(void)
{
	return __atomic_load_n(&ever_armed, __ATOMIC_ACQUIRE);
}

/* ---- the heap (under e->lock) ---- */

static bool fires_before(const struct bpfrun_timer *a, const struct bpfrun_timer *b)
{
	return a->expires < b->expires || (a->expires == b->expires && a->seq < b->seq);
}

static void heap_set(struct engine *e, u32 i, struct bpfrun_timer *t)
{
	e->heap[i] = t;
	t->heap_idx = i;
}

static void sift_up(struct engine *e, u32 i)
{
	struct bpfrun_timer *t = e->heap[i];

	while (i > 0) {
		u32 parent = (i - 1) / 2;

		if (!fires_before(t, e->heap[parent]))
			break;
		heap_set(e, i, e->heap[parent]);
		i = parent;
	}
	heap_set(e, i, t);
}

static void sift_down(struct engine *e, u32 i)
{
	struct bpfrun_timer *t = e->heap[i];

	for (;;) {
		u32 child = 2 * i + 1;

		if (child >= e->nr)
			break;
		if (child + 1 < e->nr && fires_before(e->heap[child + 1], e->heap[child]))
			child++;
		if (!fires_before(e->heap[child], t))
			break;
		heap_set(e, i, e->heap[child]);
		i = child;
	}
	heap_set(e, i, t);
}

static int heap_reserve(struct engine *e)
{
	if (e->nr < e->cap)
		return 0;
	u32 cap = e->cap ? e->cap * 2 : 64;
	struct bpfrun_timer **heap = realloc(e->heap, (size_t)cap * sizeof(*heap));

	if (!heap)
		return -ENOMEM;
	e->heap = heap;
	e->cap = cap;
	return 0;
}

static void heap_remove(struct engine *e, struct bpfrun_timer *t)
{
	u32 i = t->heap_idx;
	struct bpfrun_timer *last = e->heap[--e->nr];

	t->heap_idx = TIMER_NOT_QUEUED;
	if (i == e->nr)
		return;
	heap_set(e, i, last);
	if (i > 0 && fires_before(last, e->heap[(i - 1) / 2]))
		sift_up(e, i);
	else
		sift_down(e, i);
}

/* ---- the engine threads ---- */

static void *engine_main(void *arg);

static void register_exit_hook(void)
{
	atexit(bpfrun_shutdown);
}

static void start_thread_locked(struct engine *e)
{
	if (e->thread_started || clock_is_virtual() ||
	    __atomic_load_n(&engines_shut_down, __ATOMIC_ACQUIRE))
		return;
	static pthread_once_t exit_hook = PTHREAD_ONCE_INIT;
	pthread_once(&exit_hook, register_exit_hook);
	if (pthread_create(&e->thread, NULL, engine_main, e)) {
		bpfrun_warn("cannot start the timer thread of CPU %u", e->cpu);
		return;
	}
	e->thread_started = true;
}

struct bpf_prog *engine_set_callback(struct bpfrun_timer *t, struct bpf_prog *prog, u32 start)
{
	struct engine *e = engine_at(timer_cpu(t));
	struct bpf_prog *old;

	pthread_mutex_lock(&e->lock);
	old = t->prog;
	t->prog = prog;
	t->start = start;
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

int engine_arm(struct bpfrun_timer *t, s64 expires, u32 cpu, bool hold)
{
	struct engine *e = engine_at(timer_cpu(t));
	s64 until = 0;
	int err;

	if (hold && !clock_is_virtual()) {
		until = (s64)clock_now(CLOCK_MONOTONIC) + HOLD_MAX_NS;
		if (!add_hold(t, until))
			until = 0;
	}

	pthread_mutex_lock(&e->lock);
	if (t->heap_idx != TIMER_NOT_QUEUED)
		heap_remove(e, t);
	else if (e->running != t)
		e = move_to(e, t, cpu);
	err = heap_reserve(e);
	if (!err) {
		t->expires = expires;
		t->hold_until = until;
		t->seq = __atomic_fetch_add(&arm_seq, 1, __ATOMIC_RELAXED);
		e->heap[e->nr] = t;
		t->heap_idx = e->nr++;
		sift_up(e, t->heap_idx);
		e->armed++;
		/* A held timer cannot fire before its run ends: release_hold() wakes the
		 * thread then, if the timer is still queued (a start+cancel in one run, as
		 * in the documentation's example, never wakes it). */
		if (t->heap_idx == 0 && !until)
			pthread_cond_signal(&e->wake);
		start_thread_locked(e);
		if (!__atomic_load_n(&ever_armed, __ATOMIC_RELAXED))
			__atomic_store_n(&ever_armed, true, __ATOMIC_RELEASE);
	}
	pthread_mutex_unlock(&e->lock);
	return err;
}

bool engine_dequeue(struct bpfrun_timer *t)
{
	struct engine *e = lock_owner(t);
	bool queued = t->heap_idx != TIMER_NOT_QUEUED;

	if (queued) {
		heap_remove(e, t);
		e->cancelled++;
	}
	pthread_mutex_unlock(&e->lock);
	return queued;
}

int engine_cancel_sync(struct bpfrun_timer *t)
{
	for (;;) {
		struct engine *e = lock_owner(t);

		if (t->heap_idx != TIMER_NOT_QUEUED) {
			heap_remove(e, t);
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
	x->running_timer = t;
	running_here = t;
	vm_call(x, prog, start, (u64)(uintptr_t)map, (u64)(uintptr_t)key, (u64)(uintptr_t)t->value, 0, 0);
	running_here = NULL;
	x->running_timer = NULL;
	if (x->fault)
		bpfrun_warn("timer callback of program %s: %s", prog->name, x->fault_msg);
	vm_reset_run(x);
	if (saved_cpu != e->cpu)
		exec_ctx_set_cpu(x, saved_cpu);
}

/* Pops the head t of e (due) and runs its callback in x.  Called and returns with
 * e->lock held; drops it around the callback. */
static void fire_head_locked(struct engine *e, struct exec_ctx *x)
{
	struct bpfrun_timer *t = e->heap[0];
	struct bpf_prog *prog = t->prog;
	u32 start = t->start;

	heap_remove(e, t);
	if (!prog)   /* callback dropped by a cancel that has not dequeued it yet */
		return;
	prog_get(prog);
	timer_get(t);
	e->running = t;
	e->running_x = x;
	e->fired++;
	pthread_mutex_unlock(&e->lock);

	run_callback(e, x, t, prog, start);

	pthread_mutex_lock(&e->lock);
	e->running = NULL;
	e->running_x = NULL;
	vm_reset_stop(x);   /* engine_stop's request, if any, was for this callback */
	pthread_cond_broadcast(&e->idle);
	pthread_mutex_unlock(&e->lock);
	prog_put(prog);
	timer_put(t);
	pthread_mutex_lock(&e->lock);
}

static struct timespec to_timespec(s64 ns)
{
	return (struct timespec){ .tv_sec = ns / 1000000000, .tv_nsec = ns % 1000000000 };
}

static void *engine_main(void *arg)
{
	struct engine *e = arg;

	exec_ctx_set_cpu(exec_ctx_get(), e->cpu);
	prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);   /* wake at the expiry, not 50 us later */
	pthread_mutex_lock(&e->lock);
	while (!e->stop) {
		if (!e->nr) {
			pthread_cond_wait(&e->wake, &e->lock);
			continue;
		}
		if (e->running) {   /* a run's end is firing on its own thread */
			pthread_cond_wait(&e->idle, &e->lock);
			continue;
		}
		s64 due = MAX(e->heap[0]->expires, e->heap[0]->hold_until);

		if (due > (s64)clock_now(CLOCK_MONOTONIC)) {
			struct timespec ts = to_timespec(due);

			pthread_cond_timedwait(&e->wake, &e->lock, &ts);
			continue;
		}
		fire_head_locked(e, exec_ctx_get());
	}
	pthread_mutex_unlock(&e->lock);
	return NULL;
}

/* ---- the virtual clock ---- */

/* Engine whose head fires first among those due by target, or NULL. */
static struct engine *earliest_due(s64 target)
{
	struct engine *best = NULL;
	struct bpfrun_timer *best_t = NULL;

	for (u32 i = 0; i < nr_engines; i++) {
		struct engine *e = &engines[i];

		pthread_mutex_lock(&e->lock);
		if (e->nr && e->heap[0]->expires <= target && (!best_t || fires_before(e->heap[0], best_t))) {
			best = e;
			best_t = e->heap[0];
		}
		pthread_mutex_unlock(&e->lock);
	}
	return best;
}

/* Callbacks fired within the current window of virtual time, across all timers (under
 * advance_lock).  More than VIRT_STORM_FIRES in one window is a storm: callbacks come due
 * faster than CPUs could run them (one that re-arms its timer 0 ns ahead is always due at
 * the same instant and would keep the advance going for ever). */
static s64 storm_window;
static u32 storm_fired;

/* Counts a firing at virtual instant `at`; true (and a new count) on a storm. */
static bool storm(s64 at)
{
	if (at - storm_window >= VIRT_STORM_WINDOW_NS) {
		storm_window = at;
		storm_fired = 0;
	}
	if (++storm_fired <= VIRT_STORM_FIRES)
		return false;
	storm_fired = 0;   /* a later advance may do one more bounded batch */
	return true;
}

int engine_advance_to(u64 target_ns)
{
	s64 target = target_ns >= (u64)TIMER_NEVER ? TIMER_NEVER - 1 : (s64)target_ns;
	struct engine *e;
	int err = 0;

	if (running_here)
		return -EDEADLK;
	engine_at(0);
	pthread_mutex_lock(&advance_lock);
	while (!err && (e = earliest_due(target))) {
		pthread_mutex_lock(&e->lock);
		/* Re-check: another thread may have cancelled or armed since. */
		if (e->nr && e->heap[0]->expires <= target) {
			clock_virtual_move((u64)e->heap[0]->expires);
			if (storm(e->heap[0]->expires))
				err = -ELOOP;
			else
				fire_head_locked(e, exec_ctx_get());
		}
		pthread_mutex_unlock(&e->lock);
	}
	if (!err)
		clock_virtual_move((u64)target);
	pthread_mutex_unlock(&advance_lock);
	return err;
}

/* ---- statistics and shutdown ---- */

void bpfrun_timer_stats(struct bpfrun_timer_stats *out)
{
	*out = (struct bpfrun_timer_stats){ 0 };
	engine_at(0);
	for (u32 i = 0; i < nr_engines; i++) {
		struct engine *e = &engines[i];

		pthread_mutex_lock(&e->lock);
		out->armed += e->armed;
		out->fired += e->fired;
		out->cancelled += e->cancelled;
		out->pending += e->nr;
		pthread_mutex_unlock(&e->lock);
	}
}

/* Empties e's queue and stops its thread (waiting for a callback it runs). */
static void engine_stop(struct engine *e)
{
	pthread_mutex_lock(&e->lock);
	while (e->nr) {
		heap_remove(e, e->heap[0]);
		e->cancelled++;
	}
	e->stop = true;
	/* a callback may run for a whole run budget, or without one: tell it to end */
	if (e->running_x)
		vm_stop_run(e->running_x);
	pthread_cond_signal(&e->wake);
	bool started = e->thread_started;

	e->thread_started = false;
	pthread_mutex_unlock(&e->lock);
	if (started && !pthread_equal(e->thread, pthread_self()))
		pthread_join(e->thread, NULL);
}

void bpfrun_shutdown(void)
{
	__atomic_store_n(&engines_shut_down, true, __ATOMIC_RELEASE);
	engine_at(0);
	for (u32 i = 0; i < nr_engines; i++)
		engine_stop(&engines[i]);
}
