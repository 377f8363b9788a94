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

/* The current task's comm (up to 16 bytes, NUL-padded when shorter): the remote caller's,
 * or the calling thread's name, asked anew each time (a thread may rename itself). */
void task_comm(char comm[16]);

/* The calling thread's own id (gettid(), cached per thread; a fork's child reads it anew). */
u32 task_tid(void);

/* Where the thread entered the runtime (the kernel's syscall entry, for the stack
 * helpers): the entry function, the address it returns to in its caller and its frame
 * pointer (whose saved value is the caller's).  All 0 outside such a call. */
struct task_entry {
	u64 fn, ret, fp;
};
/* Sets the thread's entry (bpfrun_bpf at its start) and returns the previous one, which
 * the entry restores when it returns. */
struct task_entry task_set_entry(struct task_entry e);
const struct task_entry *task_entry(void);

#endif
