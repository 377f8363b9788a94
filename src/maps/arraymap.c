/* ARRAY, PERCPU_ARRAY and PROG_ARRAY.
 *
 * Values sit in one mapping made at creation, and faulted in then, as the kernel
 * allocates them (map_reserve_prealloc; a BPF_F_MMAPABLE array's as they are touched):
 * element i at values + i * elem_size (elem_size = value_size rounded up to 8); per-CPU
 * arrays hold num_possible_cpus() copies of each element side by side (element i, CPU c
 * at slot i * ncpus + c); user space reads and writes each copy with its padding to 8
 * bytes, as the kernel.  A BPF_F_MMAPABLE array's values are a shared mapping of a memfd
 * (obj.memfd) at offset 0, so mmap(2) of any of its descriptors sees the memory programs
 * use, in the kernel's layout.  Prog arrays hold referenced program pointers instead of
 * values; their slots are zero pages until used, and a bitmap of the pages that ever held
 * a program lets the release of the array cost what it held, not its max_entries.
 *
 * Locking: none for values: they are copied with relaxed atomics (programs and user space
 * race on them as in the kernel); BPF_F_LOCK copies take the value's bpf_spin_lock
 * (map.c).  owner_lock (a spinlock word, leaf) guards a prog array's binding.
 *
 * Prog array slots and the lifetime of tail-call targets: a slot holds a reference on its
 * program.  Readers (tail calls, user-space lookups) take no lock: inside a read section
 * (lib/readsec.h) they load the slot and take their own reference, which a tail call
 * keeps until its run ends.  A writer swaps the slot (sequentially consistent exchange), waits
 * with readsec_sync() until no reader can still be between loading the old pointer and
 * taking its reference, and only then drops the slot's reference.  So a program is freed
 * only when no slot, no reader and no run holds it; the run path neither locks nor
 * allocates (two stores to its own counter and an atomic increment per tail call), and
 * only updates, deletes and the release of a prog array wait, for a few instructions.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <bpf/btf.h>

#include "map.h"
#include "../lib/cpu.h"
#include "../lib/readsec.h"
#include "../lib/spinlock.h"
#include "../lib/sys.h"
#include "../btf/btf.h"
#include "../obj/prog.h"

#define PCPU_MIN_UNIT_SIZE (32 * 1024)
#define SLOTS_PER_PAGE 512 /* prog array slots per bit of used_pages: a 4 KiB page of them */
#define ARRAY_CREATE_FLAG_MASK                                                                \
	(BPF_F_NUMA_NODE | BPF_F_MMAPABLE | BPF_F_RDONLY | BPF_F_WRONLY | BPF_F_RDONLY_PROG | \
	 BPF_F_WRONLY_PROG | BPF_F_PRESERVE_ELEMS | BPF_F_INNER_MAP)

/* What a prog array is bound to: the properties of the first program that used it
 * (loaded with it among its maps, or stored in a slot). */
struct prog_owner {
	bool set;
	bool xdp_has_frags;
	u32 type, expected_attach_type;
};

struct bpf_array {
	struct bpf_map map;
	u64 elem_size;
	u32 ncpus; /* copies per element: num_possible_cpus() for per-CPU, else 1 */
	char *values;
	size_t values_len;       /* bytes mapped at values */
	struct bpf_prog **progs; /* PROG_ARRAY: max_entries slots, zero pages until used */
	u64 *used_pages;         /* PROG_ARRAY: bit p set once a slot of page p was stored;
				   * release visits only those pages */
	struct prog_owner owner; /* PROG_ARRAY: under owner_lock */
	u32 owner_lock;          /* spinlock word (lib/spinlock.h); leaf lock */
};

static struct bpf_array *array_of(const struct bpf_map *map)
{
	return container_of(map, struct bpf_array, map);
}

static bool is_percpu(const union bpf_attr *attr)
{
	return attr->map_type == BPF_MAP_TYPE_PERCPU_ARRAY;
}

/* ---- creation ---- */

static int array_alloc_check(const union bpf_attr *attr)
{
	bool percpu = is_percpu(attr);

	if (!attr->max_entries || attr->key_size != 4 || !attr->value_size ||
	    (attr->map_flags & ~(u32)ARRAY_CREATE_FLAG_MASK) ||
	    (attr->map_flags & BPF_F_RDONLY_PROG && attr->map_flags & BPF_F_WRONLY_PROG) ||
	    (percpu && (attr->map_flags & BPF_F_NUMA_NODE)))
		return -EINVAL;
	if (attr->map_type != BPF_MAP_TYPE_ARRAY &&
	    (attr->map_flags & (BPF_F_MMAPABLE | BPF_F_INNER_MAP)))
		return -EINVAL;
	if (attr->map_type != BPF_MAP_TYPE_PERF_EVENT_ARRAY &&
	    (attr->map_flags & BPF_F_PRESERVE_ELEMS))
		return -EINVAL;
	if (attr->value_size > INT32_MAX)
		return -E2BIG;
	if (percpu && ROUND_UP(attr->value_size, 8) > PCPU_MIN_UNIT_SIZE)
		return -E2BIG;
	return 0;
}

int array_fd_alloc_check(const union bpf_attr *attr)
{
	if (attr->value_size != sizeof(u32))
		return -EINVAL;
	if (attr->map_flags & (BPF_F_RDONLY_PROG | BPF_F_WRONLY_PROG))
		return -EINVAL;
	return array_alloc_check(attr);
}

/* Words of the used_pages bitmap of a prog array of n slots. */
static u64 used_page_words(u32 n)
{
	return ((u64)n + SLOTS_PER_PAGE * 64 - 1) / (SLOTS_PER_PAGE * 64);
}

/* What the kernel's array_map_alloc allocates: the elements (a prog array's are 8-byte
 * program pointers), and for per-CPU arrays a pointer per element besides each CPU's copy. */
static u64 array_kernel_bytes(const union bpf_attr *attr)
{
	u64 n = attr->max_entries, elem_size = ROUND_UP((u64)attr->value_size, 8);

	if (is_percpu(attr))
		return n * sizeof(void *) + n * elem_size * (u64)num_possible_cpus();
	return n * elem_size;
}

/* The values' memory: a shared memfd mapping for mmapable arrays, else anonymous. */
static int array_map_values(struct bpf_array *a, bool mmapable)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);

	a->values_len = ROUND_UP((size_t)a->map.max_entries * a->ncpus * a->elem_size, page);
	if (!mmapable) { /* allocated at creation, as the kernel's */
		a->values = map_reserve_prealloc(a->values_len);
		return a->values ? 0 : -ENOMEM;
	}
	a->map.obj.memfd = memfd_create("bpf-map", MFD_CLOEXEC);
	if (a->map.obj.memfd < 0)
		return -ENOMEM;
	if (ftruncate(a->map.obj.memfd, (off_t)a->values_len))
		return -ENOMEM;
	a->values = sys_mmap(NULL, a->values_len, PROT_READ | PROT_WRITE, MAP_SHARED,
			     a->map.obj.memfd, 0);
	return a->values == MAP_FAILED ? -ENOMEM : 0;
}

static void array_free(struct bpf_map *map);

static struct bpf_map *array_alloc(const union bpf_attr *attr)
{
	int err = map_check_kernel_bytes(array_kernel_bytes(attr));

	if (err)
		return ERR_PTR(err);
	struct bpf_array *a = calloc(1, sizeof(*a));
	if (!a)
		return ERR_PTR(-ENOMEM);
	a->map.obj.memfd = -1;
	a->map.max_entries = attr->max_entries;
	a->map.value_size = attr->value_size;
	a->elem_size = ROUND_UP((u64)attr->value_size, 8);
	a->ncpus = is_percpu(attr) ? (u32)num_possible_cpus() : 1;
	if (attr->map_type == BPF_MAP_TYPE_PROG_ARRAY) {
		a->progs = map_reserve((size_t)attr->max_entries * sizeof(struct bpf_prog *));
		a->used_pages = calloc(used_page_words(attr->max_entries), sizeof(u64));
		err = a->progs && a->used_pages ? 0 : -ENOMEM;
	} else {
		err = array_map_values(a, attr->map_flags & BPF_F_MMAPABLE);
		a->map.region = (struct map_region){
			.base = a->values,
			.stride = a->elem_size,
			.value_len = attr->value_size,
			.count = (u64)attr->max_entries * a->ncpus,
		};
	}
	if (err) {
		array_free(&a->map);
		return ERR_PTR(err);
	}
	return &a->map;
}

/* Stores prog (a reference, or NULL) in slot i and drops the old program's reference once
 * no reader can be taking it (see the top).  False when the slot was empty. */
static bool replace_prog_slot(struct bpf_array *a, u32 i, struct bpf_prog *prog)
{
	struct bpf_prog *old = __atomic_exchange_n(&a->progs[i], prog, __ATOMIC_SEQ_CST);

	if (!old)
		return false;
	readsec_sync();
	prog_put(old);
	return true;
}

/* Slot i is about to hold a program: its page must be visited when the slots are
 * emptied. */
static void mark_slot_used(struct bpf_array *a, u32 i)
{
	u64 page = i / SLOTS_PER_PAGE;

	__atomic_fetch_or(&a->used_pages[page / 64], 1ull << (page % 64), __ATOMIC_RELAXED);
}

/* Empties every slot that ever held a program: the cost is that of the pages in use, not
 * of max_entries (a 2^27-slot array holding one program is released at once, without
 * touching its gigabyte of untouched slots). */
static void clear_used_slots(struct bpf_array *a)
{
	u64 words = used_page_words(a->map.max_entries);

	for (u64 w = 0; w < words; w++) {
		u64 bits = __atomic_load_n(&a->used_pages[w], __ATOMIC_RELAXED);
		for (; bits; bits &= bits - 1) {
			u64 first = (w * 64 + (u64)__builtin_ctzll(bits)) * SLOTS_PER_PAGE;
			u64 end = MIN(first + SLOTS_PER_PAGE, (u64)a->map.max_entries);
			for (u64 i = first; i < end; i++)
				if (__atomic_load_n(&a->progs[i], __ATOMIC_RELAXED))
					replace_prog_slot(a, (u32)i, NULL);
		}
	}
}

static void free_fields_of_all(struct bpf_map *map);

static void array_free(struct bpf_map *map)
{
	struct bpf_array *a = array_of(map);

	if (a->progs && a->used_pages)
		clear_used_slots(a);
	if (a->progs)
		sys_munmap(a->progs, (size_t)map->max_entries * sizeof(*a->progs));
	free(a->used_pages);
	if (a->values && a->values != MAP_FAILED) {
		free_fields_of_all(map);
		sys_munmap(a->values, a->values_len);
	}
	if (map->obj.memfd >= 0)
		sys_close(map->obj.memfd);
	free(a);
}

/* The kernel's array_map_check_btf: a 32-bit int key, or no key for the one-element
 * ARRAY of a .data/.bss/.rodata section. */
static int array_check_btf(const struct bpf_map *map, const struct btf_obj *b, u32 key_id,
			   u32 value_id)
{
	if (!key_id) {
		const struct btf_type *v = btf__type_by_id(b->btf, value_id);
		if (map->map_type != BPF_MAP_TYPE_ARRAY || map->max_entries != 1 || !v ||
		    !btf_is_datasec(v))
			return -EINVAL;
		return 0;
	}
	int resolved = btf__resolve_type(b->btf, key_id);
	const struct btf_type *k = resolved > 0 ? btf__type_by_id(b->btf, (u32)resolved) : NULL;
	if (!k || !btf_is_int(k) || btf_int_bits(k) != 32 || btf_int_offset(k))
		return -EINVAL;
	return 0;
}

/* ---- elements ---- */

/* The index a key holds, read with relaxed atomics: a program's key may lie in map memory
 * another thread rewrites (an array value used as the key), where a plain read would be a
 * data race.  An aligned key, the usual case, is one load. */
static u32 key_index(const void *key)
{
	u32 index;

	if (!((uintptr_t)key & 3))
		return __atomic_load_n((const u32 *)key, __ATOMIC_RELAXED);
	map_value_memcpy(&index, key, sizeof(index));
	return index;
}

static void *elem(const struct bpf_array *a, u32 index, u32 cpu)
{
	return a->values + ((u64)index * a->ncpus + cpu) * a->elem_size;
}

static void *array_lookup(struct bpf_map *map, const void *key)
{
	u32 index = key_index(key);

	return index < map->max_entries ? elem(array_of(map), index, 0) : NULL;
}

static void *percpu_array_lookup_percpu(struct bpf_map *map, const void *key, u32 cpu)
{
	struct bpf_array *a = array_of(map);
	u32 index = key_index(key);

	return index < map->max_entries && cpu < a->ncpus ? elem(a, index, cpu) : NULL;
}

static void *percpu_array_lookup(struct bpf_map *map, const void *key)
{
	return percpu_array_lookup_percpu(map, key, cpu_id());
}

/* Program-side update (ARRAY from both sides): the flag and index checks of the kernel's
 * array_map_update_elem, then the copy, then the element's timer is freed. */
static long array_update_at(struct bpf_map *map, const void *key, const void *value, u64 flags,
			    u32 cpu)
{
	u32 index = key_index(key);

	if ((flags & ~(u64)BPF_F_LOCK) > BPF_EXIST)
		return -EINVAL;
	if (index >= map->max_entries)
		return -E2BIG;
	if (flags & BPF_NOEXIST)
		return -EEXIST;
	if ((flags & BPF_F_LOCK) && map_field_off(map, FIELD_SPIN_LOCK) == FIELD_NONE)
		return -EINVAL;
	void *val = elem(array_of(map), index, cpu);
	if (flags & BPF_F_LOCK)
		map_copy_value_locked(map, val, value, false);
	else
		map_copy_value(map, val, value);
	map_free_value_fields(map, val);
	return 0;
}

static long array_update(struct bpf_map *map, const void *key, const void *value, u64 flags)
{
	return array_update_at(map, key, value, flags, 0);
}

static long percpu_array_update(struct bpf_map *map, const void *key, const void *value, u64 flags)
{
	return array_update_at(map, key, value, flags, cpu_id());
}

static long array_delete(struct bpf_map *map, const void *key)
{
	return -EINVAL;
}

static int array_lookup_user(struct bpf_map *map, const void *key, void *value, u64 flags)
{
	void *val = array_lookup(map, key);

	if (!val)
		return -ENOENT;
	if (flags & BPF_F_LOCK)
		map_copy_value_locked(map, value, val, true);
	else
		map_copy_value(map, value, val);
	map_clear_special(map, value);
	return 0;
}

static int percpu_array_lookup_user(struct bpf_map *map, const void *key, void *value, u64 flags)
{
	struct bpf_array *a = array_of(map);
	u32 index = key_index(key);

	if (index >= map->max_entries)
		return -ENOENT;
	for (u32 cpu = 0; cpu < a->ncpus; cpu++)
		map_value_memcpy((char *)value + cpu * a->elem_size, elem(a, index, cpu),
				 a->elem_size);
	return 0;
}

static int percpu_array_update_user(struct bpf_map *map, const void *key, const void *value,
				    u64 flags)
{
	struct bpf_array *a = array_of(map);
	u32 index = key_index(key);

	if (flags > BPF_EXIST)
		return -EINVAL;
	if (index >= map->max_entries)
		return -E2BIG;
	if (flags & BPF_NOEXIST)
		return -EEXIST;
	for (u32 cpu = 0; cpu < a->ncpus; cpu++)
		map_value_memcpy(elem(a, index, cpu), (const char *)value + cpu * a->elem_size,
				 a->elem_size);
	return 0;
}

static long array_for_each(struct bpf_map *map, map_each_fn fn, void *arg)
{
	long visited = 0;

	for (u32 i = 0; i < map->max_entries; i++) {
		u32 key = i;
		visited++;
		if (fn(map, &key, map->ops->lookup(map, &key), arg))
			break;
	}
	return visited;
}

static void array_for_each_value(struct bpf_map *map, void (*fn)(struct bpf_map *, void *, void *),
				 void *arg)
{
	struct bpf_array *a = array_of(map);

	for (u32 i = 0; i < map->max_entries; i++)
		for (u32 cpu = 0; cpu < a->ncpus; cpu++)
			fn(map, elem(a, i, cpu), arg);
}

static void free_fields_of_all(struct bpf_map *map)
{
	if (!map_has_field_dtors(map))
		return;
	struct bpf_array *a = array_of(map);
	for (u32 i = 0; i < map->max_entries; i++)
		map_free_value_fields(map, elem(a, i, 0));
}

static void *array_key_of_value(struct bpf_map *map, void *value, u32 *tmp)
{
	struct bpf_array *a = array_of(map);

	*tmp = (u32)(((char *)value - a->values) / (a->elem_size * a->ncpus));
	return tmp;
}

/* ---- prog array ---- */

/* The kernel's bpf_prog_map_compatible: the first program to use a prog array binds it
 * to its type, expected attach type and xdp_has_frags, for the array's lifetime; any
 * program that differs may neither be stored in it nor be loaded using it, so a tail call
 * never reaches code with other context rules (a sched_cls program writing the packet of
 * a cgroup_skb caller).  The kernel's other owner properties are equal for every program
 * here: all run in one engine (jited), being sleepable follows the type (SYSCALL programs
 * always are, no other type may be), none has an attach_func_proto (attach_btf_id is
 * refused at load), cgroup storage or a kprobe override. */
static bool prog_array_compatible(struct bpf_map *map, const struct bpf_prog *prog)
{
	struct bpf_array *a = array_of(map);
	struct prog_owner want = {
		.set = true,
		.xdp_has_frags = prog->prog_flags & BPF_F_XDP_HAS_FRAGS,
		.type = prog->type,
		.expected_attach_type = prog->expected_attach_type,
	};

	spin_lock_word(&a->owner_lock);
	if (!a->owner.set)
		a->owner = want;
	bool same = a->owner.type == want.type && a->owner.xdp_has_frags == want.xdp_has_frags &&
		    a->owner.expected_attach_type == want.expected_attach_type;
	spin_unlock_word(&a->owner_lock);
	return same;
}

static int prog_array_update_user(struct bpf_map *map, const void *key, const void *value,
				  u64 flags)
{
	struct bpf_array *a = array_of(map);
	u32 index = key_index(key), fd;

	if (flags != BPF_ANY)
		return -EINVAL;
	if (index >= map->max_entries)
		return -E2BIG;
	memcpy(&fd, value, sizeof(fd));
	struct bpf_prog *prog = prog_from_fd((int)fd);
	if (IS_ERR(prog))
		return (int)PTR_ERR(prog);
	if (!prog_array_compatible(map, prog)) {
		prog_put(prog);
		return -EINVAL;
	}
	mark_slot_used(a, index);
	replace_prog_slot(a, index, prog);
	return 0;
}

static int prog_array_delete(struct bpf_map *map, const void *key)
{
	struct bpf_array *a = array_of(map);
	u32 index = key_index(key);

	if (index >= map->max_entries)
		return -E2BIG;
	return replace_prog_slot(a, index, NULL) ? 0 : -ENOENT;
}

/* From user space a slot reads as the id of its program. */
static int prog_array_lookup_user(struct bpf_map *map, const void *key, void *value, u64 flags)
{
	struct bpf_prog *prog = map->ops->prog_at(map, key_index(key));

	if (!prog)
		return -ENOENT;
	u32 id = prog->obj.id;
	memcpy(value, &id, sizeof(id));
	prog_put(prog);
	return 0;
}

/* The program in slot index with a reference of the caller's, or NULL. */
static struct bpf_prog *prog_array_prog_at(struct bpf_map *map, u32 index)
{
	struct bpf_array *a = array_of(map);
	if (index >= map->max_entries)
		return NULL;
	readsec_begin();
	struct bpf_prog *prog = __atomic_load_n(&a->progs[index], __ATOMIC_SEQ_CST);
	if (prog)
		prog_get(prog); /* alive: the slot's reference is dropped only after our section */
	readsec_end();
	return prog;
}

/* As the kernel: without user references a prog array lets go of its programs (which
 * may hold the map, a cycle nothing else would break). */
static void prog_array_release_user(struct bpf_map *map)
{
	clear_used_slots(array_of(map));
}

const struct map_ops array_map_ops = {
	.alloc_check = array_alloc_check,
	.alloc = array_alloc,
	.free = array_free,
	.lookup = array_lookup,
	.update = array_update,
	.delete = array_delete,
	.for_each = array_for_each,
	.lookup_user = array_lookup_user,
	.get_next_key = map_index_next_key,
	.for_each_value = array_for_each_value,
	.key_of_value = array_key_of_value,
	.check_btf = array_check_btf,
	.lookup_batch = map_generic_lookup_batch,
	.update_batch = map_generic_update_batch,
	.field_kinds = FIELD_BIT(FIELD_TIMER) | FIELD_BIT(FIELD_SPIN_LOCK) | FIELD_BIT(FIELD_WQ) |
		       FIELD_BIT(FIELD_TASK_WORK) | FIELD_BIT(FIELD_KPTR) |
		       FIELD_BIT(FIELD_LIST_HEAD) | FIELD_BIT(FIELD_RB_ROOT),
	.can_mmap = true,
};

const struct map_ops percpu_array_map_ops = {
	.alloc_check = array_alloc_check,
	.alloc = array_alloc,
	.free = array_free,
	.lookup = percpu_array_lookup,
	.update = percpu_array_update,
	.delete = array_delete,
	.lookup_percpu = percpu_array_lookup_percpu,
	.for_each = array_for_each,
	.lookup_user = percpu_array_lookup_user,
	.update_user = percpu_array_update_user,
	.get_next_key = map_index_next_key,
	.for_each_value = array_for_each_value,
	.key_of_value = array_key_of_value,
	.check_btf = array_check_btf,
	.lookup_batch = map_generic_lookup_batch,
	.update_batch = map_generic_update_batch,
};

const struct map_ops prog_array_map_ops = {
	.alloc_check = array_fd_alloc_check,
	.alloc = array_alloc,
	.free = array_free,
	.delete_user = prog_array_delete, /* programs reach it only by tail calls */
	.lookup_user = prog_array_lookup_user,
	.update_user = prog_array_update_user,
	.get_next_key = map_index_next_key,
	.prog_at = prog_array_prog_at,
	.check_btf = array_check_btf,
	.release_user = prog_array_release_user,
	.prog_compatible = prog_array_compatible,
};
