/* Raw system calls: the kernel entry itself, never a libc symbol.  In libbpfrun.so the
 * bridge exports syscall(), close(), dup(), fcntl(), mmap(), munmap(), access() ... to
 * serve the application's calls;
 * the runtime's own descriptor work must not land there, so it goes through these.  Like
 * libc they return -1 and set errno on failure.  No locking, no state. */
#ifndef BPFRUN_SYS_H
#define BPFRUN_SYS_H

#include <fcntl.h>
#include <sys/syscall.h>
#include <sys/types.h>

/* The system call nr with up to six arguments (unused ones 0). */
long sys_raw(long nr, long a1, long a2, long a3, long a4, long a5, long a6);

static inline int sys_close(int fd)
{
	return (int)sys_raw(SYS_close, fd, 0, 0, 0, 0, 0);
}
static inline int sys_dup(int fd)
{
	return (int)sys_raw(SYS_dup, fd, 0, 0, 0, 0, 0);
}
static inline int sys_dup3(int oldfd, int newfd, int flags)
{
	return (int)sys_raw(SYS_dup3, oldfd, newfd, flags, 0, 0, 0);
}
static inline int sys_fcntl(int fd, int cmd, long arg)
{
	return (int)sys_raw(SYS_fcntl, fd, cmd, arg, 0, 0, 0);
}
static inline int sys_ioctl(int fd, unsigned long req, void *arg)
{
	return (int)sys_raw(SYS_ioctl, fd, (long)req, (long)arg, 0, 0, 0);
}
/* MAP_FAILED and errno on failure, as mmap(2). */
/* ThreadSanitizer sees neither call (raw system calls), so it would take the first
 * accesses to an address mmap hands out again for races with the last ones before its
 * munmap.  The kernel orders the two (mmap_lock): in TSan builds a release at every munmap
 * and an acquire at every mmap, on one sync object, say so. */
#if defined(__SANITIZE_THREAD__)
#define SYS_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define SYS_TSAN 1
#endif
#endif
#ifdef SYS_TSAN
#include <sanitizer/tsan_interface.h>
extern char sys_mm_order; /* sys.c */
#define SYS_MM_RELEASE() __tsan_release(&sys_mm_order)
#define SYS_MM_ACQUIRE() __tsan_acquire(&sys_mm_order)
#else
#define SYS_MM_RELEASE() ((void)0)
#define SYS_MM_ACQUIRE() ((void)0)
#endif
static inline void *sys_mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	long ret = sys_raw(SYS_mmap, (long)addr, (long)len, prot, flags, fd, (long)off);

	SYS_MM_ACQUIRE();
	return ret == -1 ? (void *)-1 : (void *)ret;
}
static inline int sys_munmap(void *addr, size_t len)
{
	SYS_MM_RELEASE();
	return (int)sys_raw(SYS_munmap, (long)addr, (long)len, 0, 0, 0, 0);
}
static inline int sys_access(const char *path, int mode)
{
	return (int)sys_raw(SYS_faccessat, AT_FDCWD, (long)path, mode, 0, 0, 0);
}
/* socket(2), send(2), sendmsg(2), recv(2), recvmsg(2): the bridge interposes them
 * (rtnetlink) */
static inline int sys_socket(int domain, int type, int protocol)
{
	return (int)sys_raw(SYS_socket, domain, type, protocol, 0, 0, 0);
}
static inline long sys_send(int fd, const void *buf, size_t len, int flags)
{
	return sys_raw(SYS_sendto, fd, (long)buf, (long)len, flags, 0, 0);
}
static inline long sys_sendmsg(int fd, const void *msg, int flags)
{
	return sys_raw(SYS_sendmsg, fd, (long)msg, flags, 0, 0, 0);
}
static inline long sys_recv(int fd, void *buf, size_t len, int flags)
{
	return sys_raw(SYS_recvfrom, fd, (long)buf, (long)len, flags, 0, 0);
}
/* epoll_ctl(2), epoll_wait(2): the bridge interposes them (ring buffers) */
static inline int sys_epoll_ctl(int epfd, int op, int fd, void *event)
{
	return (int)sys_raw(SYS_epoll_ctl, epfd, op, fd, (long)event, 0, 0);
}
static inline int sys_epoll_wait(int epfd, void *events, int max, int timeout)
{
	return (int)sys_raw(SYS_epoll_pwait, epfd, (long)events, max, timeout, 0, 0);
}
static inline long sys_recvmsg(int fd, void *msg, int flags)
{
	return sys_raw(SYS_recvmsg, fd, (long)msg, flags, 0, 0, 0);
}

#endif
