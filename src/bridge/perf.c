/* The perf-event side of the bridge (link/perf_event.h):
 *   ioctl(2)         the perf-event ioctls (PERF_EVENT_IOC_ENABLE, _DISABLE, _SET_BPF ...)
 *                    on bpfrun's perf events; glibc's ioctl takes one variadic argument,
 *                    read as a register-sized slot
 *   fopen, fopen64   the sysfs files of a PMU bpfrun models (the kprobe PMU's type and
 *                    retprobe bit, where the kernel has no kprobes), as read-only memory
 *                    streams
 * Everything else passes to the next definition.  Locking: none here. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "bridge.h"
#include "../link/perf_event.h"

typedef int (*ioctl_fn)(int, unsigned long, ...);

EXPORT int ioctl(int fd, unsigned long req, ...)
{
	va_list ap;
	long ret;

	va_start(ap, req);
	unsigned long arg = va_arg(ap, unsigned long);
	va_end(ap);
	if (perf_event_ioctl_ours(fd, req, arg, &ret)) {
		if (ret < 0) {
			errno = (int)-ret;
			return -1;
		}
		return (int)ret;
	}
	ioctl_fn next = NEXT(ioctl, ioctl_fn);
	return next ? next(fd, req, arg) : (int)syscall(SYS_ioctl, fd, req, arg);
}

/* A read-only stream of text (fmemopen of a copy that the stream owns). */
static FILE *text_stream(const char *text)
{
	size_t len = strlen(text);
	FILE *f = fmemopen(NULL, len + 1, "w+");

	if (f && (fwrite(text, 1, len, f) != len || fseek(f, 0, SEEK_SET))) {
		fclose(f);
		return NULL;
	}
	return f;
}

typedef FILE *(*fopen_fn)(const char *, const char *);

#define FOPEN_BY_NAME(name)                                          \
	EXPORT FILE *name(const char *path, const char *mode)        \
	{                                                            \
		char text[64];                                       \
		if (mode && mode[0] == 'r' && !strchr(mode, '+') &&  \
		    perf_probe_sysfs_file(path, text, sizeof(text))) \
			return text_stream(text);                    \
		fopen_fn next = NEXT(name, fopen_fn);                \
		if (!next)                                           \
			errno = ENOSYS;                              \
		return next ? next(path, mode) : NULL;               \
	}

FOPEN_BY_NAME(fopen)
FOPEN_BY_NAME(fopen64)
