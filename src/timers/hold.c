/* Timers held by the run that armed them, and the timers a run's end fires.
 *
 * Timers armed by the program run in progress on this thread do not fire before the run
 * ends, as the kernel's softirq cannot run on the CPU while a program does (so the
 * documentation example's cancel right after start always wins).  The hold costs O(1)
 * per timer and nothing per timer at the run's end: each thread that arms has a struct
 * hold_run whose epoch counts its runs' ends; a timer armed by a run records that run
 * (hold, hold_epoch) and is held while the epoch has not moved on.  A run's end bumps
 * the epoch, releasing all its timers at once, and wakes the engines whose earliest
 * timer it held.  A hold also lapses at hold_run.until, HOLD_MAX_NS after the run's
 * latest arming, so a run that never reports its end delays its timers only that long.
 * Then the due timers of the thread's CPU fire on that thread, as the kernel's softirq
 * runs when the program lets go of the CPU.  A timer re-armed by another run is held by
 * that run.
 *
 * Locking: a timer's hold and hold_epoch are written under its engine's lock; a
 * hold_run's epoch and until are atomics, written by their thread only.  hold_runs are
 * never freed (timers keep pointing at them): a thread's exit ends its run and leaves
 * its hold_run to the next thread that arms (free_runs, under runs_lock).
 */
#include <pthread.h>
#include <stdlib.h>

#include "clock.h"
#include "queue.h"
#include "../lib/spinlock.h"
#include "../vm/vm.h"

/* This thread's hold record, and the engines its current run holds timers on: bit
 * (cpu % 64), nonzero exactly when the run holds timers.  One thread-local object: each
 * costs a look-up in libbpfrun.so. */
static __thread struct {
	struct hold_run *run;
	u64 engines;
} me;
__thread u32 timers_held_by_thread; /* nonzero: the current run holds timers */

static u32 runs_lock; /* a spinlock word */
static struct hold_run *free_runs;

/* Ends this thread's run: its timers may fire from now on.  Wakes each engine whose
 * earliest timer the run held (a later timer never decides when the engine wakes). */
static void end_run(void)
{
	struct hold_run *h = me.run;
	u64 epoch = __atomic_fetch_add(&h->epoch, 1, __ATOMIC_SEQ_CST);

	for (u32 i = 0; i < nr_engines && me.engines; i++) {
		struct engine *e = &engines[i];

		if (!(me.engines & (1ULL << (i % 64))))
			continue;
		pthread_mutex_lock(&e->lock);
		if (e->q.nr && queue_head(e)->hold == h && queue_head(e)->hold_epoch == epoch)
			engine_kick_locked(e);
		pthread_mutex_unlock(&e->lock);
	}
	me.engines = 0;
	timers_held_by_thread = 0;
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
	end_run();
	fire_due_here();
}

static pthread_key_t hold_key;
static pthread_once_t hold_key_once = PTHREAD_ONCE_INIT;

/* A thread that exits mid-run (or without the hook) lets go too, and leaves its
 * hold_run to the next thread. */
static void run_at_exit(void *run)
{
	struct hold_run *h = run;

	if (me.engines)
		end_run();
	me.run = NULL;
	spin_lock_word(&runs_lock);
	h->next_free = free_runs;
	free_runs = h;
	spin_unlock_word(&runs_lock);
}

static void hold_key_init(void)
{
	pthread_key_create(&hold_key, run_at_exit);
}

/* This thread's hold_run: a freed one (its epoch goes on counting, so that no timer it
 * held before is held again), or a new one. */
static struct hold_run *run_get(void)
{
	struct hold_run *h;

	pthread_once(&hold_key_once, hold_key_init);
	spin_lock_word(&runs_lock);
	h = free_runs;
	if (h)
		free_runs = h->next_free;
	spin_unlock_word(&runs_lock);
	if (!h && !(h = calloc(1, sizeof(*h))))
		return NULL;
	pthread_setspecific(hold_key, h);
	return me.run = h;
}

/* Holds t for run h (the calling thread's, in progress). */
static void hold_in(struct bpfrun_timer *t, struct hold_run *h, s64 now, bool first)
{
	u64 epoch = __atomic_load_n(&h->epoch, __ATOMIC_RELAXED);

	/* The lapse moves with the run's latest arming; written only when it has aged a
	 * little, so that the engines reading it share its cache line undisturbed. */
	if (first ||
	    now + HOLD_MAX_NS - __atomic_load_n(&h->until, __ATOMIC_RELAXED) > HOLD_MAX_NS / 8)
		__atomic_store_n(&h->until, now + HOLD_MAX_NS, __ATOMIC_RELAXED);
	if (t->hold != h || t->hold_epoch != epoch) { /* else re-armed by this run */
		t->hold = h;
		t->hold_epoch = epoch;
	}
}

/* hold_timer for the first timer of a run on engine e (or of the thread). */
static __attribute__((noinline)) bool hold_first(struct bpfrun_timer *t, u64 engine_bit, s64 now)
{
	struct hold_run *h = me.run ? me.run : run_get();

	if (!h)
		return false;
	hold_in(t, h, now, !me.engines);
	me.engines |= engine_bit;
	timers_held_by_thread = 1;
	return true;
}

bool hold_timer(struct bpfrun_timer *t, const struct engine *e, s64 now)
{
	typeof(me) *m = &me; /* one look-up (the compiler repeats it after any call) */
	u64 bit = 1ULL << (e->cpu % 64);

	if (unlikely(!(m->engines & bit)))
		return hold_first(t, bit, now);
	hold_in(t, m->run, now, false);
	return true;
}
