/* The engine threads, in the role of the kernel's hrtimer softirq: on the real clock,
 * each CPU id with timers gets a thread that sleeps on a condition variable until the
 * earliest expiry (an idle engine burns no CPU) and fires due callbacks one at a time
 * with its own execution context (CPU id = the engine's).  And shutdown, at exit too.
 *
 * On time: waking a sleeping thread takes tens of microseconds, more after a long sleep
 * or on a busy machine, where the kernel's hrtimer interrupt takes a few.  So a thread
 * sleeps only until shortly before the expiry and spins (no lock held) for the rest, and
 * it runs SCHED_FIFO when the process may (the softirq preempts tasks too).  How early
 * it wakes follows how late its wake-ups have been: an envelope that jumps up to a late
 * wake-up and decays slowly, plus a margin.  Like the kernel's softirq,
 * which hands over to ksoftirqd after 2 ms, a FIFO thread that has fired back to back
 * for RT_BATCH_NS drops to normal priority until it next sleeps, so a callback storm
 * cannot take a CPU from the rest of the machine.  BPFRUN_TIMER_SPIN_US (a fixed spin;
 * 0: never spin) and BPFRUN_TIMER_RT=0 (normal priority) trade precision for CPU.
 *
 * Locking: see queue.h.  A thread waits on e->wake (new earliest timer, stop) or e->idle
 * (a callback of its engine runs on another thread) under e->lock; it spins without it,
 * watching e->kicks.  Shutdown asks a running callback to stop (vm_stop_run) so that
 * joining the thread never waits long.
 */
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <time.h>

#include "bpfrun.h"
#include "clock.h"
#include "queue.h"
#include "wq.h"
#include "../vm/vm.h"

#define WAKE_LATE_START 50000LL /* first guess of a wake-up's lateness */
#define WAKE_LATE_MAX 1000000LL /* the most a thread spins */
#define SPIN_MARGIN_NS 20000LL
#define RT_BATCH_NS 2000000LL

static bool engines_shut_down; /* atomic: no engine thread starts any more */
static s64 fixed_spin_ns = -1; /* BPFRUN_TIMER_SPIN_US, or -1: adaptive; set once */
static bool want_rt;

static void *engine_main(void *arg);

static void engines_configure(void)
{
	const char *spin = getenv("BPFRUN_TIMER_SPIN_US");
	const char *rt = getenv("BPFRUN_TIMER_RT");

	if (spin && *spin)
		fixed_spin_ns = MAX(MIN(strtoll(spin, NULL, 10) * 1000, WAKE_LATE_MAX), 0);
	want_rt = !rt || strcmp(rt, "0");
	atexit(bpfrun_shutdown);
}

void start_thread_locked(struct engine *e)
{
	if (e->thread_started || clock_is_virtual() ||
	    __atomic_load_n(&engines_shut_down, __ATOMIC_ACQUIRE))
		return;
	static pthread_once_t configured = PTHREAD_ONCE_INIT;
	pthread_once(&configured, engines_configure);
	if (pthread_create(&e->thread, NULL, engine_main, e)) {
		bpfrun_warn("cannot start the timer thread of CPU %u", e->cpu);
		return;
	}
	e->thread_started = true;
}

static struct timespec to_timespec(s64 ns)
{
	return (struct timespec){ .tv_sec = ns / 1000000000, .tv_nsec = ns % 1000000000 };
}

/* SCHED_FIFO (lowest priority) or normal; false when the process may not. */
static bool set_rt(bool rt)
{
	struct sched_param sp = { .sched_priority = rt ? 1 : 0 };

	return !pthread_setschedparam(pthread_self(), rt ? SCHED_FIFO : SCHED_OTHER, &sp);
}

/* The thread's state between wake-ups. */
struct engine_thread {
	bool rt;         /* runs SCHED_FIFO now */
	bool rt_allowed; /* may: wanted, and the first attempt worked */
	s64 batch_start; /* first firing since the thread last slept, or 0 */
	s64 wake_late;   /* envelope of the lateness of timed wake-ups */
};

static s64 spin_ns(const struct engine_thread *th)
{
	return fixed_spin_ns >= 0 ? fixed_spin_ns : th->wake_late + SPIN_MARGIN_NS;
}

/* A timed wait for `until` returned at `now`: track how late wake-ups are. */
static void woke(struct engine_thread *th, s64 until, s64 now)
{
	s64 late = MIN(now - until, WAKE_LATE_MAX);

	if (late > th->wake_late)
		th->wake_late = late;
	else
		th->wake_late -= (th->wake_late - MAX(late, 0)) / 16;
}

/* Going to wait (sleep or spin): the next batch starts afresh, at FIFO priority again. */
static void before_sleep(struct engine_thread *th)
{
	th->batch_start = 0;
	if (th->rt_allowed && !th->rt)
		th->rt = set_rt(true);
}

/* Firing at `now`: a batch longer than RT_BATCH_NS continues at normal priority. */
static void before_fire(struct engine_thread *th, s64 now)
{
	if (!th->batch_start)
		th->batch_start = now;
	else if (th->rt && now - th->batch_start > RT_BATCH_NS)
		th->rt = !set_rt(false);
}

static void *engine_main(void *arg)
{
	struct engine *e = arg;
	struct engine_thread th = { .rt_allowed = want_rt, .wake_late = WAKE_LATE_START };

	exec_ctx_set_cpu(exec_ctx_get(), e->cpu);
	prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0); /* wake at the expiry, not 50 us later */
	if (th.rt_allowed)
		th.rt = th.rt_allowed = set_rt(true);
	pthread_mutex_lock(&e->lock);
	while (!e->stop) {
		if (!e->q.nr || e->running) {
			/* e->running: a run's end is firing on its own thread */
			before_sleep(&th);
			pthread_cond_wait(e->q.nr ? &e->idle : &e->wake, &e->lock);
			continue;
		}
		s64 due = head_due(e), now = (s64)clock_now(CLOCK_MONOTONIC);

		if (due <= now) {
			before_fire(&th, now);
			fire_head_locked(e, exec_ctx_get());
		} else if (due - now > spin_ns(&th)) {
			s64 until = due - spin_ns(&th);
			struct timespec ts = to_timespec(until);

			before_sleep(&th);
			if (pthread_cond_timedwait(&e->wake, &e->lock, &ts) == ETIMEDOUT)
				woke(&th, until, (s64)clock_now(CLOCK_MONOTONIC));
		} else {
			before_sleep(&th); /* waiting, if busily: a batch of firings ends */
			spin_locked(e, due);
		}
	}
	pthread_mutex_unlock(&e->lock);
	return NULL;
}

/* ---- shutdown ---- */

/* Empties e's queue and stops its thread (waiting for a callback it runs). */
static void engine_stop(struct engine *e)
{
	pthread_mutex_lock(&e->lock);
	while (e->q.nr) {
		queue_remove(e, queue_head(e));
		e->cancelled++;
	}
	e->stop = true;
	/* a callback may run for a whole run budget, or without one: tell it to end */
	if (e->running_x)
		vm_stop_run(e->running_x);
	engine_kick_locked(e);
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
	wq_shutdown();
}
