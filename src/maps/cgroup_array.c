/* CGROUP_ARRAY: an array of cgroup v2 directories, stored from user space by descriptor
 * (an open cgroup directory, as the kernel's cgroup_get_from_fd; anything else is
 * -EBADF) and tested by bpf_current_task_under_cgroup.  A slot keeps the cgroup's path
 * in its hierarchy (the mount's root plus the path below the mount point, so every mount
 * of cgroup2 names a cgroup alike, as /proc/<pid>/cgroup does).
 *
 * Locking: lock (a spinlock word per map, leaf) guards the slots; a replaced path is freed
 * after it is released.
 */
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/magic.h>

#include "../lib/ksyms.h"
#include "cgroup_array.h"
#include "../lib/spinlock.h"
#include "../lib/sys.h"

struct cg_array {
	struct bpf_map map;
	u32 lock;
	char **paths; /* per index: malloc'd path, or NULL */
};

static struct cg_array *cg_of(const struct bpf_map *map)
{
	return container_of(map, struct cg_array, map);
}

static int cg_alloc_check(const union bpf_attr *attr)
{
	if (attr->value_size != sizeof(u32) || attr->key_size != sizeof(u32) ||
	    !attr->max_entries ||
	    (attr->map_flags & ~(u32)(BPF_F_NUMA_NODE | BPF_F_RDONLY | BPF_F_WRONLY)))
		return -EINVAL;
	return 0;
}

static void cg_free(struct bpf_map *map)
{
	struct cg_array *a = cg_of(map);

	for (u32 i = 0; a->paths && i < map->max_entries; i++)
		free(a->paths[i]);
	free(a->paths);
	free(a);
}

static struct bpf_map *cg_alloc(const union bpf_attr *attr)
{
	int err = map_check_kernel_bytes((u64)attr->max_entries * sizeof(void *));

	if (err)
		return ERR_PTR(err);
	struct cg_array *a = calloc(1, sizeof(*a));
	if (!a)
		return ERR_PTR(-ENOMEM);
	a->map.obj.memfd = -1;
	a->paths = calloc(attr->max_entries, sizeof(char *));
	if (!a->paths) {
		free(a);
		return ERR_PTR(-ENOMEM);
	}
	return &a->map;
}

/* The mount of a cgroup2 file system (device dev) whose mount point holds path: its
 * root in the hierarchy and its mount point, from /proc/self/mountinfo. */
static bool cgroup2_mount_of(dev_t dev, const char *path, char *root, char *point)
{
	char *info = read_whole_file("/proc/self/mountinfo", 4u << 20), *save = NULL;
	bool found = false;

	for (char *line = info ? strtok_r(info, "\n", &save) : NULL; line && !found;
	     line = strtok_r(NULL, "\n", &save)) {
		unsigned maj, min;
		char *sep = strstr(line, " - ");
		if (!sep || strncmp(sep, " - cgroup2 ", 11) ||
		    sscanf(line, "%*u %*u %u:%u %4095s %4095s", &maj, &min, root, point) != 4)
			continue;
		size_t n = strlen(point);
		found = makedev(maj, min) == dev && !strncmp(path, point, n) &&
			(path[n] == '/' || path[n] == 0 || n == 1);
	}
	free(info);
	return found;
}

/* The cgroup path of descriptor fd (malloc'd), or NULL when fd is no cgroup2 directory. */
static char *cgroup_path_of_fd(u32 fd)
{
	char link[64], path[PATH_MAX], root[4096], point[4096], *out;
	struct statfs sfs;
	struct stat st;

	if (sys_raw(SYS_fstatfs, (long)fd, (long)&sfs, 0, 0, 0, 0) ||
	    sfs.f_type != CGROUP2_SUPER_MAGIC || fstat((int)fd, &st) || !S_ISDIR(st.st_mode))
		return NULL;
	snprintf(link, sizeof(link), "/proc/self/fd/%u", fd);
	ssize_t n = readlink(link, path, sizeof(path) - 1);
	if (n <= 0)
		return NULL;
	path[n] = 0;
	if (!cgroup2_mount_of(st.st_dev, path, root, point))
		return NULL;
	const char *below = strcmp(point, "/") ? path + strlen(point) : path;
	if (asprintf(&out, "%s%s", strcmp(root, "/") ? root : "", below) < 0)
		return NULL;
	if (!out[0]) { /* the hierarchy's root */
		free(out);
		out = strdup("/");
	}
	return out;
}

static int cg_update_user(struct bpf_map *map, const void *key, const void *value, u64 flags)
{
	struct cg_array *a = cg_of(map);
	u32 index, fd;

	memcpy(&index, key, sizeof(index));
	memcpy(&fd, value, sizeof(fd));
	if (flags != BPF_ANY)
		return -EINVAL;
	if (index >= map->max_entries)
		return -E2BIG;
	char *path = cgroup_path_of_fd(fd);
	if (!path)
		return -EBADF;
	spin_lock_word(&a->lock);
	char *old = a->paths[index];
	a->paths[index] = path;
	spin_unlock_word(&a->lock);
	free(old);
	return 0;
}

static int cg_delete_user(struct bpf_map *map, const void *key)
{
	struct cg_array *a = cg_of(map);
	u32 index;

	memcpy(&index, key, sizeof(index));
	if (index >= map->max_entries)
		return -E2BIG;
	spin_lock_word(&a->lock);
	char *old = a->paths[index];
	a->paths[index] = NULL;
	spin_unlock_word(&a->lock);
	free(old);
	return old ? 0 : -ENOENT;
}

int cgroup_array_path(struct bpf_map *map, u32 index, char *buf, size_t len)
{
	struct cg_array *a = cg_of(map);
	int err = 0;

	if (index >= map->max_entries)
		return -E2BIG;
	spin_lock_word(&a->lock);
	if (!a->paths[index])
		err = -EAGAIN;
	else if ((size_t)snprintf(buf, len, "%s", a->paths[index]) >= len)
		err = -ENAMETOOLONG;
	spin_unlock_word(&a->lock);
	return err;
}

const struct map_ops cgroup_array_map_ops = {
	.alloc_check = cg_alloc_check,
	.alloc = cg_alloc,
	.free = cg_free,
	.update_user = cg_update_user,
	.delete_user = cg_delete_user,
	.get_next_key = map_index_next_key,
};
