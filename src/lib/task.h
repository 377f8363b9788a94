/* The task a bpf() call comes from, as the helpers that read "current" see it
 * (bpf_get_current_pid_tgid, _uid_gid, _comm): by default the calling thread itself; the
 * runtime that serves another process's call (src/server/) sets that caller's identity on
 * its serving thread for the call.  No locking: thread-local. */
#ifndef BPFRUN_TASK_H
#define BPFRUN_TASK_H

#include "common.h"

struct task_ident {
	u32 pid, tgid; /* the kernel's pid (thread) and tgid (process) */
	u32 uid, gid;
	char comm[16];
};

void task_set_remote(const struct task_ident *t); /* this thread; NULL: itself again */
const struct task_ident *task_remote(void);       /* NULL: the calling thread is current */

#endif
