/* Kernel text files without stdio (ksyms.h).  No state, no locking; a batch lookup's
 * state lives on its caller's stack. */
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

char *read_whole_file(const char *path, size_t max)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t cap = 65536, len = 0;
	char *buf = fd >= 0 ? malloc(cap) : NULL;
	ssize_t n;

	while (buf && (n = read(fd, buf + len, cap - len - 1)) > 0) {
		len += (size_t)n;
		if (len + 1 == cap && cap < max) {
			char *more = realloc(buf, cap *= 2);
			if (!more)
				break;
			buf = more;
		}
	}
	if (fd >= 0)
		sys_close(fd);
	if (buf)
		buf[len] = 0;
	return buf;
}

int text_file_lines(const char *path, bool (*line_fn)(const char *line, void *arg), void *arg)
{
	enum { BUF = 65536 }; /* on the heap: 64 KiB of TLS would cost every thread */
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	char *buf = fd < 0 ? NULL : malloc(BUF);
	size_t have = 0;
	int ret = fd < 0 ? -errno : -ENOENT;

	if (!buf) {
		if (fd >= 0)
			sys_close(fd);
		return fd < 0 ? ret : -ENOMEM;
	}
	for (;;) {
		ssize_t r = read(fd, buf + have, BUF - 1 - have);
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
		if (have == BUF - 1)
			have = 0;
	}
out:
	free(buf);
	sys_close(fd);
	return ret;
}

const char *kallsyms_path(void)
{
	const char *path = getenv("BPFRUN_KALLSYMS");

	return path && *path ? path : "/proc/kallsyms";
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

int ksym_lookup(const char *name, u64 *addr)
{
	struct ksym_query q = { name, 0 };
	int err = text_file_lines(kallsyms_path(), kallsyms_line, &q);

	*addr = q.addr;
	return err;
}

u64 ksym_addr(const char *name)
{
	u64 addr;

	ksym_lookup(name, &addr);
	return addr;
}

/* A batch lookup: order[] holds the request indices sorted by key (address or name), so
 * that each kallsyms line is one binary search. */
struct ksym_batch {
	const u64 *addrs;        /* by address: the keys */
	char **names;            /* by address: the answers */
	const char *const *keys; /* by name: the keys */
	u64 *found;              /* by name: the answers */
	u32 *order, n;
	bool nomem;
};

static int by_addr_cmp(const void *a, const void *b, void *arg)
{
	const struct ksym_batch *kb = arg;
	u64 x = kb->addrs[*(const u32 *)a], y = kb->addrs[*(const u32 *)b];

	return (x > y) - (x < y);
}

static int by_name_cmp(const void *a, const void *b, void *arg)
{
	const struct ksym_batch *kb = arg;

	return strcmp(kb->keys[*(const u32 *)a], kb->keys[*(const u32 *)b]);
}

/* The first position in order whose key is not below the line's (addr or sym). */
static u32 batch_lower(const struct ksym_batch *b, u64 addr, const char *sym)
{
	u32 lo = 0, hi = b->n;

	while (lo < hi) {
		u32 mid = lo + (hi - lo) / 2, i = b->order[mid];
		bool below = b->keys ? strcmp(b->keys[i], sym) < 0 : b->addrs[i] < addr;
		if (below)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* One kallsyms line: answers every request whose key it matches and that has no
 * answer yet (the first symbol listed wins, as in the single lookups). */
static bool batch_line(const char *line, void *arg)
{
	struct ksym_batch *b = arg;
	char sym[256], type;
	unsigned long long a;

	if (sscanf(line, "%llx %c %255s", &a, &type, sym) != 3 || (!b->keys && !a))
		return false; /* address 0: kallsyms hiding addresses, never a match */
	for (u32 k = batch_lower(b, a, sym); k < b->n; k++) {
		u32 i = b->order[k];
		if (b->keys) {
			if (strcmp(b->keys[i], sym))
				break;
			if (!b->found[i])
				b->found[i] = a;
		} else {
			if (b->addrs[i] != a)
				break;
			if (!b->names[i] && !(b->names[i] = strdup(sym)))
				return b->nomem = true;
		}
	}
	return false;
}

static int batch_run(struct ksym_batch *b, int (*cmp)(const void *, const void *, void *))
{
	if (!b->n)
		return 0;
	if (!(b->order = malloc(b->n * sizeof(*b->order))))
		return -ENOMEM;
	for (u32 i = 0; i < b->n; i++)
		b->order[i] = i;
	qsort_r(b->order, b->n, sizeof(*b->order), cmp, b);
	int err = text_file_lines(kallsyms_path(), batch_line, b);
	free(b->order);
	if (b->nomem)
		return -ENOMEM;
	return err == -ENOENT ? 0 : err;
}

int ksym_names(const u64 *addrs, u32 n, char **names)
{
	struct ksym_batch b = { .addrs = addrs, .names = names, .n = n };

	memset(names, 0, n * sizeof(*names));
	return batch_run(&b, by_addr_cmp);
}

int ksym_addrs(const char *const *names, u32 n, u64 *addrs)
{
	struct ksym_batch b = { .keys = names, .found = addrs, .n = n };

	memset(addrs, 0, n * sizeof(*addrs));
	return batch_run(&b, by_name_cmp);
}
