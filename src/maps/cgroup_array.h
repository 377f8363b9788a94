/* CGROUP_ARRAY (cgroup_array.c): what bpf_current_task_under_cgroup reads. */
#ifndef BPFRUN_CGROUP_ARRAY_H
#define BPFRUN_CGROUP_ARRAY_H

#include "map.h"

/* The cgroup path at index ("/" the hierarchy's root, "/a/b" below it) copied into buf:
 * 0, -E2BIG (index out of range), -EAGAIN (empty slot, the kernel's answer) or
 * -ENAMETOOLONG. */
int cgroup_array_path(struct bpf_map *map, u32 index, char *buf, size_t len);

#endif
