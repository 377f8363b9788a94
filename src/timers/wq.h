/* bpf_wq's work items (wq.c), for the rest of the timers module: the kfuncs themselves are
 * bound by name through helpers' kfunc table. */
#ifndef BPFRUN_TIMER_WQ_H
#define BPFRUN_TIMER_WQ_H

#include "engine.h"

/* This thread's run started work items (thread-local; wq.c). */
extern __thread bool wq_started_here;
/* A run ended on this thread: the items it started go to the worker. */
void wq_hand_over(void);
static inline void wq_run_end(void)
{
	if (unlikely(wq_started_here))
		wq_hand_over();
}
/* Virtual clock: runs one started item's callback on this thread; false when none is
 * waiting (or this thread runs a work item already). */
bool wq_run_one(void);
/* Stops the worker (bpfrun_shutdown): queued items are dropped. */
void wq_shutdown(void);

#endif
