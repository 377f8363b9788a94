/* The caller's identity for the "current" helpers, and where the thread entered the
 * runtime (task.h).  No locking: thread-local. */
#include <pthread.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "task.h"

static __thread const struct task_ident *remote_task;
static __thread struct task_entry entry;
static __thread u32 own_tid;

/* A fork's child is a new thread: its cached id is its parent's. */
static void forget_tid(void)
{
	own_tid = 0;
}

__attribute__((constructor)) static void task_init(void)
{
	pthread_atfork(NULL, NULL, forget_tid);
}

u32 task_tid(void)
{
	if (!own_tid)
		own_tid = (u32)gettid();
	return own_tid;
}

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

void task_comm(char comm[16])
{
	char name[17] = ""; /* PR_GET_NAME writes up to 16 bytes and a NUL */

	if (task_remote())
		memcpy(name, task_remote()->comm, 16);
	else
		prctl(PR_GET_NAME, name);
	memcpy(comm, name, 16);
}
