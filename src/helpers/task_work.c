/* The bpf_task_work kfuncs (Linux 6.18): bpf_task_work_schedule_signal_impl and
 * bpf_task_work_schedule_resume_impl(task, tw, map, callback, aux).  This layer knows the
 * task: the only one a program can name here is its own thread's (task.c), which both
 * modes reach at the same point, the end of the run (timers/task_work.c does the rest).
 * Locking: none here. */
#include "internal.h"
#include "../timers/task_work.h"
#include "../vm/vm.h"

static u64 schedule(struct exec_ctx *x, u64 task, u64 tw, u64 map, u64 callback)
{
	/* The verifier proves task trusted (KF_TRUSTED_ARGS): bpf_get_current_task_btf's. */
	if (!task_is_current(task)) {
		vm_fault(x, "R1 must be a trusted pointer to the current task_struct");
		return (u64)(s64)-EFAULT;
	}
	return task_work_schedule(x, tw, map, callback);
}

u64 kfunc_bpf_task_work_schedule_signal_impl(struct exec_ctx *x, u64 task, u64 tw, u64 map,
					     u64 callback, u64 aux)
{
	return schedule(x, task, tw, map, callback);
}

u64 kfunc_bpf_task_work_schedule_resume_impl(struct exec_ctx *x, u64 task, u64 tw, u64 map,
					     u64 callback, u64 aux)
{
	return schedule(x, task, tw, map, callback);
}
