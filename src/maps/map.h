/* Maps: the generic part shared by every map type, and the ops table each type fills.
 *
 * The core (map.c, the bpf() commands) never switches on map_type: it validates the
 * attributes common to all maps, finds the special fields in the value's BTF, and calls
 * the type's ops.  One file per type: arraymap.c (ARRAY, PERCPU_ARRAY, PROG_ARRAY),
 * hashtab.c (HASH, PERCPU_HASH, LRU_HASH, LRU_PERCPU_HASH), ringbuf.c (RINGBUF,
 * USER_RINGBUF), map_in_map.c (ARRAY_OF_MAPS, HASH_OF_MAPS), queue_stack.c (QUEUE,
 * STACK), bloom.c (BLOOM_FILTER), lpm_trie.c (LPM_TRIE), cgroup_array.c (CGROUP_ARRAY),
 * perf_event_array.c (PERF_EVENT_ARRAY), local_storage.c (TASK_STORAGE, SK_STORAGE,
 * INODE_STORAGE, CGRP_STORAGE), stackmap.c (STACK_TRACE), sockmap.c (SOCKMAP, SOCKHASH).
 *
 * Memory: every value a program may touch lives in the map's value region (one
 * contiguous reservation: base + i * stride + value_off, value_len bytes), and that memory
 * stays mapped until the map is freed.  A deleted element may be reused by a later insert
 * (as the kernel does for preallocated hash maps) but is never unmapped while a program
 * holding the map runs: no use-after-free is possible.  The interpreter checks program
 * pointers against these regions (map_region_contains()).
 *
 * Locking is per type (see each file).  ops->lookup and friends may be called from any
 * thread at any time, concurrently with each other.
 */
#ifndef BPFRUN_MAP_H
#define BPFRUN_MAP_H

#include "../lib/common.h"
#include "../obj/object.h"
#include "../btf/fields.h"

struct bpf_map;
struct bpf_prog;
struct btf_obj;
struct exec_ctx;

/* Where a map's values are: slot i is base + i*stride, its value bytes start at
 * value_off and are value_len long.  count slots.  stride_inv: ceil(2^64 / stride) when
 * stride is below 2^32, else 0; map_create() sets it (see map_region_slot). */
struct map_region {
	char *base;
	u64 stride;
	u32 value_off;
	u32 value_len;
	u64 count;
	u64 stride_inv;
};

/* rel / r->stride.  A multiplication by the inverse rather than a division (a division
 * was a third of a timer helper's argument check): exact for rel and stride below 2^32,
 * as the error of the rounded-up inverse, below rel / 2^64 < 2^-32, never reaches the
 * next integer (the fraction of rel / stride is at most 1 - 1/stride). */
static inline u64 map_region_slot(const struct map_region *r, u64 rel)
{
	if (likely(r->stride_inv && rel <= UINT32_MAX))
		return (u64)(((unsigned __int128)rel * r->stride_inv) >> 64);
	return rel / r->stride;
}

/* The inverse map_region_slot uses, for a region's stride. */
static inline u64 map_region_inverse(u64 stride)
{
	return stride > 1 && stride <= UINT32_MAX ? UINT64_MAX / stride + 1 : 0;
}

/* for_each callback: returns 0 to continue, 1 to stop.  A walk that examines slots
 * without elements (hash buckets) also calls it with key and value NULL every
 * MAP_WALK_TICK slots, so that the caller can account for that work and stop the walk. */
typedef long (*map_each_fn)(struct bpf_map *map, void *key, void *value, void *arg);
#define MAP_WALK_TICK 1024

/* A piece of a mapping of a map: len bytes at offset `at` of the mapping show the map's
 * file from file_off (map_mmap_layout). */
#define MAP_MMAP_PIECES 2
struct map_mmap_piece {
	u64 at, file_off, len;
};

struct map_ops {
	/* Type-specific attribute checks at BPF_MAP_CREATE (after the generic ones). */
	int (*alloc_check)(const union bpf_attr *attr);
	/* Allocates the type's struct (which embeds struct bpf_map first) and its storage.
	 * The generic fields are filled by the caller before and after. ERR_PTR on error. */
	struct bpf_map *(*alloc)(const union bpf_attr *attr);
	void (*free)(struct bpf_map *map);

	/* ---- program side (helpers) ---- */
	/* Pointer to the value (the current CPU's copy for per-CPU maps), or NULL. */
	void *(*lookup)(struct bpf_map *map, const void *key);
	/* Update from a program: per-CPU maps write the current CPU's copy. */
	long (*update)(struct bpf_map *map, const void *key, const void *value, u64 flags);
	long (*delete)(struct bpf_map *map, const void *key);
	/* Maps of maps: the inner map at key with a reference for the caller, or NULL (a
	 * program's lookup returns the map itself). */
	struct bpf_map *(*lookup_map)(struct bpf_map *map, const void *key);
	/* Keyless maps (QUEUE, STACK, BLOOM_FILTER): bpf_map_push_elem / pop / peek, on
	 * value_size bytes; the kernel's errors. */
	long (*push)(struct bpf_map *map, const void *value, u64 flags);
	long (*pop)(struct bpf_map *map, void *value);
	long (*peek)(struct bpf_map *map, void *value);
	/* Per-CPU maps: pointer to cpu's copy, or NULL. */
	void *(*lookup_percpu)(struct bpf_map *map, const void *key, u32 cpu);
	/* bpf_for_each_map_elem: returns the number of elements visited. */
	long (*for_each)(struct bpf_map *map, map_each_fn fn, void *arg);

	/* ---- user side (syscall commands) ---- */
	/* Copies the value out in user-space layout (per-CPU: every CPU, each rounded up to 8
	 * bytes), special fields zeroed.  flags: BPF_F_LOCK. */
	int (*lookup_user)(struct bpf_map *map, const void *key, void *value, u64 flags);
	/* Update from user space (per-CPU layout for per-CPU maps). NULL: use update. */
	int (*update_user)(struct bpf_map *map, const void *key, const void *value, u64 flags);
	/* Delete from user space. NULL: use delete. */
	int (*delete_user)(struct bpf_map *map, const void *key);
	int (*lookup_and_delete_user)(struct bpf_map *map, const void *key, void *value, u64 flags);
	int (*get_next_key)(struct bpf_map *map, const void *key, void *next_key);

	/* Calls fn on the value of every element slot ever used, live or free (for timers:
	 * cancel and free all; a program may have armed a timer in an element it had
	 * deleted, as in the kernel, whose free path walks every preallocated element). */
	void (*for_each_value)(struct bpf_map *map,
			       void (*fn)(struct bpf_map *, void *value, void *arg), void *arg);
	/* Key of the element whose value is at `value` (hash: the element's key; array: the
	 * index written to *tmp). Used to call timer callbacks with (map, key, value). */
	void *(*key_of_value)(struct bpf_map *map, void *value, u32 *tmp);

	/* Prog array (tail calls): the program at index with a reference for the caller
	 * (prog_put it), or NULL.  Safe against concurrent updates (see arraymap.c). */
	struct bpf_prog *(*prog_at)(struct bpf_map *map, u32 index);

	/* Value BTF checks beyond the sizes (key kind, keyless .data/.bss arrays); NULL
	 * means a key type id is required. */
	int (*check_btf)(const struct bpf_map *map, const struct btf_obj *btf, u32 key_type_id,
			 u32 value_type_id);
	/* Prog arrays: binds the map to the first program that uses it (stored in a slot or
	 * loaded with the map among its maps); false when prog differs from that owner. */
	bool (*prog_compatible)(struct bpf_map *map, const struct bpf_prog *prog);
	/* The map lost its last user reference (prog arrays drop their programs). */
	void (*release_user)(struct bpf_map *map);
	/* Batch commands; NULL: -ENOTSUPP.  The map_generic_* ones below fit any type that
	 * has get_next_key/lookup_user/update_user/delete. */
	int (*lookup_batch)(struct bpf_map *map, union bpf_attr *attr);
	int (*lookup_and_delete_batch)(struct bpf_map *map, union bpf_attr *attr);
	int (*update_batch)(struct bpf_map *map, union bpf_attr *attr);
	int (*delete_batch)(struct bpf_map *map, union bpf_attr *attr);

	/* mmap(2) for types whose mapping is not the memfd's bytes at the same offsets (ring
	 * buffers map their data pages twice): after map_mmap_check, the type's own checks of
	 * a mapping of [off, off + len) (len rounded up to pages) with prot, as the kernel's
	 * map_mmap makes them, then the pieces as map_mmap_layout returns them.  NULL: the
	 * memfd's bytes, within the file. */
	int (*mmap_layout)(struct bpf_map *map, u64 off, u64 len, int prot,
			   struct map_mmap_piece *pieces);

	u32 forced_flags; /* map_flags the type always sets (devmaps: BPF_F_RDONLY_PROG) */
	u32 field_kinds;  /* FIELD_BIT()s of the special fields values may hold */
	bool can_mmap;    /* mmap(2) is possible (with BPF_F_MMAPABLE) */
	/* BPF_MAP_LOOKUP_ELEM reads the caller's value and writes nothing back (a bloom
	 * filter's membership test). */
	bool lookup_reads_value;
};

/* get_next_key of the types keyed by a u32 index below max_entries (arrays, maps of maps,
 * cgroup arrays, devmaps): the index after key; the first one when key is NULL or out of
 * range; -ENOENT after the last. */
int map_index_next_key(struct bpf_map *map, const void *key, void *next_key);
int map_generic_lookup_batch(struct bpf_map *map, union bpf_attr *attr);
int map_generic_update_batch(struct bpf_map *map, union bpf_attr *attr);
int map_generic_delete_batch(struct bpf_map *map, union bpf_attr *attr);
/* Checks common to the batch commands' elem_flags (BPF_F_LOCK only, and only with a
 * spin lock): 0 or -EINVAL. */
int map_check_elem_flags(const struct bpf_map *map, u64 flags);

struct bpf_map {
	struct obj obj;
	const struct map_ops *ops;
	u32 map_type, key_size, value_size, max_entries, map_flags, numa_node;
	u64 map_extra;
	u32 ifindex;
	char name[BPF_OBJ_NAME_LEN];
	struct btf_obj *btf; /* referenced, may be NULL */
	u32 btf_key_type_id, btf_value_type_id, btf_vmlinux_value_type_id;

	/* The special fields of the value type (bpf_spin_lock, bpf_timer), from its BTF. */
	struct field_table fields;

	struct map_region region;
	bool frozen;         /* under freeze_lock */
	long writable_mmaps; /* for freeze vs mmap, under freeze_lock */
	u32 freeze_lock;     /* spinlock word (lib/spinlock.h) */
};

/* Registry of types, indexed by map_type; NULL entries are unsupported types. */
const struct map_ops *map_ops_for_type(u32 map_type);

/* Copies a value into map memory without touching the special fields (timer and
 * spin_lock bytes are never copied, as in the kernel). */
void map_copy_value(const struct bpf_map *map, void *dst, const void *src);
/* Same, holding dst's bpf_spin_lock (BPF_F_LOCK). */
void map_copy_value_locked(const struct bpf_map *map, void *dst, const void *src, bool lock_src);
/* memcpy with relaxed atomic accesses: map values are shared with programs and other
 * threads that race on them as in the kernel, which must not be undefined behaviour. */
void map_value_memcpy(void *dst, const void *src, size_t n);
void map_value_memset0(void *dst, size_t n);
/* Zeroes the special fields of a value copied out to user space. */
void map_clear_special(const struct bpf_map *map, void *value);
/* Called by the types when an element's value is overwritten or freed: runs each field's
 * destructor, e.g. cancels and frees its timer (array update, hash replace/delete, LRU
 * eviction, map free). */
void map_free_value_fields(struct bpf_map *map, void *value);
/* Byte offset of the value's field of kind, or FIELD_NONE. */
static inline s32 map_field_off(const struct bpf_map *map, enum field_kind kind)
{
	return field_off(&map->fields, kind);
}
/* True when values hold fields whose destructor must run (map_free_value_fields). */
static inline bool map_has_field_dtors(const struct bpf_map *map)
{
	return field_table_needs_destroy(&map->fields);
}

/* The kernel allocates a map's memory at creation (zeroed, never lazily) and refuses more
 * than the machine has: -ENOMEM when `bytes`, what the kernel would allocate for the map,
 * exceed the physical memory, else 0.  bpfrun reserves lazily but answers the same. */
int map_check_kernel_bytes(u64 bytes);
/* len bytes of zeroed memory that cost nothing until touched (MAP_NORESERVE, so that a
 * large map is cheap until used, whatever the allocator underneath, sanitizers' included);
 * NULL when the address space is short.  Released with sys_munmap.  Up to
 * MAP_PREFAULT_MAX bytes are touched at once, as the kernel allocates a map's memory at
 * its creation: a program's first updates then take no page faults (a fault costs about
 * as much as a timer's whole arming). */
#define MAP_PREFAULT_MAX (4u << 20)
void *map_reserve(size_t len);
/* map_reserve for memory that fills from its start (a hash map's element pool): asks for
 * transparent huge pages, a fault per 2 MiB instead of per page.  Not for memory used
 * sparsely (buckets, array slots): each page touched would cost 2 MiB. */
void *map_reserve_dense(size_t len);
/* map_reserve for memory the kernel allocates and zeroes at the map's creation (a
 * preallocated hash map's elements, its buckets, an array's values): faulted in now, so
 * that programs pay no page faults for it, as in the kernel, whose creation pays for it
 * too.  Above MAP_PREALLOC_MAX bytes it stays lazy (map_reserve): the machine's memory,
 * not the kernel's accounting, bounds what is touched at once. */
#define MAP_PREALLOC_MAX (256u << 20)
void *map_reserve_prealloc(size_t len);
/* A hash seed for a map created without BPF_F_ZERO_SEED (random, as the kernel's). */
u64 map_random_seed(void);
/* The least power of two >= n, at most 2^31 (callers refuse larger n first). */
static inline u32 map_roundup_pow2(u32 n)
{
	u32 p = 1;

	while (p < n && p < (1u << 31))
		p <<= 1;
	return p;
}

/* The one place that knows the region's layout: when addr lies in a value of map, sets
 * *value to that value's address and *off to addr's offset in it.  Every memory check
 * that involves map values (the vm's, the spin lock and timer helpers') starts here. */
static inline bool map_value_at(const struct bpf_map *map, u64 addr, u64 *value, u64 *off)
{
	const struct map_region *r = &map->region;
	u64 base = (u64)(uintptr_t)r->base;

	/* the range test first: callers try each map in turn, and most miss (no division) */
	if (addr < base || !r->stride || addr - base >= r->stride * r->count)
		return false;
	u64 slot = map_region_slot(r, addr - base);
	u64 in_slot = addr - base - slot * r->stride;
	if (slot >= r->count || in_slot < r->value_off || in_slot - r->value_off >= r->value_len)
		return false;
	*value = base + slot * r->stride + r->value_off;
	*off = in_slot - r->value_off;
	return true;
}

/* Memory safety: true when [addr, addr+size) (size > 0) lies within one value of the map
 * and does not overlap a special field. */
bool map_region_contains(const struct bpf_map *map, u64 addr, u64 size);

/* The kernel's BPF_F_RDONLY_PROG / BPF_F_WRONLY_PROG: what programs may do with values. */
static inline bool map_prog_may_read(const struct bpf_map *m)
{
	return !(m->map_flags & BPF_F_WRONLY_PROG);
}
static inline bool map_prog_may_write(const struct bpf_map *m)
{
	return !(m->map_flags & BPF_F_RDONLY_PROG);
}
static inline struct bpf_map *map_of(struct obj *o)
{
	return container_of(o, struct bpf_map, obj);
}
static inline void map_get(struct bpf_map *m)
{
	obj_get(&m->obj);
}
static inline void map_put(struct bpf_map *m)
{
	obj_put(&m->obj);
}
static inline bool map_has_user_refs(const struct bpf_map *m)
{
	return __atomic_load_n(&m->obj.usercnt, __ATOMIC_ACQUIRE) > 0;
}
/* Returns the map of fd with +1 refcnt, or ERR_PTR. */
struct bpf_map *map_from_fd(int fd, u32 *fd_flags);

/* Values in user-space layout for per-CPU maps. */
static inline bool map_is_percpu(const struct bpf_map *m)
{
	return m->map_type == BPF_MAP_TYPE_PERCPU_ARRAY ||
	       m->map_type == BPF_MAP_TYPE_PERCPU_HASH ||
	       m->map_type == BPF_MAP_TYPE_LRU_PERCPU_HASH;
}
static inline u32 map_user_value_size(const struct bpf_map *m)
{
	return map_is_percpu(m) ? ROUND_UP(m->value_size, 8) * (u32)num_possible_cpus() :
				  m->value_size;
}

/* mmap(2) of a map descriptor (called by the bridge, libbpfrun.so).  Returns 0 when a
 * mapping with these prot/flags is allowed, else -errno as the kernel gives it: -EINVAL
 * (an array without BPF_F_MMAPABLE, or not MAP_SHARED), -EPERM (writable mapping of a frozen
 * map), -ENOTSUPP (524: a type without mmap such as HASH, or values holding a bpf_timer /
 * bpf_spin_lock).  map_mmap_layout checks the length and offset next.  With count, an
 * allowed PROT_WRITE + MAP_SHARED mapping counts in writable_mmaps (BPF_MAP_FREEZE then
 * fails with EBUSY) until the bridge calls map_mmap_unmapped() with the same prot/flags
 * (munmap of the whole mapping, or the mmap call failing after the check). */
int map_mmap_check(struct bpf_map *map, int prot, int flags, bool count);
void map_mmap_unmapped(struct bpf_map *map, int prot, int flags);
/* What an mmap(2) of [off, off + len) of the map with prot shows (map_mmap.c), after
 * map_mmap_check: 0 when it is the map's file at the same offsets (one mmap of a
 * descriptor makes it), else the number of pieces written to pieces[MAP_MMAP_PIECES],
 * which together cover the length rounded up to pages; -errno as the kernel refuses the
 * mapping (-EINVAL: out of range or unaligned, -EPERM: a page that may not be writable).
 * Who maps the pieces: map_mmap_pieces in process, the caller itself under the per-user
 * runtime (BPFRUN_BPF_MMAP, map_mmap_command). */
int map_mmap_layout(struct bpf_map *map, u64 off, u64 len, int prot,
		    struct map_mmap_piece pieces[MAP_MMAP_PIECES]);
/* Maps n pieces of the file behind fd into a fresh reservation of len bytes at addr
 * (flags' MAP_FIXED or MAP_FIXED_NOREPLACE: exactly there), shared, with prot: the
 * address, or ERR_PTR(-errno) with nothing left mapped. */
void *map_mmap_pieces(void *addr, u64 len, int prot, int flags, int fd,
		      const struct map_mmap_piece *pieces, int n);
/* map_mmap_check, without counting, and map_mmap_layout for a mapping nobody will see go
 * (the per-user runtime sees no munmap, nor the copies fork makes), so BPF_MAP_FREEZE of
 * a map mapped writable succeeds there.  The layout's answer. */
int map_mmap_uncounted(struct bpf_map *map, u64 off, u64 len, int prot, int flags,
		       struct map_mmap_piece pieces[MAP_MMAP_PIECES]);
/* BPFRUN_BPF_MMAP, bpfrun's own command (bpfrun.h): the attr is the caller's memory of
 * size bytes.  0 or -errno. */
int map_mmap_command(void *uattr, u32 size);

/* bpf() commands on maps (map.c), with the signature of every command handler
 * (syscall/syscall.c): attr already size-checked, outputs written into uattr (the copy
 * the dispatcher writes back), size as the caller gave it. */
int map_create(union bpf_attr *attr, union bpf_attr *uattr, u32 size);
int map_lookup_elem(union bpf_attr *attr, union bpf_attr *uattr, u32 size);
int map_update_elem(union bpf_attr *attr, union bpf_attr *uattr, u32 size);
int map_delete_elem(union bpf_attr *attr, union bpf_attr *uattr, u32 size);
int map_get_next_key(union bpf_attr *attr, union bpf_attr *uattr, u32 size);
int map_lookup_and_delete_elem(union bpf_attr *attr, union bpf_attr *uattr, u32 size);
int map_freeze(union bpf_attr *attr, union bpf_attr *uattr, u32 size);
int map_lookup_batch(union bpf_attr *attr, union bpf_attr *uattr, u32 size);
int map_lookup_and_delete_batch(union bpf_attr *attr, union bpf_attr *uattr, u32 size);
int map_update_batch(union bpf_attr *attr, union bpf_attr *uattr, u32 size);
int map_delete_batch(union bpf_attr *attr, union bpf_attr *uattr, u32 size);
int map_get_info(struct bpf_map *map, struct bpf_map_info *info);

extern const struct map_ops array_map_ops, percpu_array_map_ops, prog_array_map_ops;
extern const struct map_ops htab_map_ops, htab_percpu_map_ops, htab_lru_map_ops,
	htab_lru_percpu_map_ops;
extern const struct map_ops ringbuf_map_ops;     /* RINGBUF and USER_RINGBUF */
extern const struct map_ops map_in_map_ops;      /* ARRAY_OF_MAPS and HASH_OF_MAPS */
extern const struct map_ops queue_stack_map_ops; /* QUEUE and STACK */
extern const struct map_ops bloom_map_ops, lpm_trie_map_ops, cgroup_array_map_ops;
extern const struct map_ops perf_event_array_map_ops;
/* Create checks of the arrays whose values are descriptors (PROG_ARRAY,
 * PERF_EVENT_ARRAY): arraymap.c. */
int array_fd_alloc_check(const union bpf_attr *attr);
extern const struct map_ops local_storage_map_ops; /* TASK, SK, INODE and CGRP_STORAGE */
extern const struct map_ops stack_trace_map_ops;   /* STACK_TRACE */

/* The kernel's bpf_map_flags_access_ok: -EINVAL for BPF_F_RDONLY_PROG with
 * BPF_F_WRONLY_PROG, else 0. */
int map_check_access_flags(u32 flags);

#endif
