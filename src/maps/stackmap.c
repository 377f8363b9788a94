/* STACK_TRACE: stacks stored by bpf_get_stackid, as the kernel's stackmap.c.  The id of a
 * stack is its jhash2 (seed 0, over its addresses) masked to the bucket count (max_entries
 * rounded up to a power of two); a bucket holds one stack, and a different stack hashing to
 * a taken bucket gets -EEXIST unless BPF_F_REUSE_STACKID replaces it.  max_entries
 * preallocated elements; none left is -ENOMEM.  User space looks up (the addresses, then
 * zeroes), deletes, looks up and deletes, and walks ids; it cannot update (EINVAL).  No
 * BTF (ENOTSUPP).
 *
 * Locking: lock (a spinlock word per map, leaf) guards the buckets and the free list;
 * values are copied in and out under it (programs never get a pointer into the map).
 */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "stackmap.h"
#include "../lib/spinlock.h"
#include "../lib/sys.h"

#define STACK_CREATE_FLAG_MASK \
	(BPF_F_NUMA_NODE | BPF_F_RDONLY | BPF_F_WRONLY | BPF_F_STACK_BUILD_ID)
#define DEFAULT_MAX_STACK 127u

struct stack_elem {
	u32 hash, nr;
	u64 data[]; /* value_size bytes: nr entries */
};

/* Memory is reserved at create (the kernel's preallocation, answered as map_reserve does)
 * and touched only as stacks arrive: elements are handed out in order (used of them), then
 * reused from the free stack. */
struct stack_map {
	struct bpf_map map;
	u32 lock;
	u32 n_buckets;
	struct stack_elem **buckets;
	struct stack_elem **free; /* nr_free of them */
	u32 nr_free, used;
	char *elems;
	size_t elems_len, buckets_len, free_len;
};

static struct stack_map *sm_of(const struct bpf_map *map)
{
	return container_of(map, struct stack_map, map);
}

u32 stack_max_depth(void)
{
	static u32 cached;
	u32 v = __atomic_load_n(&cached, __ATOMIC_RELAXED);
	char buf[32];

	if (v)
		return v;
	int fd = open("/proc/sys/kernel/perf_event_max_stack", O_RDONLY | O_CLOEXEC);
	ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
	if (fd >= 0)
		sys_close(fd);
	buf[n > 0 ? n : 0] = 0;
	v = n > 0 ? (u32)strtoul(buf, NULL, 10) : 0;
	v = v ? v : DEFAULT_MAX_STACK;
	__atomic_store_n(&cached, v, __ATOMIC_RELAXED);
	return v;
}

static u32 entry_size(u32 map_flags)
{
	return map_flags & BPF_F_STACK_BUILD_ID ? sizeof(struct bpf_stack_build_id) : sizeof(u64);
}

u32 stackmap_depth(const struct bpf_map *map)
{
	return map->value_size / entry_size(map->map_flags);
}

static int sm_alloc_check(const union bpf_attr *attr)
{
	u32 vs = attr->value_size, entry = entry_size(attr->map_flags);

	if ((attr->map_flags & ~(u32)STACK_CREATE_FLAG_MASK) || !attr->max_entries ||
	    attr->key_size != 4 || vs < 8 || vs % 8 || vs % entry || vs / entry > stack_max_depth())
		return -EINVAL;
	if (attr->max_entries > 1u << 31)
		return -E2BIG;
	return 0;
}

static void sm_free(struct bpf_map *map)
{
	struct stack_map *s = sm_of(map);

	if (s->elems)
		sys_munmap(s->elems, s->elems_len);
	if (s->buckets)
		sys_munmap(s->buckets, s->buckets_len);
	if (s->free)
		sys_munmap(s->free, s->free_len);
	free(s);
}

static size_t elem_stride(u32 value_size)
{
	return sizeof(struct stack_elem) + value_size;
}

static struct bpf_map *sm_alloc(const union bpf_attr *attr)
{
	u32 n = map_roundup_pow2(attr->max_entries);
	u64 len = (u64)attr->max_entries * elem_stride(attr->value_size);
	int err = map_check_kernel_bytes(len + (u64)n * sizeof(void *));

	if (err)
		return ERR_PTR(err);
	struct stack_map *s = calloc(1, sizeof(*s));
	if (!s)
		return ERR_PTR(-ENOMEM);
	s->map.obj.memfd = -1;
	s->n_buckets = n;
	s->elems_len = len;
	s->buckets_len = (size_t)n * sizeof(*s->buckets);
	s->free_len = (size_t)attr->max_entries * sizeof(*s->free);
	s->buckets = map_reserve(s->buckets_len);
	s->free = map_reserve(s->free_len);
	s->elems = map_reserve(len);
	if (!s->buckets || !s->free || !s->elems) {
		sm_free(&s->map);
		return ERR_PTR(-ENOMEM);
	}
	return &s->map;
}

/* The bytes nr entries take in a value. */
static u32 entries_len(const struct bpf_map *map, u32 nr)
{
	return nr * entry_size(map->map_flags);
}

/* A free element (under lock), or NULL when all max_entries hold stacks. */
static struct stack_elem *elem_take(struct stack_map *s)
{
	if (s->nr_free)
		return s->free[--s->nr_free];
	if (s->used == s->map.max_entries)
		return NULL;
	return (void *)(s->elems + (u64)s->used++ * elem_stride(s->map.value_size));
}

/* The stack's entries: its addresses, or for a build-id map its build id entries. */
static const void *entries_of(const struct bpf_map *map, const u64 *ips,
			      const struct bpf_stack_build_id *ids)
{
	return map->map_flags & BPF_F_STACK_BUILD_ID ? (const void *)ids : (const void *)ips;
}

long stackmap_get_id(struct bpf_map *map, const u64 *ips, const struct bpf_stack_build_id *ids,
		     u32 nr, u64 flags)
{
	struct stack_map *s = sm_of(map);
	u32 hash = map_jhash(ips, nr * (u32)sizeof(u64), 0);
	u32 id = hash & (s->n_buckets - 1), len = entries_len(map, nr);
	const void *entries = entries_of(map, ips, ids);
	long ret = id;

	spin_lock_word(&s->lock);
	struct stack_elem *b = s->buckets[id];
	bool hash_matches = b && b->hash == hash;
	if (hash_matches &&
	    ((flags & BPF_F_FAST_STACK_CMP) || (b->nr == nr && !memcmp(b->data, entries, len))))
		goto out;
	if (b && !(flags & BPF_F_REUSE_STACKID)) {
		ret = -EEXIST;
		goto out;
	}
	struct stack_elem *e = elem_take(s);
	if (!e) {
		ret = -ENOMEM;
		goto out;
	}
	e->hash = hash;
	e->nr = nr;
	memcpy(e->data, entries, len);
	s->buckets[id] = e;
	if (b)
		s->free[s->nr_free++] = b;
out:
	spin_unlock_word(&s->lock);
	return ret;
}

static int sm_lookup_user(struct bpf_map *map, const void *key, void *value, u64 flags)
{
	struct stack_map *s = sm_of(map);
	u32 id;
	int err = -ENOENT;

	memcpy(&id, key, sizeof(id));
	if (id >= s->n_buckets)
		return -ENOENT;
	spin_lock_word(&s->lock);
	struct stack_elem *b = s->buckets[id];
	if (b) {
		u32 len = entries_len(map, b->nr);
		memcpy(value, b->data, len);
		memset((char *)value + len, 0, map->value_size - len);
		err = 0;
	}
	spin_unlock_word(&s->lock);
	return err;
}

static int sm_delete_user(struct bpf_map *map, const void *key)
{
	struct stack_map *s = sm_of(map);
	u32 id;

	memcpy(&id, key, sizeof(id));
	if (id >= s->n_buckets)
		return -E2BIG;
	spin_lock_word(&s->lock);
	struct stack_elem *b = s->buckets[id];
	if (b) {
		s->buckets[id] = NULL;
		s->free[s->nr_free++] = b;
	}
	spin_unlock_word(&s->lock);
	return b ? 0 : -ENOENT;
}

static int sm_lookup_and_delete_user(struct bpf_map *map, const void *key, void *value, u64 flags)
{
	int err = sm_lookup_user(map, key, value, flags);

	return err ? err : sm_delete_user(map, key);
}

static int sm_update_user(struct bpf_map *map, const void *key, const void *value, u64 flags)
{
	return -EINVAL;
}

/* The next id holding a stack after key (from the first when key is missing, out of
 * range or empty). */
static int sm_get_next_key(struct bpf_map *map, const void *key, void *next_key)
{
	struct stack_map *s = sm_of(map);
	u32 id = 0;

	spin_lock_word(&s->lock);
	if (key) {
		memcpy(&id, key, sizeof(id));
		id = id < s->n_buckets && s->buckets[id] ? id + 1 : 0;
	}
	while (id < s->n_buckets && !s->buckets[id])
		id++;
	spin_unlock_word(&s->lock);
	if (id >= s->n_buckets)
		return -ENOENT;
	memcpy(next_key, &id, sizeof(id));
	return 0;
}

/* The kernel's map_check_no_btf. */
static int sm_check_btf(const struct bpf_map *map, const struct btf_obj *btf, u32 key_type_id,
			u32 value_type_id)
{
	return -ENOTSUPP;
}

const struct map_ops stack_trace_map_ops = {
	.alloc_check = sm_alloc_check,
	.alloc = sm_alloc,
	.free = sm_free,
	.delete_user = sm_delete_user,
	.lookup_user = sm_lookup_user,
	.update_user = sm_update_user,
	.lookup_and_delete_user = sm_lookup_and_delete_user,
	.get_next_key = sm_get_next_key,
	.check_btf = sm_check_btf,
};
