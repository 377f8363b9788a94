/* The verifier log of BPF_PROG_LOAD, with the kernel's rules: the attributes must be
 * consistent (EINVAL), the text goes to the user's buffer at the end of the load, keeping
 * the last bytes (or the first ones with BPF_LOG_FIXED), and a log that did not fit makes
 * an otherwise successful load fail with ENOSPC.  No locking: one log per load. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../prog/prog_internal.h"
#include "uaccess.h"

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
	return 0;
}

void vlog(struct vlog *log, const char *fmt, ...)
{
	va_list ap;
	char line[512];

	if (!log->level)
		return;
	va_start(ap, fmt);
	int n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n <= 0)
		return;
	size_t add = MIN((size_t)n, sizeof(line) - 1);
	if (log->len + add + 1 > log->cap) {
		size_t cap = MAX(log->cap * 2, log->len + add + 1 + 256);
		char *t = realloc(log->text, cap);
		if (!t)
			return;
		log->text = t;
		log->cap = cap;
	}
	memcpy(log->text + log->len, line, add);
	log->len += add;
	log->text[log->len] = 0;
}

int vlog_finish(struct vlog *log)
{
	int err = 0;

	if (log->level && log->ubuf) {
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
