/* Timers held by the run that armed them, and the timers a run's end fires.
 *
 * Timers armed by the program run in progress on this thread (a reference each) do not
 * fire before the run ends, as the kernel's softirq cannot run on the CPU while a program
 * does (so the documentation example's cancel right after start always wins).
 * timer_run_end() releases them; a hold also lapses after HOLD_MAX_NS, so a run that
 * never reports its end delays its timers only that long.  Then the due timers of the
 * thread's CPU fire on that thread, as the kernel's softirq runs when the program lets
 * go of the CPU.  A run holds each timer once however often it re-arms it: the timer
 * remembers the thread that holds it (hold_owner), so re-arming costs no new entry.
 *
 * Locking: the held list is thread-local; releasing a hold takes the owner's engine lock
 * (queue.h).
 */
#include <pthread.h>
#include <stdlib.h>

#include "clock.h"
#include "queue.h"
#include "../vm/vm.h"

struct held_timer {
	struct bpfrun_timer *t;
	s64 until;
};
static __thread struct held_timer *held;
static __thread u32 held_first, held_cap;
__thread u32 timers_held_by_thread; /* entries in held[] from held_first */
static __thread char hold_me;       /* its address names this thread in t->hold_owner */

/* Releases t's hold.  *locked: the engine this thread holds locked, or NULL; a run's
 * timers mostly share one engine, whose lock is then taken once for all of them (t
 * cannot change engine while its engine's lock is held). */
static void release_hold(struct bpfrun_timer *t, struct engine **locked)
{
	void *me = &hold_me;
	struct engine *e = *locked;

	/* Only the owner clears its mark: an entry added while another thread owned t
	 * leaves that thread's mark alone. */
	__atomic_compare_exchange_n(&t->hold_owner, &me, NULL, false, __ATOMIC_RELEASE,
				    __ATOMIC_RELAXED);
	if (!e || e->cpu != __atomic_load_n(&t->cpu, __ATOMIC_RELAXED)) {
		if (e)
			pthread_mutex_unlock(&e->lock);
		e = *locked = lock_owner(t);
	}
	t->hold_until = 0;
	if (t->heap_idx == 0)
		engine_kick_locked(e);
	timer_put(t); /* the pool's lock is a leaf: fine under the engine's */
}

/* Releases this thread's holds whose time has come (all of them with `all`). */
static void release_holds(bool all, s64 now)
{
	u32 end = held_first + timers_held_by_thread;
	struct engine *locked = NULL;

	while (held_first < end && (all || held[held_first].until <= now))
		release_hold(held[held_first++].t, &locked);
	if (locked)
		pthread_mutex_unlock(&locked->lock);
	timers_held_by_thread = end - held_first;
	if (!timers_held_by_thread)
		held_first = 0;
}

/* The kernel runs due softirq timers on the CPU as soon as the program lets go of it,
 * before the test run returns to user space: so does a run's end here, for the timers
 * of this thread's CPU that are due (unless a callback of that engine is running: one
 * callback per engine at a time, as on a CPU).  And as the kernel's hrtimer interrupts
 * the caller on that CPU at a near expiry, the run's end waits (spinning) for timers due
 * within RUN_END_NEAR_NS and fires them too, rather than leave them to an engine thread
 * that may be slow to wake: a caller who then sleeps 50 us finds a timer armed under
 * 50 us fired, as the kernel's selftests assume.  The wait ends RUN_END_NEAR_NS after
 * the run, whatever callbacks re-arm.  Never inside a callback, and never on the virtual
 * clock, where only bpfrun_clock_advance() fires. */
#define RUN_END_NEAR_NS 50000LL

static void fire_due_here(void)
{
	struct engine *e;
	s64 until;

	if (timer_running_here() || clock_is_virtual())
		return;
	e = engine_at(exec_ctx_get()->cpu);
	until = (s64)clock_now(CLOCK_MONOTONIC) + RUN_END_NEAR_NS;
	pthread_mutex_lock(&e->lock);
	while (e->q.nr && !e->running && !e->stop) {
		s64 due = head_due(e), now = (s64)clock_now(CLOCK_MONOTONIC);

		/* past the window, even with the head due: a callback that keeps re-arming
		 * at a time already past would otherwise never let the run return */
		if (due > until || now > until)
			break;
		if (due > now)
			spin_locked(e, due);
		else
			fire_head_locked(e, exec_ctx_softirq());
	}
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

s64 hold_timer(struct bpfrun_timer *t, s64 now)
{
	void *none = NULL;
	s64 until = now + HOLD_MAX_NS;

	if (__atomic_load_n(&t->hold_owner, __ATOMIC_RELAXED) == &hold_me)
		return t->owner_until; /* this run holds it already */
	if (!add_hold(t, until))
		return 0;
	if (__atomic_compare_exchange_n(&t->hold_owner, &none, &hold_me, false, __ATOMIC_RELAXED,
					__ATOMIC_RELAXED))
		t->owner_until = until;
	return until;
}
