/* The bridge: libbpfrun.so's interposers, so that an unmodified libbpf program (linked
 * with -lbpfrun, or with libbpfrun.so preloaded) is served by bpfrun.
 *
 *   syscall(__NR_bpf, ...)          -> bpfrun_bpf()
 *   syscall(__NR_perf_event_open, ...)
 *                                   -> bpfrun's perf events (link/perf_event.h) for the
 *                                      kinds it serves; every other call passes through
 *   ioctl on a perf event of bpfrun's (perf.c)
 *   socket, send*, recv* on rtnetlink sockets (netlink.c): tc and XDP attachment
 *   close, close_range, dup*, fcntl(F_DUPFD*)
 *                                   -> keep the object descriptor table right
 *   mmap / munmap of a map descriptor (mmap.c)
 *                                   -> the kernel's checks (map_mmap_check), then a real
 *                                      shared mapping of the map's memory
 *   statfs*, fstatfs*, mkdir*, rmdir, unlink*, remove, access
 *                                   -> /sys/fs/bpf and the pins behave as a BPF filesystem
 *
 * Everything else is passed to the next definition (dlsym(RTLD_NEXT)), errno untouched.
 * The real functions are resolved on first use; a call arriving while dlsym itself runs
 * on this thread (it may allocate, and sanitizer runtimes intercept) goes straight to the
 * system call.  bpfrun's own code never calls these names for its descriptors (it uses
 * raw system calls), so there is no recursion.
 *
 * Locking: none here; the descriptor table and the pins lock themselves.
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/magic.h>

#include "bpfrun.h"
#include "bridge.h"
#include "../lib/sys.h"
#include "../obj/object.h"
#include "../link/perf_event.h"

/* ---- the next definitions ---- */

static __thread bool resolving;

void *bridge_next(void **slot, const char *name)
{
	void *fn = __atomic_load_n(slot, __ATOMIC_ACQUIRE);

	if (fn || resolving)
		return fn;
	resolving = true;
	fn = dlsym(RTLD_NEXT, name);
	resolving = false;
	__atomic_store_n(slot, fn, __ATOMIC_RELEASE);
	return fn;
}
static long sys_error(long ret)
{
	if (ret < 0) {
		errno = (int)-ret;
		return -1;
	}
	return ret;
}

/* ---- bpf() ---- */

/* Reads six arguments whatever the call passed, as glibc's syscall() does: a caller built
 * with ASan passing fewer (perf_event_open takes five) has a redzone where the sixth is
 * read from, which is not an error here. */
__attribute__((no_sanitize_address)) EXPORT long syscall(long nr, ...)
{
	long a[6];
	va_list ap;

	va_start(ap, nr);
	for (int i = 0; i < 6; i++)
		a[i] = va_arg(ap, long);
	va_end(ap);
	if (nr == __NR_bpf)
		return bpfrun_bpf((int)a[0], (union bpf_attr *)a[1], (unsigned int)a[2]);
	long ret;
	if (nr == __NR_perf_event_open &&
	    perf_event_open_ours((const struct perf_event_attr *)a[0], (int)a[1], (int)a[2],
				 (int)a[3], (unsigned long)a[4], &ret))
		return sys_error(ret);
	long (*next)(long, ...) = NEXT(syscall, long (*)(long, ...));
	if (!next) /* dlsym runs on this thread: the other interposers' fallbacks land here */
		return sys_raw(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
	return next(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
}

/* ---- descriptors ---- */

EXPORT int close(int fd)
{
	bridge_netlink_forget(fd);
	if (obj_fd_is_object(fd))
		return bpfrun_close(fd);
	int (*next)(int) = NEXT(close, int (*)(int));
	return next ? next(fd) : (int)syscall(SYS_close, fd);
}

EXPORT int close_range(unsigned int lo, unsigned int hi, int flags)
{
	int (*next)(unsigned int, unsigned int,
		    int) = NEXT(close_range, int (*)(unsigned int, unsigned int, int));
	int ret = next ? next(lo, hi, flags) : (int)syscall(SYS_close_range, lo, hi, flags);
	if (ret == 0 && !(flags & CLOSE_RANGE_CLOEXEC))
		obj_fd_close_range_notify(lo, hi);
	return ret;
}

/* After a dup-like call made newfd a copy of oldfd. */
static int dup_done(int oldfd, int newfd)
{
	if (newfd >= 0 && (obj_fd_is_object(oldfd) || obj_fd_is_object(newfd)))
		obj_fd_dup_notify(oldfd, newfd);
	return newfd;
}

EXPORT int dup(int fd)
{
	int (*next)(int) = NEXT(dup, int (*)(int));
	return dup_done(fd, next ? next(fd) : (int)syscall(SYS_dup, fd));
}

EXPORT int dup2(int oldfd, int newfd)
{
	int (*next)(int, int) = NEXT(dup2, int (*)(int, int));
	int ret = next ? next(oldfd, newfd) : (int)syscall(SYS_dup2, oldfd, newfd);
	return oldfd == newfd ? ret : dup_done(oldfd, ret);
}

EXPORT int dup3(int oldfd, int newfd, int flags)
{
	int (*next)(int, int, int) = NEXT(dup3, int (*)(int, int, int));
	return dup_done(oldfd, next ? next(oldfd, newfd, flags) :
				      (int)syscall(SYS_dup3, oldfd, newfd, flags));
}

typedef int (*fcntl_fn)(int, int, ...);

/* fcntl and fcntl64.  Every fcntl argument is passed in one register-sized slot, as glibc
 * reads it. */
#define FCNTL_BY_NAME(name)                                                                  \
	EXPORT int name(int fd, int cmd, ...)                                                \
	{                                                                                    \
		fcntl_fn next = NEXT(name, fcntl_fn);                                        \
		va_list ap;                                                                  \
		va_start(ap, cmd);                                                           \
		void *arg = va_arg(ap, void *);                                              \
		va_end(ap);                                                                  \
		int ret = next ? next(fd, cmd, arg) : (int)syscall(SYS_fcntl, fd, cmd, arg); \
		return cmd == F_DUPFD || cmd == F_DUPFD_CLOEXEC ? dup_done(fd, ret) : ret;   \
	}

FCNTL_BY_NAME(fcntl)
FCNTL_BY_NAME(fcntl64)

/* ---- the BPF filesystem ---- */

/* statfs(2) answers BPF_FS_MAGIC for /sys/fs/bpf, the directories below it and pins, even
 * when no bpffs is mounted there (libbpf checks the parent of a pin path). */
#define STATFS_COMMON(buf, path, ret)                                             \
	do {                                                                      \
		if ((ret) == 0 && (buf)->f_type == BPF_FS_MAGIC)                  \
			break;                                                    \
		if (!pin_dir_is_bpffs(path))                                      \
			break;                                                    \
		if ((ret) != 0) {                                                 \
			memset((buf), 0, sizeof(*(buf)));                         \
			(buf)->f_bsize = (buf)->f_frsize = sysconf(_SC_PAGESIZE); \
			(buf)->f_namelen = 255;                                   \
			(ret) = 0;                                                \
		}                                                                 \
		(buf)->f_type = BPF_FS_MAGIC;                                     \
	} while (0)

/* The path a descriptor was opened with, for fstatfs of a bpffs directory. */
static bool fd_path(int fd, char *path, size_t len)
{
	char link[64];
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	ssize_t n = readlink(link, path, len - 1);
	if (n <= 0 || path[0] != '/')
		return false;
	path[n] = 0;
	return true;
}

/* statfs and statfs64, fstatfs and fstatfs64 differ only in the struct they fill.  A
 * failed statfs that STATFS_COMMON turns into a success leaves errno as it was. */
#define STATFS_BY_PATH(name, type)                                                             \
	EXPORT int name(const char *path, type *buf)                                           \
	{                                                                                      \
		int (*next)(const char *, type *) = NEXT(name, int (*)(const char *, type *)); \
		int saved = errno;                                                             \
		int ret = next ? next(path, buf) : (int)syscall(SYS_statfs, path, buf);        \
		STATFS_COMMON(buf, path, ret);                                                 \
		if (!ret)                                                                      \
			errno = saved;                                                         \
		return ret;                                                                    \
	}

#define STATFS_BY_FD(name, type)                                                                \
	EXPORT int name(int fd, type *buf)                                                      \
	{                                                                                       \
		int (*next)(int, type *) = NEXT(name, int (*)(int, type *));                    \
		int ret = next ? next(fd, buf) : (int)syscall(SYS_fstatfs, fd, buf);            \
		char path[4096];                                                                \
		if (ret == 0 && buf->f_type != BPF_FS_MAGIC && fd_path(fd, path, sizeof(path))) \
			STATFS_COMMON(buf, path, ret);                                          \
		return ret;                                                                     \
	}

STATFS_BY_PATH(statfs, struct statfs)
STATFS_BY_PATH(statfs64, struct statfs64)
STATFS_BY_FD(fstatfs, struct statfs)
STATFS_BY_FD(fstatfs64, struct statfs64)

/* Paths relative to a directory descriptor are the application's own business. */
static bool at_path_is_ours(int dirfd, const char *path)
{
	return path && (path[0] == '/' || dirfd == AT_FDCWD);
}

EXPORT int mkdir(const char *path, mode_t mode)
{
	if (pin_path_in_bpffs_root(path))
		return (int)sys_error(pin_mkdir(path));
	int (*next)(const char *, mode_t) = NEXT(mkdir, int (*)(const char *, mode_t));
	return next ? next(path, mode) : (int)syscall(SYS_mkdir, path, mode);
}

EXPORT int mkdirat(int dirfd, const char *path, mode_t mode)
{
	if (at_path_is_ours(dirfd, path) && pin_path_in_bpffs_root(path))
		return (int)sys_error(pin_mkdir(path));
	int (*next)(int, const char *, mode_t) = NEXT(mkdirat, int (*)(int, const char *, mode_t));
	return next ? next(dirfd, path, mode) : (int)syscall(SYS_mkdirat, dirfd, path, mode);
}

/* Removes a pin (or a directory of ours); -ENOENT: not ours, ask the real file system. */
static int remove_ours(const char *path, bool dir)
{
	if (!path)
		return -ENOENT;
	return dir ? pin_rmdir(path) : pin_remove(path);
}

typedef int (*path_fn)(const char *);

/* Ends an unlink-like call: err from remove_ours, or on -ENOENT the real call (nr: the
 * system call when the next definition is not resolved yet). */
static int remove_done(int err, path_fn next, long nr, const char *path)
{
	if (err != -ENOENT)
		return (int)sys_error(err);
	return next ? next(path) : (int)syscall(nr, path);
}

EXPORT int unlink(const char *path)
{
	return remove_done(remove_ours(path, false), NEXT(unlink, path_fn), SYS_unlink, path);
}

EXPORT int rmdir(const char *path)
{
	return remove_done(remove_ours(path, true), NEXT(rmdir, path_fn), SYS_rmdir, path);
}

EXPORT int unlinkat(int dirfd, const char *path, int flags)
{
	if (at_path_is_ours(dirfd, path)) {
		int err = remove_ours(path, flags & AT_REMOVEDIR);
		if (err != -ENOENT)
			return (int)sys_error(err);
	}
	int (*next)(int, const char *, int) = NEXT(unlinkat, int (*)(int, const char *, int));
	return next ? next(dirfd, path, flags) : (int)syscall(SYS_unlinkat, dirfd, path, flags);
}

EXPORT int remove(const char *path)
{
	int err = remove_ours(path, false);
	if (err == -EISDIR)
		err = remove_ours(path, true);
	return remove_done(err, NEXT(remove, path_fn), SYS_unlink, path);
}

EXPORT int access(const char *path, int mode)
{
	if (pin_exists(path))
		return 0;
	int (*next)(const char *, int) = NEXT(access, int (*)(const char *, int));
	return next ? next(path, mode) : (int)syscall(SYS_access, path, mode);
}
