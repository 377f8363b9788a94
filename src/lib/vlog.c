/* The verifier-style log (see vlog.h).  No locking: one log per command. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "uaccess.h"
#include "vlog.h"

#define LOG_FIXED 8u
#define LOG_MASK 15u   /* BPF_LOG_LEVEL1 | BPF_LOG_LEVEL2 | BPF_LOG_STATS | BPF_LOG_FIXED */

int vlog_init(struct vlog *log, u32 level, u64 ubuf, u32 size)
{
	memset(log, 0, sizeof(*log));
	log->level = level;
	log->ubuf = u64_to_ptr(ubuf);
	log->len_total = size;
	if (!!log->ubuf != !!size)
		return -EINVAL;
	if (log->ubuf && !level)
		return -EINVAL;
	if (level & ~LOG_MASK)
		return -EINVAL;
	if (size > (UINT32_MAX >> 2))
		return -EINVAL;
	if (!log->ubuf)  /* nowhere to write: the kernel keeps nothing */
		log->level = 0;
	return 0;
}

void vlog_vprintf(struct vlog *log, const char *fmt, va_list ap)
{
	va_list again;
	int n;

	if (!log->level)
		return;
	va_copy(again, ap);
	n = vsnprintf(NULL, 0, fmt, ap);
	if (n > 0 && log->len + (size_t)n + 1 > log->cap) {
		size_t cap = MAX(log->cap * 2, log->len + (size_t)n + 1 + 256);
		char *t = realloc(log->text, cap);

		if (t) {
			log->text = t;
			log->cap = cap;
		} else {
			n = 0;   /* out of memory: the line is lost, as a full kernel log loses it */
		}
	}
	if (n > 0) {
		vsnprintf(log->text + log->len, (size_t)n + 1, fmt, again);
		log->len += (size_t)n;
	}
	va_end(again);
}

void vlog_printf(struct vlog *log, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog_vprintf(log, fmt, ap);
	va_end(ap);
}

int vlog_finish(struct vlog *log)
{
	int err = 0;

	if (log->level) {
		const char *src = log->text ? log->text : "";
		size_t n = log->len;
		if (n + 1 > log->len_total) {
			err = -ENOSPC;
			if (!(log->level & LOG_FIXED))
				src += n - (log->len_total - 1);
			n = log->len_total - 1;
		}
		if (copy_to_user(log->ubuf, src, n) || copy_to_user(log->ubuf + n, "", 1))
			err = -EFAULT;
	}
	free(log->text);
	log->text = NULL;
	return err;
}
