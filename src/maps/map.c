/* Maps: the generic bpf() commands (create, lookup, update, delete, next key, batch,
 * freeze, info), value copies around the special fields, and the registry of types.
 * Types plug in through struct map_ops; nothing here depends on a particular type.
 *
 * Locking:
 *   freeze_lock (per map, a spinlock word) - orders BPF_MAP_FREEZE against writable
 *                       mmaps (frozen, writable_mmaps).  Leaf lock.
 *   bpf_spin_lock words in values - taken around BPF_F_LOCK copies, as programs take
 *                       them with bpf_spin_lock().  Leaf locks.
 * Everything else is the types' business (see each file).
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "map.h"
#include "redirect.h"
#include "sockmap.h"
#include "../lib/spinlock.h"
#include "../lib/sys.h"
#include "../lib/bpf_newer.h"
#include "../lib/uaccess.h"
#include "../btf/btf.h"

static const struct map_ops *const map_types[] = {
	[BPF_MAP_TYPE_HASH] = &htab_map_ops,
	[BPF_MAP_TYPE_ARRAY] = &array_map_ops,
	[BPF_MAP_TYPE_PROG_ARRAY] = &prog_array_map_ops,
	[BPF_MAP_TYPE_PERCPU_HASH] = &htab_percpu_map_ops,
	[BPF_MAP_TYPE_PERCPU_ARRAY] = &percpu_array_map_ops,
	[BPF_MAP_TYPE_LRU_HASH] = &htab_lru_map_ops,
	[BPF_MAP_TYPE_LRU_PERCPU_HASH] = &htab_lru_percpu_map_ops,
	[BPF_MAP_TYPE_RINGBUF] = &ringbuf_map_ops,
	[BPF_MAP_TYPE_USER_RINGBUF] = &ringbuf_map_ops,
	[BPF_MAP_TYPE_DEVMAP] = &devmap_ops,
	[BPF_MAP_TYPE_DEVMAP_HASH] = &devmap_hash_ops,
	[BPF_MAP_TYPE_CPUMAP] = &cpumap_ops,
	[BPF_MAP_TYPE_XSKMAP] = &xskmap_ops,
	[BPF_MAP_TYPE_ARRAY_OF_MAPS] = &map_in_map_ops,
	[BPF_MAP_TYPE_HASH_OF_MAPS] = &map_in_map_ops,
	[BPF_MAP_TYPE_QUEUE] = &queue_stack_map_ops,
	[BPF_MAP_TYPE_STACK] = &queue_stack_map_ops,
	[BPF_MAP_TYPE_BLOOM_FILTER] = &bloom_map_ops,
	[BPF_MAP_TYPE_LPM_TRIE] = &lpm_trie_map_ops,
	[BPF_MAP_TYPE_CGROUP_ARRAY] = &cgroup_array_map_ops,
	[BPF_MAP_TYPE_PERF_EVENT_ARRAY] = &perf_event_array_map_ops,
	[BPF_MAP_TYPE_TASK_STORAGE] = &local_storage_map_ops,
	[BPF_MAP_TYPE_SK_STORAGE] = &local_storage_map_ops,
	[BPF_MAP_TYPE_INODE_STORAGE] = &local_storage_map_ops,
	[BPF_MAP_TYPE_CGRP_STORAGE] = &local_storage_map_ops,
	[BPF_MAP_TYPE_STACK_TRACE] = &stack_trace_map_ops,
	[BPF_MAP_TYPE_SOCKMAP] = &sockmap_ops,
	[BPF_MAP_TYPE_SOCKHASH] = &sockhash_ops,
};

const struct map_ops *map_ops_for_type(u32 map_type)
{
	return map_type < ARRAY_SIZE(map_types) ? map_types[map_type] : NULL;
}

/* ---- value copies ---- */

void map_value_memcpy(void *dst, const void *src, size_t n)
{
	char *d = dst;
	const char *s = src;

	if ((((uintptr_t)d | (uintptr_t)s) & 7) == 0)
		for (; n >= 8; n -= 8, d += 8, s += 8)
			__atomic_store_n((u64 *)d,
					 __atomic_load_n((const u64 *)s, __ATOMIC_RELAXED),
					 __ATOMIC_RELAXED);
	if ((((uintptr_t)d | (uintptr_t)s) & 3) == 0)
		for (; n >= 4; n -= 4, d += 4, s += 4)
			__atomic_store_n((u32 *)d,
					 __atomic_load_n((const u32 *)s, __ATOMIC_RELAXED),
					 __ATOMIC_RELAXED);
	for (; n; n--, d++, s++)
		__atomic_store_n((u8 *)d, __atomic_load_n((const u8 *)s, __ATOMIC_RELAXED),
				 __ATOMIC_RELAXED);
}

void map_value_memset0(void *dst, size_t n)
{
	char *d = dst;

	if (((uintptr_t)d & 7) == 0)
		for (; n >= 8; n -= 8, d += 8)
			__atomic_store_n((u64 *)d, 0, __ATOMIC_RELAXED);
	for (; n; n--, d++)
		__atomic_store_n((u8 *)d, 0, __ATOMIC_RELAXED);
}

/* Copies every byte but the special fields' (the copy rule all kinds share). */
void map_copy_value(const struct bpf_map *map, void *dst, const void *src)
{
	const struct field_table *t = &map->fields;
	u32 pos = 0;

	for (u32 i = 0; i < t->cnt; i++) {
		map_value_memcpy((char *)dst + pos, (const char *)src + pos, t->f[i].off - pos);
		pos = t->f[i].off + t->f[i].size;
	}
	map_value_memcpy((char *)dst + pos, (const char *)src + pos, map->value_size - pos);
}

void map_copy_value_locked(const struct bpf_map *map, void *dst, const void *src, bool lock_src)
{
	s32 off = map_field_off(map, FIELD_SPIN_LOCK);
	u32 *lock = (u32 *)((char *)(lock_src ? (void *)src : dst) + off);

	spin_lock_word(lock);
	map_copy_value(map, dst, src);
	spin_unlock_word(lock);
}

void map_clear_special(const struct bpf_map *map, void *value)
{
	const struct field_table *t = &map->fields;

	for (u32 i = 0; i < t->cnt; i++)
		map_value_memset0((char *)value + t->f[i].off, t->f[i].size);
}

void map_free_value_fields(struct bpf_map *map, void *value)
{
	if (map->fields.cnt) /* values without fields: no call on the update path */
		field_table_destroy(&map->fields, map, value);
}

/* ---- creation limits ---- */

int map_check_access_flags(u32 flags)
{
	return (flags & BPF_F_RDONLY_PROG) && (flags & BPF_F_WRONLY_PROG) ? -EINVAL : 0;
}

int map_check_kernel_bytes(u64 bytes)
{
	u64 phys = (u64)sysconf(_SC_PHYS_PAGES) * (u64)sysconf(_SC_PAGESIZE);

	return bytes > phys ? -ENOMEM : 0;
}

static void *reserve(size_t len, bool dense)
{
	int prefault = len <= MAP_PREFAULT_MAX ? MAP_POPULATE : 0;
	void *p = sys_mmap(NULL, len, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | prefault, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	if (dense && !prefault)
		madvise(p, len, MADV_HUGEPAGE);
	return p;
}

void *map_reserve(size_t len)
{
	return reserve(len, false);
}

void *map_reserve_dense(size_t len)
{
	return reserve(len, true);
}

void *map_reserve_prealloc(size_t len)
{
	void *p = reserve(len, false); /* up to MAP_PREFAULT_MAX: faulted in already */

	/* In small pages, as the kernel's vmalloc: free 2 MiB blocks are the ones a virtual
	 * machine's balloon reports to its host, which reclaims them, so that faulting in
	 * huge pages costs 2 to 10 times more whenever memory was freed lately (measured:
	 * 160 MB in 116-316 ms, against 54-64 ms in small pages).  A kernel without
	 * MADV_POPULATE_WRITE (5.14) leaves the memory to fault lazily. */
	if (p && len > MAP_PREFAULT_MAX && len <= MAP_PREALLOC_MAX)
		madvise(p, len, MADV_POPULATE_WRITE);
	return p;
}

u64 map_random_seed(void)
{
	u64 seed = 0;

	if (getentropy(&seed, sizeof(seed)))
		seed = (u64)(uintptr_t)&seed ^ (u64)getpid() << 32;
	return seed;
}

/* ---- memory safety ---- */

static bool overlaps_field(const struct bpf_map *map, u64 off, u64 len)
{
	const struct field_table *t = &map->fields;

	for (u32 i = 0; i < t->cnt; i++)
		if (off < (u64)t->f[i].off + t->f[i].size && t->f[i].off < off + len)
			return true;
	return false;
}

bool map_region_contains(const struct bpf_map *map, u64 addr, u64 size)
{
	u64 value, in_value;

	if (!map_value_at(map, addr, &value, &in_value) || size > map->region.value_len - in_value)
		return false;
	return !overlaps_field(map, in_value, size);
}

/* ---- objects ---- */

/* The kernel allocates every value at creation unless BPF_F_NO_PREALLOC (arrays,
 * preallocated hash and LRU maps): so may their fields' owners, while the map lives
 * (sign 1 at its creation, -1 at its free). */
static void reserve_fields(const struct bpf_map *map, s64 sign)
{
	if (!(map->map_flags & BPF_F_NO_PREALLOC))
		field_kinds_reserve(map->fields.kinds, sign * (s64)map->max_entries);
}

static void map_obj_free(struct obj *o)
{
	struct bpf_map *map = map_of(o);
	struct btf_obj *btf = map->btf;
	u32 kinds = map->fields.kinds; /* map->fields goes with the map */

	reserve_fields(map, -1);
	field_kinds_batch(kinds, true);
	map->ops->free(map);
	field_kinds_batch(kinds, false);
	btf_obj_put(btf);
}

static void free_async_fields_cb(struct bpf_map *map, void *value, void *arg)
{
	(void)arg;
	field_table_destroy_kinds(&map->fields, FIELD_ASYNC_KINDS, map, value);
}

/* Last descriptor and pin gone: the kernel's map_release_uref, which stops the values'
 * timers and work items (FIELD_ASYNC_KINDS); what else they hold goes with the map. */
static void map_obj_release_user(struct obj *o)
{
	struct bpf_map *map = map_of(o);
	u32 async = map->fields.kinds & FIELD_ASYNC_KINDS;

	if (map->ops->release_user)
		map->ops->release_user(map);
	if (async && map->ops->for_each_value) {
		field_kinds_batch(async, true);
		map->ops->for_each_value(map, free_async_fields_cb, NULL);
		field_kinds_batch(async, false);
	}
}

static const struct obj_ops map_obj_ops = {
	.free = map_obj_free,
	.release_user = map_obj_release_user,
};

struct bpf_map *map_from_fd(int fd, u32 *fd_flags)
{
	struct obj *o = obj_from_fd(fd, OBJ_MAP, fd_flags);

	return IS_ERR(o) ? (struct bpf_map *)o : map_of(o);
}

/* ---- BPF_MAP_CREATE ---- */

static bool numa_node_online(u32 node)
{
	char path[64];

	snprintf(path, sizeof(path), "/sys/devices/system/node/node%u", node);
	return node == 0 || sys_access(path, F_OK) == 0;
}

static int check_create_attr(const union bpf_attr *attr)
{
	if (attr->btf_vmlinux_value_type_id) /* only struct_ops maps, which we lack */
		return -EINVAL;
	if (attr->btf_key_type_id && !attr->btf_value_type_id)
		return -EINVAL;
	if (attr->map_extra && attr->map_type != BPF_MAP_TYPE_BLOOM_FILTER)
		return -EINVAL;
	if ((attr->map_flags & BPF_F_RDONLY) && (attr->map_flags & BPF_F_WRONLY))
		return -EINVAL;
	if ((attr->map_flags & BPF_F_NUMA_NODE) && !numa_node_online(attr->numa_node))
		return -EINVAL;
	return 0;
}

/* The value type's table of special fields, built once here; which map types may hold
 * which kinds, as the kernel's map_check_btf. */
static int find_special_fields(struct bpf_map *map, const struct btf_obj *btf, u32 value_id)
{
	int err = btf_find_fields(btf, value_id, map->value_size, &map->fields);

	if (err || !map->fields.cnt)
		return err;
	if (map->map_flags & (BPF_F_RDONLY_PROG | BPF_F_WRONLY_PROG))
		return -EACCES;
	if (map->fields.kinds & ~map->ops->field_kinds)
		return -EOPNOTSUPP;
	return 0;
}

static int attach_btf(struct bpf_map *map, const union bpf_attr *attr)
{
	if (!attr->btf_key_type_id && !attr->btf_value_type_id)
		return 0;
	struct btf_obj *btf = btf_from_fd((int)attr->btf_fd);
	if (IS_ERR(btf))
		return (int)PTR_ERR(btf);
	map->btf = btf;
	u32 key_id = attr->btf_key_type_id, value_id = attr->btf_value_type_id;
	if (key_id) {
		if (btf_type_size(btf, key_id) != (long)map->key_size)
			return -EINVAL;
	} else if (!map->ops->check_btf) {
		return -EINVAL;
	}
	if (btf_type_size(btf, value_id) != (long)map->value_size)
		return -EINVAL;
	int err = find_special_fields(map, btf, value_id);
	if (!err && map->ops->check_btf)
		err = map->ops->check_btf(map, btf, key_id, value_id);
	if (err)
		return err;
	map->btf_key_type_id = key_id;
	map->btf_value_type_id = value_id;
	return 0;
}

int map_create(union bpf_attr *attr, union bpf_attr *uattr, u32 size)
{
	const struct map_ops *ops = map_ops_for_type(attr->map_type);
	int err = check_create_attr(attr);

	if (err)
		return err;
	if (!ops)
		return -EINVAL;
	if (ops->alloc_check && (err = ops->alloc_check(attr)))
		return err;
	if (attr->map_ifindex) /* device offload: no such device here */
		return -EOPNOTSUPP;
	struct bpf_map *map = ops->alloc(attr);
	if (IS_ERR(map))
		return (int)PTR_ERR(map);
	int memfd = map->obj.memfd; /* set by alloc for mmapable maps; obj_init resets it */
	map->region.stride_inv = map_region_inverse(map->region.stride);
	map->ops = ops;
	map->map_type = attr->map_type;
	map->key_size = attr->key_size;
	map->value_size = attr->value_size;
	map->map_extra = attr->map_extra;
	if (!map->max_entries) /* the type may have adjusted it */
		map->max_entries = attr->max_entries;
	map->map_flags = attr->map_flags & ~(u32)(BPF_F_RDONLY | BPF_F_WRONLY);
	map->map_flags |= ops->forced_flags;
	map->numa_node = (attr->map_flags & BPF_F_NUMA_NODE) ? attr->numa_node : (u32)-1;
	field_table_init(&map->fields);
	err = obj_name_copy(map->name, attr->map_name, sizeof(attr->map_name));
	if (!err)
		err = attach_btf(map, attr);
	if (!err)
		err = obj_init(&map->obj, OBJ_MAP, &map_obj_ops);
	map->obj.memfd = memfd;
	if (err) {
		btf_obj_put(map->btf);
		ops->free(map);
		return err;
	}
	reserve_fields(map, 1); /* undone by map_obj_free, whatever happens next */
	int fd = obj_fd_new(&map->obj, attr->map_flags & (BPF_F_RDONLY | BPF_F_WRONLY));
	map_put(map); /* the descriptor holds it now, or it goes */
	return fd;
}

/* ---- element commands ---- */

static bool can_read(u32 fd_flags)
{
	return !(fd_flags & BPF_F_WRONLY);
}

static bool can_write(const struct bpf_map *map, u32 fd_flags)
{
	return !(fd_flags & BPF_F_RDONLY) && !__atomic_load_n(&map->frozen, __ATOMIC_ACQUIRE);
}

int map_check_elem_flags(const struct bpf_map *map, u64 flags)
{
	if (flags & ~(u64)BPF_F_LOCK)
		return -EINVAL;
	if ((flags & BPF_F_LOCK) && map_field_off(map, FIELD_SPIN_LOCK) == FIELD_NONE)
		return -EINVAL;
	return 0;
}

/* The command's own copies of a key and a value (the kernel's key and value buffers):
 * caller memory is only read and written with copy_from_user/copy_to_user, and the map
 * types work on these.  Small ones live on the stack. */
struct kbuf {
	void *key, *value;
	void *heap;
	u64 small[64];
};

static int kbuf_init(struct kbuf *b, size_t key_size, size_t value_size)
{
	size_t key_room = ROUND_UP(key_size, 8);
	char *p = (char *)b->small;

	b->heap = NULL;
	if (key_room + value_size > sizeof(b->small)) {
		p = b->heap = malloc(key_room + value_size);
		if (!p)
			return -ENOMEM;
	}
	b->key = p;
	b->value = p + key_room;
	return 0;
}

static void kbuf_free(struct kbuf *b)
{
	free(b->heap);
}

/* Element i of a caller's array of elements of size bytes (no pointer arithmetic on
 * pointers that may be bad). */
static void *user_elem(u64 base, u32 i, u32 size)
{
	return u64_to_ptr(base + (u64)i * size);
}

enum access { ACC_READ = 1, ACC_WRITE = 2 };

/* The map of fd, checked for the access the command needs (EPERM). */
static struct bpf_map *map_for(u32 fd, int access)
{
	u32 fd_flags = 0;
	struct bpf_map *map = map_from_fd((int)fd, &fd_flags);

	if (IS_ERR(map))
		return map;
	if (((access & ACC_READ) && !can_read(fd_flags)) ||
	    ((access & ACC_WRITE) && !can_write(map, fd_flags))) {
		map_put(map);
		return ERR_PTR(-EPERM);
	}
	return map;
}

static int lookup_user(struct bpf_map *map, const void *key, void *value, u64 flags)
{
	return map->ops->lookup_user ? map->ops->lookup_user(map, key, value, flags) : -ENOTSUPP;
}

static int delete_user(struct bpf_map *map, const void *key)
{
	if (map->ops->delete_user)
		return map->ops->delete_user(map, key);
	return map->ops->delete ? (int)map->ops->delete (map, key) : -EINVAL;
}

static int update_user(struct bpf_map *map, const void *key, const void *value, u64 flags)
{
	if (map->ops->update_user)
		return map->ops->update_user(map, key, value, flags);
	return map->ops->update ? (int)map->ops->update(map, key, value, flags) : -ENOTSUPP;
}

/* Room an element command needs after the key in its kbuf. */
enum elem_room { ROOM_NONE, ROOM_KEY, ROOM_VALUE };

/* The start the element commands share, in the kernel's order: the map of fd checked for
 * `access`, BPF_F_LOCK in lock_flags checked, the command's buffers, the caller's key
 * copied in (none when the key is optional and absent: GET_NEXT_KEY's first key).
 * Returns the map, or ERR_PTR with nothing left to release; elem_end() releases both. */
static struct bpf_map *elem_begin(u32 fd, int access, u64 lock_flags, u64 ukey, bool key_optional,
				  enum elem_room room, struct kbuf *b)
{
	struct bpf_map *map = map_for(fd, access);

	if (IS_ERR(map))
		return map;
	u32 room_size = room == ROOM_VALUE ? map_user_value_size(map) :
			room == ROOM_KEY   ? map->key_size :
					     0;
	int err = map_check_elem_flags(map, lock_flags);
	if (!err)
		err = kbuf_init(b, map->key_size, room_size);
	if (err) {
		map_put(map);
		return ERR_PTR(err);
	}
	/* the kernel's __bpf_copy_key: a keyless map (ring buffers, queues) takes no key */
	if (ukey && !map->key_size)
		err = -EINVAL;
	else if (ukey || !key_optional)
		err = copy_from_user(b->key, u64_to_ptr(ukey), map->key_size);
	if (err) {
		kbuf_free(b);
		map_put(map);
		return ERR_PTR(err);
	}
	return map;
}

static int elem_end(struct bpf_map *map, struct kbuf *b, int err)
{
	kbuf_free(b);
	map_put(map);
	return err;
}

int map_lookup_elem(union bpf_attr *attr, union bpf_attr *uattr, u32 size)
{
	struct kbuf b;

	if (attr->flags & ~(u64)BPF_F_LOCK)
		return -EINVAL;
	struct bpf_map *map = elem_begin(attr->map_fd, ACC_READ, attr->flags, attr->key, false,
					 ROOM_VALUE, &b);
	if (IS_ERR(map))
		return (int)PTR_ERR(map);
	if (map->ops->lookup_reads_value) {
		int err = copy_from_user(b.value, u64_to_ptr(attr->value), map->value_size);
		return elem_end(map, &b, err ? err : lookup_user(map, b.key, b.value, attr->flags));
	}
	int err = lookup_user(map, b.key, b.value, attr->flags);
	if (!err)
		err = copy_to_user(u64_to_ptr(attr->value), b.value, map_user_value_size(map));
	return elem_end(map, &b, err);
}

int map_update_elem(union bpf_attr *attr, union bpf_attr *uattr, u32 size)
{
	struct kbuf b;
	struct bpf_map *map = elem_begin(attr->map_fd, ACC_WRITE, attr->flags & BPF_F_LOCK,
					 attr->key, false, ROOM_VALUE, &b);

	if (IS_ERR(map))
		return (int)PTR_ERR(map);
	int err = copy_from_user(b.value, u64_to_ptr(attr->value), map_user_value_size(map));
	if (!err)
		err = update_user(map, b.key, b.value, attr->flags);
	return elem_end(map, &b, err);
}

int map_delete_elem(union bpf_attr *attr, union bpf_attr *uattr, u32 size)
{
	struct kbuf b;
	struct bpf_map *map = elem_begin(attr->map_fd, ACC_WRITE, 0, attr->key, false, ROOM_NONE,
					 &b);

	if (IS_ERR(map))
		return (int)PTR_ERR(map);
	return elem_end(map, &b, delete_user(map, b.key));
}

int map_get_next_key(union bpf_attr *attr, union bpf_attr *uattr, u32 size)
{
	struct kbuf b;
	struct bpf_map *map = elem_begin(attr->map_fd, ACC_READ, 0, attr->key, true, ROOM_KEY, &b);

	if (IS_ERR(map))
		return (int)PTR_ERR(map);
	const void *key = attr->key ? b.key : NULL; /* no key: the first one */
	int err = map->ops->get_next_key ? map->ops->get_next_key(map, key, b.value) : -ENOTSUPP;
	if (!err)
		err = copy_to_user(u64_to_ptr(attr->next_key), b.value, map->key_size);
	return elem_end(map, &b, err);
}

int map_lookup_and_delete_elem(union bpf_attr *attr, union bpf_attr *uattr, u32 size)
{
	struct kbuf b;

	if (attr->flags & ~(u64)BPF_F_LOCK)
		return -EINVAL;
	struct bpf_map *map = elem_begin(attr->map_fd, ACC_READ | ACC_WRITE, attr->flags, attr->key,
					 false, ROOM_VALUE, &b);
	if (IS_ERR(map))
		return (int)PTR_ERR(map);
	int err = map->ops->lookup_and_delete_user ?
			  map->ops->lookup_and_delete_user(map, b.key, b.value, attr->flags) :
			  -ENOTSUPP;
	if (!err) /* as the kernel: the element is gone even when this fails */
		err = copy_to_user(u64_to_ptr(attr->value), b.value, map_user_value_size(map));
	return elem_end(map, &b, err);
}

/* ---- freeze and mmap ---- */

static bool has_special_fields(const struct bpf_map *map)
{
	return map->fields.cnt > 0;
}

static void freeze_lock(struct bpf_map *map)
{
	spin_lock_word(&map->freeze_lock);
}

static void freeze_unlock(struct bpf_map *map)
{
	spin_unlock_word(&map->freeze_lock);
}

int map_freeze(union bpf_attr *attr, union bpf_attr *uattr, u32 size)
{
	u32 fd_flags = 0;
	struct bpf_map *map = map_from_fd((int)attr->map_fd, &fd_flags);
	int err = 0;

	if (IS_ERR(map))
		return (int)PTR_ERR(map);
	if (has_special_fields(map))
		err = -ENOTSUPP;
	else if (!can_write(map, fd_flags))
		err = -EPERM;
	if (!err) {
		freeze_lock(map);
		if (map->writable_mmaps || map->frozen)
			err = -EBUSY;
		else
			__atomic_store_n(&map->frozen, true, __ATOMIC_RELEASE);
		freeze_unlock(map);
	}
	map_put(map);
	return err;
}

static bool writable_shared(int prot, int flags)
{
	return (prot & PROT_WRITE) && (flags & MAP_SHARED);
}

int map_mmap_check(struct bpf_map *map, int prot, int flags, bool count)
{
	int err = 0;

	if (!map->ops->can_mmap || has_special_fields(map))
		return -ENOTSUPP;
	if (!(flags & MAP_SHARED))
		return -EINVAL;
	freeze_lock(map);
	if (prot & PROT_WRITE) {
		if (map->frozen)
			err = -EPERM;
		else if (map->map_flags & BPF_F_RDONLY_PROG)
			err = -EACCES;
	}
	if (!err && !map->ops->mmap_layout && !(map->map_flags & BPF_F_MMAPABLE))
		err = -EINVAL;
	if (!err && count && writable_shared(prot, flags))
		map->writable_mmaps++;
	freeze_unlock(map);
	return err;
}

void map_mmap_unmapped(struct bpf_map *map, int prot, int flags)
{
	if (!writable_shared(prot, flags))
		return;
	freeze_lock(map);
	map->writable_mmaps--;
	freeze_unlock(map);
}

/* ---- batches ---- */

int map_index_next_key(struct bpf_map *map, const void *key, void *next_key)
{
	u32 index = UINT32_MAX, next = 0;

	if (key)
		memcpy(&index, key, sizeof(index));
	if (index < map->max_entries) {
		if (index == map->max_entries - 1)
			return -ENOENT;
		next = index + 1;
	}
	memcpy(next_key, &next, sizeof(next));
	return 0;
}

/* The kernel's generic_map_lookup_batch: walks get_next_key from the in_batch key; the
 * token is the last key returned.  Elements deleted meanwhile are skipped; a copy to the
 * caller that fails ends the batch with EFAULT and a count of 0. */
int map_generic_lookup_batch(struct bpf_map *map, union bpf_attr *attr)
{
	u32 ks = map->key_size, vsize = map_user_value_size(map), max = attr->batch.count, cp = 0;
	int err = map_check_elem_flags(map, attr->batch.elem_flags);
	struct kbuf b;

	if (err || !max)
		return err;
	attr->batch.count = 0;
	size_t key_room = ROUND_UP((size_t)ks, 8);
	err = kbuf_init(&b, 2 * key_room, vsize); /* previous key, key; value */
	if (err)
		return err;
	char *prev = NULL, *prev_buf = b.key, *key = (char *)b.key + key_room;
	if (attr->batch.in_batch) {
		err = copy_from_user(prev_buf, u64_to_ptr(attr->batch.in_batch), ks);
		if (err)
			goto out;
		prev = prev_buf;
	}
	while (cp < max) {
		err = map->ops->get_next_key(map, prev, key);
		if (err)
			break;
		err = lookup_user(map, key, b.value, attr->batch.elem_flags);
		if (err && err != -ENOENT)
			goto out;
		if (!err) {
			if (copy_to_user(user_elem(attr->batch.keys, cp, ks), key, ks) ||
			    copy_to_user(user_elem(attr->batch.values, cp, vsize), b.value,
					 vsize)) {
				err = -EFAULT;
				goto out;
			}
			cp++;
		}
		char *next = prev ? prev : prev_buf;
		prev = key;
		key = next;
	}
	attr->batch.count = cp;
	if (cp && copy_to_user(u64_to_ptr(attr->batch.out_batch), prev, ks))
		err = -EFAULT;
out:
	kbuf_free(&b);
	return err;
}

/* The kernel's generic_map_update_batch / delete_batch: element by element until one
 * fails; count reports the elements done. */
static int generic_write_batch(struct bpf_map *map, union bpf_attr *attr, bool update)
{
	u32 ks = map->key_size, vsize = update ? map_user_value_size(map) : 0,
	    max = attr->batch.count, cp;
	struct kbuf b;

	if (!max)
		return 0;
	attr->batch.count = 0;
	int err = kbuf_init(&b, ks, vsize);
	if (err)
		return err;
	for (cp = 0; cp < max; cp++) {
		if (copy_from_user(b.key, user_elem(attr->batch.keys, cp, ks), ks) ||
		    copy_from_user(b.value, user_elem(attr->batch.values, cp, vsize), vsize)) {
			err = -EFAULT;
			break;
		}
		err = update ? update_user(map, b.key, b.value, attr->batch.elem_flags) :
			       delete_user(map, b.key);
		if (err)
			break;
	}
	attr->batch.count = cp;
	kbuf_free(&b);
	return err;
}

int map_generic_update_batch(struct bpf_map *map, union bpf_attr *attr)
{
	int err = map_check_elem_flags(map, attr->batch.elem_flags);

	return err ? err : generic_write_batch(map, attr, true);
}

int map_generic_delete_batch(struct bpf_map *map, union bpf_attr *attr)
{
	if (attr->batch.elem_flags & ~(u64)BPF_F_LOCK)
		return -EINVAL;
	return generic_write_batch(map, attr, false);
}

typedef int (*batch_fn)(struct bpf_map *map, union bpf_attr *attr);

/* The kernel's bpf_map_do_batch: permissions, then the type's function (ENOTSUPP when
 * it has none).  The type's function counts in attr->batch.count what it processed,
 * which goes back to the caller even when it fails (and out_batch, written directly). */
static int do_batch(union bpf_attr *attr, union bpf_attr *uattr, int access, size_t fn_off)
{
	struct bpf_map *map = map_for(attr->batch.map_fd, access);

	if (IS_ERR(map))
		return (int)PTR_ERR(map);
	batch_fn fn = *(const batch_fn *)((const char *)map->ops + fn_off);
	int err = fn ? fn(map, attr) : -ENOTSUPP;
	map_put(map);
	uattr->batch.count = attr->batch.count;
	return err;
}

int map_lookup_batch(union bpf_attr *attr, union bpf_attr *uattr, u32 size)
{
	return do_batch(attr, uattr, ACC_READ, offsetof(struct map_ops, lookup_batch));
}

int map_lookup_and_delete_batch(union bpf_attr *attr, union bpf_attr *uattr, u32 size)
{
	return do_batch(attr, uattr, ACC_READ | ACC_WRITE,
			offsetof(struct map_ops, lookup_and_delete_batch));
}

int map_update_batch(union bpf_attr *attr, union bpf_attr *uattr, u32 size)
{
	return do_batch(attr, uattr, ACC_WRITE, offsetof(struct map_ops, update_batch));
}

int map_delete_batch(union bpf_attr *attr, union bpf_attr *uattr, u32 size)
{
	return do_batch(attr, uattr, ACC_WRITE, offsetof(struct map_ops, delete_batch));
}

/* ---- info ---- */

int map_get_info(struct bpf_map *map, struct bpf_map_info *info)
{
	memset(info, 0, sizeof(*info));
	info->type = map->map_type;
	info->id = map->obj.id;
	info->key_size = map->key_size;
	info->value_size = map->value_size;
	info->max_entries = map->max_entries;
	info->map_flags = map->map_flags;
	info->map_extra = map->map_extra;
	memcpy(info->name, map->name, sizeof(info->name));
	if (map->btf) {
		info->btf_id = map->btf->obj.id;
		info->btf_key_type_id = map->btf_key_type_id;
		info->btf_value_type_id = map->btf_value_type_id;
	}
	info->btf_vmlinux_value_type_id = map->btf_vmlinux_value_type_id;
	return 0;
}
