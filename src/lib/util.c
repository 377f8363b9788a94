/* Small utilities shared by the runtime (see common.h).  No locking: the CPU count is
 * computed once and cached with an atomic store. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <bpf/libbpf.h>

#include "bpfrun.h"
#include "common.h"

/* Eight bytes at a time: every bpf() command checks the tail of its attributes. */
bool mem_is_zero(const void *buf, size_t from, size_t to)
{
	const u8 *p = (const u8 *)buf + from, *end = (const u8 *)buf + to;
	u64 word;

	for (; p + sizeof(word) <= end; p += sizeof(word)) {
		memcpy(&word, p, sizeof(word));
		if (word)
			return false;
	}
	for (; p < end; p++)
		if (*p)
			return false;
	return true;
}

/* The count libbpf gives its users (per-CPU value layouts must agree with it): the
 * number of CPUs listed in /sys/devices/system/cpu/possible. */
int num_possible_cpus(void)
{
	static int cached;
	int n = __atomic_load_n(&cached, __ATOMIC_RELAXED);

	if (n > 0)
		return n;
	n = libbpf_num_possible_cpus();
	if (n <= 0)
		n = (int)sysconf(_SC_NPROCESSORS_CONF);
	if (n <= 0)
		n = 1;
	__atomic_store_n(&cached, n, __ATOMIC_RELAXED);
	return n;
}

int bpfrun_num_possible_cpus(void)
{
	return num_possible_cpus();
}

void bpfrun_warn(const char *fmt, ...)
{
	char line[1024];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	/* One write so that lines of concurrent threads do not interleave. */
	fprintf(stderr, "bpfrun: %s\n", line);
}
