/* Access to the caller's memory from bpf() commands, as the kernel's copy_from_user()
 * family: a bad pointer in an attribute gives EFAULT instead of crashing the process.
 * Every command reads and writes caller memory (the attribute union itself, keys, values,
 * buffers, strings) only through these.  See uaccess.c for how pages are checked.
 * Thread-safe; no lock. */
#ifndef BPFRUN_UACCESS_H
#define BPFRUN_UACCESS_H

#include <sys/types.h>

#include "common.h"

/* Copies n bytes from / to caller memory: 0, or -EFAULT when some byte is not readable
 * (writable).  n == 0 touches nothing and succeeds, whatever the pointer. */
int copy_from_user(void *dst, const void *usrc, size_t n);
int copy_to_user(void *udst, const void *src, size_t n);
/* 0 when the n bytes at usrc are readable, else -EFAULT: for callers that then read the
 * buffer directly (see uaccess.c for what that risks). */
int check_user_readable(const void *usrc, size_t n);
/* Copies a NUL-terminated string of at most count bytes: its length (without the NUL),
 * count when no NUL came within count bytes (dst is then not terminated), or -EFAULT. */
long strncpy_from_user(char *dst, const char *usrc, size_t count);
/* The kernel's bpf_check_uarg_tail_zero, for a caller's struct of usize bytes where bpfrun
 * knows ksize: 0, -E2BIG when usize is over a page or a byte past ksize is set, -EFAULT
 * when those bytes are not readable. */
int check_uarg_tail_zero(const void *uaddr, size_t ksize, size_t usize);
/* From now on this thread's "user" memory is process pid's (0: this process again). */
void uaccess_set_remote(pid_t pid);
/* The process whose memory is "user" memory now: its pid, or 0 for this process. */
pid_t uaccess_remote_pid(void);

#endif
