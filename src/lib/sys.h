/* Raw system calls: the kernel entry itself, never a libc symbol.  In libbpfrun.so the
 * bridge exports syscall(), close(), dup() and fcntl() to serve the application's calls;
 * the runtime's own descriptor work must not land there, so it goes through these.  Like
 * libc they return -1 and set errno on failure.  No locking, no state. */
#ifndef BPFRUN_SYS_H
#define BPFRUN_SYS_H

#include <sys/syscall.h>

/* The system call nr with up to three arguments. */
long sys_raw(long nr, long a1, long a2, long a3);

static inline int sys_close(int fd) { return (int)sys_raw(SYS_close, fd, 0, 0); }
static inline int sys_dup(int fd) { return (int)sys_raw(SYS_dup, fd, 0, 0); }
static inline int sys_dup3(int oldfd, int newfd, int flags)
{
	return (int)sys_raw(SYS_dup3, oldfd, newfd, flags);
}
static inline int sys_fcntl(int fd, int cmd, long arg) { return (int)sys_raw(SYS_fcntl, fd, cmd, arg); }

#endif
