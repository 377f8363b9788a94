/* The engine threads, in the role of the kernel's hrtimer softirq: on the real clock,
 * each CPU id with timers gets a thread that sleeps on a condition variable until the
 * earliest expiry (an idle engine burns no CPU) and fires due callbacks one at a time
 * with its own execution context (CPU id = the engine's).  And shutdown, at exit too.
 *
 * Locking: see queue.h.  A thread waits on e->wake (new earliest timer, stop) or e->idle
 * (a callback of its engine runs on another thread) under e->lock.  Shutdown asks a
 * running callback to stop (vm_stop_run) so that joining the thread never waits long.
 */
#include <pthread.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <time.h>

#include "bpfrun.h"
#include "clock.h"
#include "queue.h"
#include "../vm/vm.h"

static bool engines_shut_down; /* atomic: no engine thread starts any more */

static void *engine_main(void *arg);

static void register_exit_hook(void)
{
	atexit(bpfrun_shutdown);
}

void start_thread_locked(struct engine *e)
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

static struct timespec to_timespec(s64 ns)
{
	return (struct timespec){ .tv_sec = ns / 1000000000, .tv_nsec = ns % 1000000000 };
}

static void *engine_main(void *arg)
{
	struct engine *e = arg;

	exec_ctx_set_cpu(exec_ctx_get(), e->cpu);
	prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0); /* wake at the expiry, not 50 us later */
	pthread_mutex_lock(&e->lock);
	while (!e->stop) {
		if (!e->q.nr) {
			pthread_cond_wait(&e->wake, &e->lock);
			continue;
		}
		if (e->running) { /* a run's end is firing on its own thread */
			pthread_cond_wait(&e->idle, &e->lock);
			continue;
		}
		s64 due = MAX(queue_head(e)->expires, queue_head(e)->hold_until);

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
