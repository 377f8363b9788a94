/* bpf_task_work (task_work.c), for the rest of bpfrun: the kfuncs are bound by name
 * through helpers' kfunc table (helpers/task_work.c checks their task argument). */
#ifndef BPFRUN_TIMER_TASK_WORK_H
#define BPFRUN_TIMER_TASK_WORK_H

#include "../lib/common.h"

struct exec_ctx;

/* bpf_task_work_schedule_*_impl(task, tw, map, callback) for the calling thread's task,
 * once the caller checked that task names it: 0, -EBUSY (scheduled or running already,
 * or the map has no user reference left), -ENOMEM; -EFAULT after faulting the run on a
 * bad tw, map or callback argument. */
u64 task_work_schedule(struct exec_ctx *x, u64 tw, u64 map, u64 callback);
/* The calling thread returns to user space (a run, or a timer callback, ended): runs
 * the works scheduled for it, in order, those they schedule too (up to a bound). */
void task_work_run_pending(void);
/* Some thread has works pending (cheap: no thread-local access). */
bool task_work_any_pending(void);

#endif
