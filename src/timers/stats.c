/* bpfrun_timer_stats(): the engines' counters, summed.  Locking: each engine's lock in
 * turn (queue.h), so the sum is not one instant's. */
#include <pthread.h>

#include "bpfrun.h"
#include "queue.h"

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
		out->pending += e->q.nr - e->dropped;
		pthread_mutex_unlock(&e->lock);
	}
}
