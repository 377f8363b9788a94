/* The virtual clock's driver: engine_advance_to() fires every timer due up to a target
 * on the calling thread, in global (expiry, sequence) order across the engines, moving
 * the clock to each expiry, and the bpf_wq work items started meanwhile (due at once);
 * no engine thread or worker runs on the virtual clock.  A storm
 * (callbacks due faster than CPUs could run them) stops it, so an advance does bounded
 * work.
 *
 * Locking: advance_lock serializes advances (one thread fires at a time) and guards the
 * storm count; inside it, one engine lock at a time (queue.h).
 */
#include <pthread.h>

#include "clock.h"
#include "queue.h"
#include "wq.h"
#include "../vm/vm.h"

static pthread_mutex_t advance_lock = PTHREAD_MUTEX_INITIALIZER;

/* Engine whose head fires first among those due by target, or NULL. */
static struct engine *earliest_due(s64 target)
{
	struct engine *best = NULL;
	struct bpfrun_timer *best_t = NULL;

	for (u32 i = 0; i < nr_engines; i++) {
		struct engine *e = &engines[i];

		pthread_mutex_lock(&e->lock);
		struct bpfrun_timer *t = e->q.nr ? queue_head(e) : NULL;

		if (t && t->expires <= target && (!best_t || fires_before(t, best_t))) {
			best = e;
			best_t = t;
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
	storm_fired = 0; /* a later advance may do one more bounded batch */
	return true;
}

int engine_advance_to(u64 target_ns)
{
	s64 target = target_ns >= (u64)TIMER_NEVER ? TIMER_NEVER - 1 : (s64)target_ns;
	struct engine *e;
	int err = 0;

	if (timer_running_here())
		return -EDEADLK;
	engine_at(0);
	pthread_mutex_lock(&advance_lock);
	while (!err) {
		/* work items started so far run first: they are due now */
		if (wq_run_one()) {
			if (storm((s64)clock_now(CLOCK_MONOTONIC)))
				err = -ELOOP;
			continue;
		}
		if (!(e = earliest_due(target)))
			break;
		pthread_mutex_lock(&e->lock);
		/* Re-check: another thread may have cancelled or armed since. */
		if (e->q.nr && queue_head(e)->expires <= target) {
			clock_virtual_move((u64)queue_head(e)->expires);
			if (storm(queue_head(e)->expires))
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
