/* The verifier-style log (see vlog.h).  No locking: one log per command. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "uaccess.h"
#include "vlog.h"

#define LOG_LEVEL_MASK 15u /* BPF_LOG_LEVEL1 | BPF_LOG_LEVEL2 | BPF_LOG_STATS | BPF_LOG_FIXED */
#define LOG_FIXED 8u
#define LOG_SIZE_MAX (UINT32_MAX >> 2)

/* Only what can reach the user is kept: the first usize - 1 bytes with BPF_LOG_FIXED,
 * else the last ones, in a ring that grows (doubling) up to that size.  A log of every
 * type of a large blob (tens of MB for a kernel's BTF) thus costs neither memory nor
 * quadratic copying. */

/* Room for the NUL the user gets after the text. */
static size_t keep_max(const struct vlog *log)
{
	return log->usize - 1;
}

static bool vlog_reserve(struct vlog *log, size_t need)
{
	if (need <= log->alloc)
		return true;
	size_t alloc = MIN(MAX(need, log->alloc * 2), keep_max(log));
	char *b = realloc(log->buf, alloc);
	if (!b) {
		log->err = -ENOMEM;
		return false;
	}
	log->buf = b;
	log->alloc = alloc;
	return true;
}

static void vlog_keep_head(struct vlog *log, const char *s, size_t n)
{
	size_t max = keep_max(log);
	size_t keep = log->total < max ? MIN(n, max - (size_t)log->total) : 0;

	if (keep && vlog_reserve(log, (size_t)log->total + keep))
		memcpy(log->buf + log->total, s, keep);
}

static void vlog_keep_tail(struct vlog *log, const char *s, size_t n)
{
	size_t max = keep_max(log);

	if (!max || !vlog_reserve(log, (size_t)MIN(log->total + n, (u64)max)))
		return;
	u64 from = log->total;
	if (n > max) { /* only its last max bytes can survive */
		from += n - max;
		s += n - max;
		n = max;
	}
	size_t pos = (size_t)(from % max), first = MIN(n, max - pos);
	memcpy(log->buf + pos, s, first);
	memcpy(log->buf, s + first, n - first);
}

void vlog_vprintf(struct vlog *log, const char *fmt, va_list ap)
{
	if (!log->level)
		return;
	char *add = NULL;
	int n = vasprintf(&add, fmt, ap);
	if (n < 0) {
		log->err = -ENOMEM;
		return;
	}
	if (log->level & LOG_FIXED)
		vlog_keep_head(log, add, (size_t)n);
	else
		vlog_keep_tail(log, add, (size_t)n);
	log->total += (u64)n;
	free(add);
}

void vlog_printf(struct vlog *log, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vlog_vprintf(log, fmt, ap);
	va_end(ap);
}

int vlog_init(struct vlog *log, u32 level, u64 ubuf, u32 size)
{
	memset(log, 0, sizeof(*log));
	log->level = level;
	log->ubuf = u64_to_ptr(ubuf);
	log->usize = size;
	if (!!log->ubuf != !!log->usize || (log->ubuf && !log->level) ||
	    (log->level & ~LOG_LEVEL_MASK) || log->usize > LOG_SIZE_MAX)
		return -EINVAL;
	if (!log->ubuf) /* nowhere to write: the kernel keeps nothing */
		log->level = 0;
	return 0;
}

/* Copies what was kept out, the ring unrolled; -ENOSPC when the text did not fit. */
static int vlog_copy_out(const struct vlog *log)
{
	size_t max = keep_max(log), n = (size_t)MIN(log->total, (u64)max), first = n;
	const char *head = log->buf;
	int err = log->total > max ? -ENOSPC : 0;

	if (err && !(log->level & LOG_FIXED) && max) {
		size_t pos = (size_t)(log->total % max);
		head = log->buf + pos;
		first = max - pos;
	}
	if (copy_to_user(log->ubuf, head, first) ||
	    copy_to_user(log->ubuf + first, log->buf, n - first) ||
	    copy_to_user(log->ubuf + n, "", 1))
		return -EFAULT;
	return err;
}

int vlog_finish(struct vlog *log)
{
	int err = log->level ? log->err : 0;

	if (!err && log->level)
		err = vlog_copy_out(log);
	free(log->buf);
	log->buf = NULL;
	return err;
}
