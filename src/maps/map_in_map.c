/* ARRAY_OF_MAPS and HASH_OF_MAPS: maps whose values are maps.
 *
 * At creation the map given by inner_map_fd is the template (the kernel's inner_map_meta):
 * its type, key and value sizes, flags and special fields, and its max_entries when it
 * is an array without BPF_F_INNER_MAP.  User space stores a map by descriptor, which must
 * match the template, and reads back its id; programs look up the map itself.  A slot
 * holds a reference on its map (refcnt, not usercnt, as the kernel's bpf_map_inc): the
 * inner map lives while a slot, a descriptor or a run holds it.  Its timers follow the
 * generic rules: cancelled when its last descriptor goes, and at its free.
 *
 * A program's lookup returns the inner map with a reference the run keeps (vm_use_map), so
 * a map that user space removes meanwhile stays usable until the run ends; the run may
 * then pass it to map helpers and touch its values like its own maps.
 *
 * Layout: an array has one pointer per index; a hash has max_entries preallocated
 * elements (a key and a map pointer) on chains from a power-of-two bucket table, with a
 * free list.  Both are reserved with MAP_NORESERVE (pages cost nothing until used).
 *
 * Locking: lock (a spinlock word per map, leaf) guards slots, chains and the free list;
 * lookups take their reference under it, so a writer drops a replaced map's reference
 * after releasing the lock without racing a reader.  A reference dropped may free the
 * inner map, which may cancel its timers and wait for their callbacks: it is never done
 * under lock.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "map.h"
#include "../lib/spinlock.h"
#include "../lib/sys.h"
#include "../lib/uaccess.h"

#define MIM_CREATE_FLAG_MASK                                                                   \
	(BPF_F_NUMA_NODE | BPF_F_RDONLY | BPF_F_WRONLY | BPF_F_NO_PREALLOC | BPF_F_ZERO_SEED | \
	 BPF_F_NO_COMMON_LRU | BPF_F_PRESERVE_ELEMS | BPF_F_INNER_MAP)

/* What an inner map must match (the kernel's inner_map_meta and map_meta_equal). */
struct inner_meta {
	u32 map_type, key_size, value_size, map_flags, max_entries;
	struct field_table fields;
};

struct mim_elem {
	u32 next; /* index + 1 of the next element of the chain or free list, 0: none */
	u32 hash;
	struct bpf_map *inner;
	u64 key[]; /* key_size bytes, rounded up to 8 */
};

struct mim {
	struct bpf_map map;
	struct inner_meta meta;
	u32 lock;
	bool hash;
	struct bpf_map **slots; /* array */
	/* hash */
	char *elems;
	u64 elem_size;
	u32 *buckets; /* index + 1 of the first element, 0: empty */
	u32 nbuckets, free_head, count, used;
	size_t elems_len, buckets_len;
};

static struct mim *mim_of(const struct bpf_map *map)
{
	return container_of(map, struct mim, map);
}

static bool is_array_type(u32 type)
{
	return type == BPF_MAP_TYPE_ARRAY || type == BPF_MAP_TYPE_PERCPU_ARRAY ||
	       type == BPF_MAP_TYPE_PROG_ARRAY || type == BPF_MAP_TYPE_ARRAY_OF_MAPS;
}

static bool is_mim_type(u32 type)
{
	return type == BPF_MAP_TYPE_ARRAY_OF_MAPS || type == BPF_MAP_TYPE_HASH_OF_MAPS;
}

/* ---- the template ---- */

static bool fields_equal(const struct field_table *a, const struct field_table *b)
{
	if (a->cnt != b->cnt)
		return false;
	for (u32 i = 0; i < a->cnt; i++)
		if (a->f[i].off != b->f[i].off || a->f[i].size != b->f[i].size ||
		    a->f[i].kind != b->f[i].kind)
			return false;
	return true;
}

/* The kernel's map_meta_equal for the inner map's type (array_map_meta_equal for arrays). */
static bool meta_equal(const struct inner_meta *m, const struct bpf_map *inner)
{
	if (m->map_type != inner->map_type || m->key_size != inner->key_size ||
	    m->value_size != inner->value_size || m->map_flags != inner->map_flags ||
	    !fields_equal(&m->fields, &inner->fields))
		return false;
	if (is_array_type(m->map_type) && !(m->map_flags & BPF_F_INNER_MAP))
		return m->max_entries == inner->max_entries;
	return true;
}

static int meta_from_fd(struct inner_meta *m, u32 fd)
{
	struct bpf_map *inner = map_from_fd((int)fd, NULL);

	if (IS_ERR(inner))
		return (int)PTR_ERR(inner);
	int err = is_mim_type(inner->map_type)			      ? -EINVAL : /* one level only */
		  inner->map_type == BPF_MAP_TYPE_PROG_ARRAY ? -ENOTSUPP : /* no map_meta_equal */
							       0;
	if (!err)
		*m = (struct inner_meta){ inner->map_type,  inner->key_size,    inner->value_size,
					  inner->map_flags, inner->max_entries, inner->fields };
	map_put(inner);
	return err;
}

/* The map behind a descriptor user space stores, referenced, if it matches the template. */
static struct bpf_map *inner_from_fd(struct mim *mm, u32 fd)
{
	struct bpf_map *inner = map_from_fd((int)fd, NULL);

	if (!IS_ERR(inner) && !meta_equal(&mm->meta, inner)) {
		map_put(inner);
		return ERR_PTR(-EINVAL);
	}
	return inner;
}

/* ---- creation ---- */

static int mim_alloc_check(const union bpf_attr *attr)
{
	bool array = attr->map_type == BPF_MAP_TYPE_ARRAY_OF_MAPS;

	if (attr->value_size != sizeof(u32) || !attr->max_entries || !attr->key_size ||
	    (array && attr->key_size != sizeof(u32)))
		return -EINVAL;
	if (attr->map_flags & ~(u32)MIM_CREATE_FLAG_MASK)
		return -EINVAL;
	if (array && (attr->map_flags & (BPF_F_NO_PREALLOC | BPF_F_ZERO_SEED)))
		return -EINVAL;
	return 0;
}

static int mim_storage(struct mim *mm, const union bpf_attr *attr)
{
	u64 n = attr->max_entries;

	if (!mm->hash) {
		int err = map_check_kernel_bytes(n * sizeof(void *));
		mm->elems_len = n * sizeof(void *);
		mm->slots = err ? NULL : map_reserve(mm->elems_len);
		return err ? err : mm->slots ? 0 : -ENOMEM;
	}
	if (n > 1u << 31) /* the kernel's htab_map_alloc: no power of two of buckets */
		return -E2BIG;
	mm->elem_size = sizeof(struct mim_elem) + ROUND_UP((u64)attr->key_size, 8);
	mm->nbuckets = map_roundup_pow2(attr->max_entries);
	mm->elems_len = n * mm->elem_size;
	mm->buckets_len = (size_t)mm->nbuckets * sizeof(u32);
	int err = map_check_kernel_bytes(mm->elems_len + mm->buckets_len);
	if (err)
		return err;
	mm->elems = map_reserve(mm->elems_len);
	mm->buckets = map_reserve(mm->buckets_len);
	return mm->elems && mm->buckets ? 0 : -ENOMEM;
}

static void mim_free(struct bpf_map *map);

static struct bpf_map *mim_alloc(const union bpf_attr *attr)
{
	struct mim *mm = calloc(1, sizeof(*mm));

	if (!mm)
		return ERR_PTR(-ENOMEM);
	mm->map.obj.memfd = -1;
	mm->hash = attr->map_type == BPF_MAP_TYPE_HASH_OF_MAPS;
	mm->map.max_entries = attr->max_entries;
	int err = meta_from_fd(&mm->meta, attr->inner_map_fd);
	if (!err)
		err = mim_storage(mm, attr);
	if (err) {
		mim_free(&mm->map);
		return ERR_PTR(err);
	}
	return &mm->map;
}

static struct mim_elem *elem_at(const struct mim *mm, u32 idx1)
{
	return (struct mim_elem *)(mm->elems + (u64)(idx1 - 1) * mm->elem_size);
}

static void mim_free(struct bpf_map *map)
{
	struct mim *mm = mim_of(map);

	if (mm->slots) {
		for (u32 i = 0; i < map->max_entries; i++)
			if (mm->slots[i])
				map_put(mm->slots[i]);
		sys_munmap(mm->slots, mm->elems_len);
	}
	if (mm->elems) {
		for (u32 i = 1; i <= mm->used; i++)
			if (elem_at(mm, i)->inner)
				map_put(elem_at(mm, i)->inner);
		sys_munmap(mm->elems, mm->elems_len);
	}
	if (mm->buckets)
		sys_munmap(mm->buckets, mm->buckets_len);
	free(mm);
}

/* ---- hash chains (under lock) ---- */

static u32 hash_key(const struct mim *mm, const void *key)
{
	const u8 *p = key;
	u32 h = 2166136261u;

	for (u32 i = 0; i < mm->map.key_size; i++)
		h = (h ^ __atomic_load_n(&p[i], __ATOMIC_RELAXED)) * 16777619u;
	return h;
}

/* The link that points at key's element (or at the chain's end). */
static u32 *find_link(struct mim *mm, const void *key, u32 hash)
{
	u32 *link = &mm->buckets[hash & (mm->nbuckets - 1)];

	while (*link) {
		struct mim_elem *e = elem_at(mm, *link);
		if (e->hash == hash && !memcmp(e->key, key, mm->map.key_size))
			return link;
		link = &e->next;
	}
	return link;
}

static u32 elem_get(struct mim *mm)
{
	if (mm->free_head) {
		u32 i = mm->free_head;
		mm->free_head = elem_at(mm, i)->next;
		return i;
	}
	return mm->used < mm->map.max_entries ? ++mm->used : 0;
}

/* ---- program side ---- */

/* The inner map at key with a reference for the caller, or NULL. */
static struct bpf_map *mim_lookup_map(struct bpf_map *map, const void *key)
{
	struct mim *mm = mim_of(map);
	struct bpf_map *inner = NULL;
	u32 index = 0;

	if (!mm->hash)
		index = __atomic_load_n((const u32 *)key, __ATOMIC_RELAXED);
	if (!mm->hash && index >= map->max_entries)
		return NULL;
	u32 hash = mm->hash ? hash_key(mm, key) : 0;
	spin_lock_word(&mm->lock);
	if (mm->hash) {
		u32 *link = find_link(mm, key, hash);
		inner = *link ? elem_at(mm, *link)->inner : NULL;
	} else {
		inner = mm->slots[index];
	}
	if (inner)
		map_get(inner);
	spin_unlock_word(&mm->lock);
	return inner;
}

/* ---- user side ---- */

static int mim_lookup_user(struct bpf_map *map, const void *key, void *value, u64 flags)
{
	struct bpf_map *inner = mim_lookup_map(map, key);

	if (!inner)
		return -ENOENT;
	u32 id = inner->obj.id;
	memcpy(value, &id, sizeof(id));
	map_put(inner);
	return 0;
}

static int array_update(struct mim *mm, u32 index, u32 fd, u64 flags)
{
	if (flags != BPF_ANY)
		return -EINVAL;
	if (index >= mm->map.max_entries)
		return -E2BIG;
	struct bpf_map *inner = inner_from_fd(mm, fd);
	if (IS_ERR(inner))
		return (int)PTR_ERR(inner);
	spin_lock_word(&mm->lock);
	struct bpf_map *old = mm->slots[index];
	mm->slots[index] = inner;
	spin_unlock_word(&mm->lock);
	if (old)
		map_put(old);
	return 0;
}

static int hash_update(struct mim *mm, const void *key, u32 fd, u64 flags)
{
	if (flags > BPF_EXIST)
		return -EINVAL;
	struct bpf_map *inner = inner_from_fd(mm, fd), *old = NULL;
	if (IS_ERR(inner))
		return (int)PTR_ERR(inner);
	u32 hash = hash_key(mm, key);
	int err = 0;
	spin_lock_word(&mm->lock);
	u32 *link = find_link(mm, key, hash);
	if (*link && flags == BPF_NOEXIST)
		err = -EEXIST;
	else if (!*link && flags == BPF_EXIST)
		err = -ENOENT;
	else if (*link) {
		old = elem_at(mm, *link)->inner;
		elem_at(mm, *link)->inner = inner;
	} else if (mm->count == mm->map.max_entries) {
		err = -E2BIG;
	} else {
		u32 i = elem_get(mm);
		struct mim_elem *e = elem_at(mm, i);
		memcpy(e->key, key, mm->map.key_size);
		e->hash = hash;
		e->inner = inner;
		e->next = 0;
		*link = i;
		mm->count++;
	}
	spin_unlock_word(&mm->lock);
	if (err)
		old = inner; /* not stored: drop it */
	if (old)
		map_put(old);
	return err;
}

static int mim_update_user(struct bpf_map *map, const void *key, const void *value, u64 flags)
{
	struct mim *mm = mim_of(map);
	u32 fd;

	memcpy(&fd, value, sizeof(fd));
	if (!mm->hash) {
		u32 index;
		memcpy(&index, key, sizeof(index));
		return array_update(mm, index, fd, flags);
	}
	return hash_update(mm, key, fd, flags);
}

static int mim_delete_user(struct bpf_map *map, const void *key)
{
	struct mim *mm = mim_of(map);
	struct bpf_map *old = NULL;
	u32 index = 0;

	if (!mm->hash) {
		memcpy(&index, key, sizeof(index));
		if (index >= map->max_entries)
			return -E2BIG;
	}
	u32 hash = mm->hash ? hash_key(mm, key) : 0;
	spin_lock_word(&mm->lock);
	if (!mm->hash) {
		old = mm->slots[index];
		mm->slots[index] = NULL;
	} else {
		u32 *link = find_link(mm, key, hash);
		if (*link) {
			u32 i = *link;
			struct mim_elem *e = elem_at(mm, i);
			old = e->inner;
			*link = e->next;
			e->inner = NULL;
			e->next = mm->free_head;
			mm->free_head = i;
			mm->count--;
		}
	}
	spin_unlock_word(&mm->lock);
	if (!old)
		return -ENOENT;
	map_put(old);
	return 0;
}

/* Hash order: bucket by bucket, each chain from its head. */
static int hash_next_key(struct mim *mm, const void *key, void *next_key)
{
	u32 b = 0, next = 0;

	spin_lock_word(&mm->lock);
	if (key) {
		u32 hash = hash_key(mm, key), *link = find_link(mm, key, hash);
		if (*link) { /* a key not found restarts from the first, as the kernel */
			next = elem_at(mm, *link)->next;
			b = (hash & (mm->nbuckets - 1)) + 1;
		}
	}
	for (; !next && b < mm->nbuckets; b++)
		next = mm->buckets[b];
	if (next)
		memcpy(next_key, elem_at(mm, next)->key, mm->map.key_size);
	spin_unlock_word(&mm->lock);
	return next ? 0 : -ENOENT;
}

static int mim_get_next_key(struct bpf_map *map, const void *key, void *next_key)
{
	struct mim *mm = mim_of(map);

	return mm->hash ? hash_next_key(mm, key, next_key) : map_index_next_key(map, key, next_key);
}

/* ---- batches ----
 * Arrays take the generic lookup and update batches (the kernel's generic_map_*_batch);
 * hashes also delete, and look up by whole buckets as the kernel's htab batches do.
 * Values are map ids out and descriptors in, as in the single-element commands. */

/* Copies the keys and inner map ids of bucket b (its n elements) to user space at
 * position at, deleting them when del; the deleted maps go to puts[] (put unlocked). */
static int bucket_take(struct mim *mm, u32 b, bool del, char *keys, u32 *ids, struct bpf_map **puts)
{
	u32 n = 0, ks = mm->map.key_size;

	for (u32 *link = &mm->buckets[b]; *link; n++) {
		u32 i = *link;
		struct mim_elem *e = elem_at(mm, i);
		memcpy(keys + (u64)n * ks, e->key, ks);
		ids[n] = e->inner->obj.id;
		if (!del) {
			link = &e->next;
			continue;
		}
		puts[n] = e->inner;
		*link = e->next;
		e->inner = NULL;
		e->next = mm->free_head;
		mm->free_head = i;
		mm->count--;
	}
	return (int)n;
}

static u32 bucket_len(struct mim *mm, u32 b)
{
	u32 n = 0;

	for (u32 i = mm->buckets[b]; i; i = elem_at(mm, i)->next)
		n++;
	return n;
}

/* The kernel's __htab_map_lookup_and_delete_batch: buckets from the in_batch index while
 * whole ones fit in count (ENOSPC when the first does not); ENOENT past the last bucket.
 * out_batch gets the next bucket's index, count the elements copied. */
static int hash_batch(struct mim *mm, union bpf_attr *attr, bool del)
{
	u32 max = attr->batch.count, total = 0, b = 0, ks = mm->map.key_size;
	u32 room = MIN(max, mm->map.max_entries); /* no bucket holds more */
	int err = map_check_elem_flags(&mm->map, attr->batch.elem_flags);

	if (err || attr->batch.flags)
		return err ? err : -EINVAL;
	if (!max)
		return 0;
	if (attr->batch.in_batch && copy_from_user(&b, u64_to_ptr(attr->batch.in_batch), sizeof(b)))
		return -EFAULT;
	if (b >= mm->nbuckets) { /* measured: count 0, as after the last bucket */
		attr->batch.count = 0;
		return -ENOENT;
	}
	char *keys = malloc((size_t)room * (ks + sizeof(u32) + sizeof(void *)));
	if (!keys)
		return -ENOMEM;
	u32 *ids = (u32 *)(keys + (size_t)room * ks);
	struct bpf_map **puts = (struct bpf_map **)(ids + room);
	for (; b < mm->nbuckets; b++) {
		spin_lock_word(&mm->lock);
		u32 n = bucket_len(mm, b);
		if (n > max - total) {
			spin_unlock_word(&mm->lock);
			err = total ? 0 : -ENOSPC;
			break;
		}
		bucket_take(mm, b, del, keys, ids, puts);
		spin_unlock_word(&mm->lock);
		for (u32 i = 0; del && i < n; i++)
			map_put(puts[i]);
		if (copy_to_user(u64_to_ptr(attr->batch.keys + (u64)total * ks), keys,
				 (size_t)n * ks) ||
		    copy_to_user(u64_to_ptr(attr->batch.values + (u64)total * sizeof(u32)), ids,
				 (size_t)n * sizeof(u32))) {
			free(keys);
			return -EFAULT;
		}
		total += n;
	}
	free(keys);
	if (b == mm->nbuckets)
		err = -ENOENT;
	attr->batch.count = total;
	if (copy_to_user(u64_to_ptr(attr->batch.out_batch), &b, sizeof(b)))
		err = -EFAULT;
	return err;
}

static int mim_lookup_batch(struct bpf_map *map, union bpf_attr *attr)
{
	struct mim *mm = mim_of(map);

	return mm->hash ? hash_batch(mm, attr, false) : map_generic_lookup_batch(map, attr);
}

static int mim_lookup_and_delete_batch(struct bpf_map *map, union bpf_attr *attr)
{
	struct mim *mm = mim_of(map);

	return mm->hash ? hash_batch(mm, attr, true) : -ENOTSUPP;
}

static int mim_delete_batch(struct bpf_map *map, union bpf_attr *attr)
{
	return mim_of(map)->hash ? map_generic_delete_batch(map, attr) : -ENOTSUPP;
}

const struct map_ops map_in_map_ops = {
	.alloc_check = mim_alloc_check,
	.alloc = mim_alloc,
	.free = mim_free,
	.lookup_map = mim_lookup_map,
	.lookup_user = mim_lookup_user,
	.update_user = mim_update_user,
	.delete_user = mim_delete_user,
	.get_next_key = mim_get_next_key,
	.lookup_batch = mim_lookup_batch,
	.lookup_and_delete_batch = mim_lookup_and_delete_batch,
	.update_batch = map_generic_update_batch,
	.delete_batch = mim_delete_batch,
};
