/* bpfrun's per-user runtime: one process that serves the bpf() system calls of every
 * process started under it (`bpfrun exec`), so that maps, programs, pins and timers
 * outlive the process that made them, as in the kernel.  docs/ARCHITECTURE.md, "Every
 * process".  The runtime directory is $BPFRUN_RUNTIME_DIR, else $XDG_RUNTIME_DIR/bpfrun,
 * else /tmp/bpfrun-UID (mode 0700, checked).  Errors are -1 and errno. */
#ifndef BPFRUN_RUNTIME_H
#define BPFRUN_RUNTIME_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif
#pragma GCC visibility push(default)

/* Joins the user's runtime (starting it when none runs), puts this process under a
 * seccomp filter whose bpf() calls, and those of all its descendants, the runtime serves,
 * and executes argv (execvp).  Returns only on failure: -1 when execvp failed, -2 when
 * the runtime could not be joined or the filter installed (errno says why). */
int bpfrun_runtime_exec(char *const argv[]);

/* Sends "status" or "stop" to the running runtime; its answer (text) goes into buf.
 * Returns the answer's length; ESRCH when no runtime runs. */
int bpfrun_runtime_request(const char *what, char *buf, size_t len);

/* Fires a hook of the running runtime (the programs its clients attached) as
 * bpfrun_fire() does in process (bpfrun.h): ctx (size bytes, at most 4096) is the
 * context, *ret (may be NULL) the result.  0, or -1 and errno (ESRCH: no runtime runs). */
int bpfrun_runtime_fire(const char *hook, const void *ctx, size_t size, uint64_t *ret);

/* Runs the runtime in this process (returns when it stops: its exit status). */
int bpfrun_runtime_serve(void);

#pragma GCC visibility pop
#ifdef __cplusplus
}
#endif
#endif
