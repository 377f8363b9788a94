/* The verifier-style log of BPF_PROG_LOAD and BPF_BTF_LOAD, with the kernel's buffer
 * rules: the attributes must be consistent (EINVAL), the text goes to the user's buffer
 * when the command ends, keeping the last bytes (the first ones with BPF_LOG_FIXED), and
 * a log that did not fit makes an otherwise successful command fail with ENOSPC.
 * No locking: one log per command. */
#ifndef BPFRUN_VLOG_H
#define BPFRUN_VLOG_H

#include <stdarg.h>

#include "common.h"

/* Only what can reach the user is kept (see vlog.c), so a log of every type of a kernel's
 * BTF costs neither memory nor quadratic copying. */
struct vlog {
	u32 level;    /* 0 when nothing is to be logged (no level, or no buffer) */
	char *ubuf;   /* the user's buffer */
	u32 usize;    /* its size */
	char *buf;    /* kept bytes; ring position total % (usize - 1) unless fixed */
	size_t alloc; /* bytes allocated at buf */
	u64 total;    /* bytes written, kept or not */
	int err;      /* -ENOMEM when keeping failed */
};

/* Checks the log attributes as the kernel does: 0, or -EINVAL when inconsistent. */
int vlog_init(struct vlog *log, u32 level, u64 ubuf, u32 size);
/* Appends printf-style text (nothing when the log is off). */
void vlog_printf(struct vlog *log, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void vlog_vprintf(struct vlog *log, const char *fmt, va_list ap);
/* Copies the log out; -ENOSPC when it did not fit, -EFAULT on a bad buffer.  Frees the text. */
int vlog_finish(struct vlog *log);

#endif
