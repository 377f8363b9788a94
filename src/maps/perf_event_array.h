/* PERF_EVENT_ARRAY (perf_event_array.c): what the helpers and the perf events use. */
#ifndef BPFRUN_PERF_EVENT_ARRAY_H
#define BPFRUN_PERF_EVENT_ARRAY_H

#include "map.h"
#include "perf_ring.h"

/* The perf event behind descriptor fd for an update: its object with a reference for the
 * caller and, for a BPF_OUTPUT event, its ring in *ring (else NULL); ERR_PTR(-EBADF) when
 * fd is no perf event of bpfrun's.  Set once by the perf events' layer (link/), from a
 * constructor. */
typedef struct obj *(*perf_event_resolver)(int fd, struct perf_ring **ring);
void perf_event_array_set_resolver(perf_event_resolver fn);

/* The entry at index for the helpers: 0, with a reference on its event in *ev (obj_put it
 * after use) and its ring in *ring (NULL: not a BPF_OUTPUT event), or -E2BIG (index out
 * of range), -ENOENT (empty slot). */
int perf_event_array_get(struct bpf_map *map, u64 index, struct obj **ev, struct perf_ring **ring);

static inline bool map_is_perf_event_array(const struct bpf_map *m)
{
	return m->map_type == BPF_MAP_TYPE_PERF_EVENT_ARRAY;
}

#endif
