/* Kernel text files without stdio (ksyms.h).  No state, no locking. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ksyms.h"
#include "sys.h"

long read_text_file(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t n = 0;

	if (fd < 0)
		return -errno;
	while (n + 1 < len) {
		ssize_t r = read(fd, buf + n, len - 1 - n);
		if (r <= 0)
			break;
		n += (size_t)r;
	}
	sys_close(fd);
	buf[n] = 0;
	return (long)n;
}

int text_file_lines(const char *path, bool (*line_fn)(const char *line, void *arg), void *arg)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	static __thread char buf[65536];
	size_t have = 0;
	int ret = -ENOENT;

	if (fd < 0)
		return -errno;
	for (;;) {
		ssize_t r = read(fd, buf + have, sizeof(buf) - 1 - have);
		if (r <= 0)
			break;
		have += (size_t)r;
		buf[have] = 0;
		char *line = buf, *nl;
		while ((nl = strchr(line, '\n'))) {
			*nl = 0;
			if (line_fn(line, arg)) {
				ret = 0;
				goto out;
			}
			line = nl + 1;
		}
		have = strlen(line); /* the partial last line moves to the front */
		memmove(buf, line, have);
		if (have == sizeof(buf) - 1)
			have = 0;
	}
out:
	sys_close(fd);
	return ret;
}

struct ksym_query {
	const char *name;
	u64 addr;
};

/* One kallsyms line "ADDR TYPE NAME [module]": stops at NAME. */
static bool kallsyms_line(const char *line, void *arg)
{
	struct ksym_query *q = arg;
	char sym[256], type;
	unsigned long long a;

	if (sscanf(line, "%llx %c %255s", &a, &type, sym) != 3 || strcmp(sym, q->name))
		return false;
	q->addr = a;
	return true;
}

u64 ksym_addr(const char *name)
{
	struct ksym_query q = { name, 0 };

	text_file_lines("/proc/kallsyms", kallsyms_line, &q);
	return q.addr;
}

struct ksym_rquery {
	u64 addr;
	char *name;
	size_t len;
};

static bool kallsyms_rline(const char *line, void *arg)
{
	struct ksym_rquery *q = arg;
	char sym[256], type;
	unsigned long long a;

	if (sscanf(line, "%llx %c %255s", &a, &type, sym) != 3 || a != q->addr)
		return false;
	snprintf(q->name, q->len, "%s", sym);
	return true;
}

int ksym_name(u64 addr, char *name, size_t len)
{
	struct ksym_rquery q = { addr, name, len };

	if (!addr || !len)
		return -ENOENT;
	return text_file_lines("/proc/kallsyms", kallsyms_rline, &q);
}
