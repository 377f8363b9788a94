/* PERF_EVENT_ARRAY: an array of perf events, stored from user space by descriptor and
 * written by bpf_perf_event_output (perf_event_array.h).
 *
 * A slot holds a reference on the event, as the kernel's entry holds the event's file: an
 * event stays in the map after its descriptor is closed.  The kernel drops the entries a
 * map file put in when that file is released (unless BPF_F_PRESERVE_ELEMS); bpfrun drops
 * them when the map's last descriptor or pin goes (release_user), which is the same for a
 * map that has one file (libbpf's), and differs when a map opened twice (by id, by pin)
 * loses the file that filled it while the other stays.  User-space lookups are ENOTSUPP,
 * as in the kernel.
 *
 * Locking: writers swap a slot's pointer under lock (a spinlock word per map, leaf) and
 * free the old entry after readsec_sync(); readers (the helper) load the slot and take
 * their reference inside a read section (lib/readsec.h), taking no lock.
 */
#include <stdlib.h>
#include <string.h>

#include "perf_event_array.h"
#include "../lib/readsec.h"
#include "../lib/spinlock.h"

struct pea_entry {
	struct obj *ev;         /* referenced */
	struct perf_ring *ring; /* the event's, NULL when not a BPF_OUTPUT event */
	struct pea_entry *next; /* pea_clear's list of entries swapped out */
};

struct pea {
	struct bpf_map map;
	u32 lock;
	struct pea_entry **slots;
};

static perf_event_resolver resolver;

void perf_event_array_set_resolver(perf_event_resolver fn)
{
	resolver = fn;
}

static struct pea *pea_of(struct bpf_map *map)
{
	return container_of(map, struct pea, map);
}

static struct bpf_map *pea_alloc(const union bpf_attr *attr)
{
	int err = map_check_kernel_bytes((u64)attr->max_entries * sizeof(void *));

	if (err)
		return ERR_PTR(err);
	struct pea *a = calloc(1, sizeof(*a));
	if (!a)
		return ERR_PTR(-ENOMEM);
	a->map.obj.memfd = -1;
	a->slots = calloc(attr->max_entries, sizeof(*a->slots));
	if (!a->slots) {
		free(a);
		return ERR_PTR(-ENOMEM);
	}
	return &a->map;
}

static void entry_free(struct pea_entry *e)
{
	if (e) {
		obj_put(e->ev);
		free(e);
	}
}

/* Puts e (may be NULL) at index; the old entry, or NULL. */
static struct pea_entry *swap_slot(struct pea *a, u32 index, struct pea_entry *e)
{
	spin_lock_word(&a->lock);
	struct pea_entry *old = __atomic_exchange_n(&a->slots[index], e, __ATOMIC_SEQ_CST);
	spin_unlock_word(&a->lock);
	return old;
}

/* Frees the entries swapped out once no reader can hold them. */
static void retire(struct pea_entry *old)
{
	if (old) {
		readsec_sync();
		entry_free(old);
	}
}

/* Every slot emptied, then one wait for the readers that may hold any of them. */
static void pea_clear(struct bpf_map *map)
{
	struct pea *a = pea_of(map);
	struct pea_entry *gone = NULL, *e;

	for (u32 i = 0; i < map->max_entries; i++) {
		if ((e = swap_slot(a, i, NULL))) {
			e->next = gone;
			gone = e;
		}
	}
	if (gone)
		readsec_sync();
	while ((e = gone)) {
		gone = e->next;
		entry_free(e);
	}
}

static void pea_free(struct bpf_map *map)
{
	struct pea *a = pea_of(map);

	for (u32 i = 0; i < map->max_entries; i++)
		entry_free(a->slots[i]);
	free(a->slots);
	free(a);
}

static void pea_release_user(struct bpf_map *map)
{
	if (!(map->map_flags & BPF_F_PRESERVE_ELEMS))
		pea_clear(map);
}

static int pea_update_user(struct bpf_map *map, const void *key, const void *value, u64 flags)
{
	u32 index, fd;

	memcpy(&index, key, sizeof(index));
	memcpy(&fd, value, sizeof(fd));
	if (flags != BPF_ANY)
		return -EINVAL;
	if (index >= map->max_entries)
		return -E2BIG;
	struct pea_entry *e = malloc(sizeof(*e));
	if (!e)
		return -ENOMEM;
	e->ev = resolver ? resolver((int)fd, &e->ring) : ERR_PTR(-EBADF);
	if (IS_ERR(e->ev)) {
		int err = (int)PTR_ERR(e->ev);
		free(e);
		return err;
	}
	retire(swap_slot(pea_of(map), index, e));
	return 0;
}

static int pea_delete_user(struct bpf_map *map, const void *key)
{
	u32 index;

	memcpy(&index, key, sizeof(index));
	if (index >= map->max_entries)
		return -E2BIG;
	struct pea_entry *old = swap_slot(pea_of(map), index, NULL);
	retire(old);
	return old ? 0 : -ENOENT;
}

static int pea_lookup_user(struct bpf_map *map, const void *key, void *value, u64 flags)
{
	(void)map;
	(void)key;
	(void)value;
	(void)flags;
	return -ENOTSUPP;
}

int perf_event_array_get(struct bpf_map *map, u64 index, struct obj **ev, struct perf_ring **ring)
{
	struct pea *a = pea_of(map);

	if (index >= map->max_entries)
		return -E2BIG;
	readsec_begin();
	struct pea_entry *e = __atomic_load_n(&a->slots[index], __ATOMIC_ACQUIRE);
	if (e) { /* e may go once the section ends: what it holds is read inside */
		obj_get(e->ev);
		*ev = e->ev;
		*ring = e->ring;
	}
	readsec_end();
	return e ? 0 : -ENOENT;
}

const struct map_ops perf_event_array_map_ops = {
	.alloc_check = array_fd_alloc_check,
	.alloc = pea_alloc,
	.free = pea_free,
	.release_user = pea_release_user,
	.lookup_user = pea_lookup_user,
	.update_user = pea_update_user,
	.delete_user = pea_delete_user,
	.get_next_key = map_index_next_key,
};
