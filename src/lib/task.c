/* The caller's identity for the "current" helpers, and where the thread entered the
 * runtime (task.h).  No locking: thread-local. */
#include "task.h"

static __thread const struct task_ident *remote_task;
static __thread struct task_entry entry;

void task_set_remote(const struct task_ident *t)
{
	remote_task = t;
}

const struct task_ident *task_remote(void)
{
	return remote_task;
}

struct task_entry task_set_entry(struct task_entry e)
{
	struct task_entry old = entry;

	entry = e;
	return old;
}

const struct task_entry *task_entry(void)
{
	return &entry;
}
