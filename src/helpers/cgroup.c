/* Cgroup helpers: bpf_current_task_under_cgroup and bpf_skb_under_cgroup, against a
 * CGROUP_ARRAY (maps/cgroup_array.h).
 *
 * The current task's cgroup is the process's cgroup v2 path, read from /proc/self/cgroup
 * at each call (so moving the process moves the answer, as in the kernel), unless the
 * embedding application assigned one with bpfrun_set_cgroup().  "Under" is the kernel's
 * hierarchy test: the cgroup itself or any descendant.  bpf_skb_under_cgroup answers for
 * the skb's socket: a test run's skb has one, made in the current task's cgroup, as the
 * kernel's test runs make theirs.
 *
 * Locking: the assigned path is replaced under cgroup_lock (a mutex) and read under it.
 */
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bpfrun.h"
#include "internal.h"
#include "../lib/sys.h"
#include "../maps/cgroup_array.h"

#define CGROUP_PATH_MAX 4096

static pthread_mutex_t cgroup_lock = PTHREAD_MUTEX_INITIALIZER;
static char *assigned; /* bpfrun_set_cgroup(), or NULL */

int bpfrun_set_cgroup(const char *path)
{
	char *copy = NULL;

	if (path && (path[0] != '/' || strlen(path) >= CGROUP_PATH_MAX))
		return -EINVAL;
	if (path && !(copy = strdup(path)))
		return -ENOMEM;
	pthread_mutex_lock(&cgroup_lock);
	char *old = assigned;
	assigned = copy;
	pthread_mutex_unlock(&cgroup_lock);
	free(old);
	return 0;
}

/* The process's cgroup v2 path (the "0::" line of /proc/self/cgroup). */
static bool own_cgroup(char *buf, size_t len)
{
	char data[8192];
	int fd = open("/proc/self/cgroup", O_RDONLY | O_CLOEXEC);
	ssize_t n = fd >= 0 ? read(fd, data, sizeof(data) - 1) : -1;

	if (fd >= 0)
		sys_close(fd);
	if (n <= 0)
		return false;
	data[n] = 0;
	char *line = strstr(data, "0::");
	if (!line || (line != data && line[-1] != '\n'))
		return false;
	line += 3;
	line[strcspn(line, "\n")] = 0;
	return (size_t)snprintf(buf, len, "%s", line) < len;
}

static bool current_cgroup(char *buf, size_t len)
{
	bool ok = false;

	pthread_mutex_lock(&cgroup_lock);
	if (assigned)
		ok = (size_t)snprintf(buf, len, "%s", assigned) < len;
	pthread_mutex_unlock(&cgroup_lock);
	return ok || own_cgroup(buf, len);
}

/* cgroup path is ancestor or ancestor itself. */
static bool under(const char *path, const char *ancestor)
{
	size_t n = strlen(ancestor);

	if (!strcmp(ancestor, "/"))
		return true;
	return !strncmp(path, ancestor, n) && (path[n] == 0 || path[n] == '/');
}

static struct bpf_map *cgroup_array_arg(struct exec_ctx *x, u64 reg, const char *fn)
{
	struct bpf_map *m = vm_map_arg(x, reg);

	if (m && m->map_type != BPF_MAP_TYPE_CGROUP_ARRAY) {
		vm_fault(x, "cannot pass map_type %u into func %s", m->map_type, fn);
		return NULL;
	}
	return m;
}

/* Whether the current task's cgroup is under the cgroup at index of map's register. */
static u64 task_under(struct exec_ctx *x, u64 map_reg, u64 index, const char *fn)
{
	struct bpf_map *m = cgroup_array_arg(x, map_reg, fn);
	char want[CGROUP_PATH_MAX], mine[CGROUP_PATH_MAX];

	if (!m)
		return 0;
	int err = cgroup_array_path(m, (u32)index, want, sizeof(want));
	if (err)
		return (u64)(s64)err;
	return current_cgroup(mine, sizeof(mine)) && under(mine, want);
}

HELPER(current_task_under_cgroup)
{
	return task_under(x, r1, r2, "bpf_current_task_under_cgroup");
}

/* A test run's skb belongs to a socket the run creates in the current task's cgroup, as
 * the kernel's test runs do. */
HELPER(skb_under_cgroup)
{
	return task_under(x, r2, r3, "bpf_skb_under_cgroup");
}
