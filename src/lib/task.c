/* The caller's identity for the "current" helpers (task.h).  No locking: thread-local. */
#include "task.h"

static __thread const struct task_ident *remote_task;

void task_set_remote(const struct task_ident *t)
{
	remote_task = t;
}

const struct task_ident *task_remote(void)
{
	return remote_task;
}
