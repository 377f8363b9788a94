/* Local storage maps (local_storage.c): TASK_STORAGE, SK_STORAGE, INODE_STORAGE and
 * CGRP_STORAGE, what their helpers (helpers/storage.c) call.  An owner is named by its
 * kind (the map's type) and an identity: a task by its thread id, a socket or a cgroup by
 * its inode number, an inode by its device, inode number and birth time (so that a new
 * file that reuses a deleted one's inode number is another owner). */
#ifndef BPFRUN_LOCAL_STORAGE_H
#define BPFRUN_LOCAL_STORAGE_H

#include "map.h"

struct ls_ident {
	u64 id, dev, born; /* dev and born (statx btime in ns, 0 when unknown): inodes only */
};

/* True for the four local-storage map types. */
bool map_is_local_storage(const struct bpf_map *map);

/* The value of owner's element in map, or NULL.  With create, a missing element is made
 * (zeroed, then init's bytes copied around the special fields when init is not NULL);
 * NULL when the map is full.  A task owner must be alive: the helpers pass the running
 * task. */
void *local_storage_get(struct bpf_map *map, const struct ls_ident *owner, const void *init,
			bool create);
/* Deletes owner's element: 0 or -ENOENT. */
long local_storage_delete(struct bpf_map *map, const struct ls_ident *owner);

#endif
