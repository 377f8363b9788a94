/* The objects of bpf_obj_new: the arena, the classes, who holds each object, and the
 * region check that lets programs reach them (see objheap.h; locking there).
 *
 * Layout: the arena is NR_CHUNKS chunks of CHUNK_SIZE bytes.  A chunk belongs to one class
 * for good once carved, and holds `per_chunk` slots of `slot` bytes: a 16-byte header the
 * runtime owns, then the object.  A slot is named by its number, chunk << 16 | index.
 *
 * Ownership: the verifier makes a program release or store every object it allocates
 * ("Unreleased reference"); here each thread counts the objects its runs own, and a run
 * that ends owning some faults and frees them (the run-end hook), as ring buffer
 * reservations are discarded.
 */
#include <pthread.h>
#include <string.h>
#include <sys/mman.h>
#include <bpf/btf.h>

#include "objheap.h"
#include "../btf/btf.h"
#include "../btf/fields.h"
#include "../lib/spinlock.h"
#include "../lib/sys.h"
#include "../obj/prog.h"

#define CHUNK_SHIFT 16
#define CHUNK_SIZE (1u << CHUNK_SHIFT)
#define NR_CHUNKS (OBJHEAP_ARENA / CHUNK_SIZE)
#define HDR 16u
#define NO_CHUNK UINT32_MAX

struct obj_class {
	/* immutable once made (the region check reads them without the lock) */
	u32 size;                  /* object bytes */
	struct field_table fields; /* the runtime's: bpf_spin_lock, bpf_list_node */
	u32 slot;                  /* header + object, rounded up to 16 */
	u32 per_chunk;
	/* under heap_lock */
	u32 free;       /* free list: slot number + 1, 0 when empty */
	u32 bump_chunk; /* the chunk being carved, or NO_CHUNK */
	u32 bump;       /* its next unused index */
};

struct slot_hdr {
	struct exec_ctx *owner; /* the run holding it; NULL: a map field does (atomic) */
	u32 next_free;          /* free list link (slot number + 1) */
	u32 live;               /* 1 while allocated (atomic) */
};

static u8 *arena; /* published once (release), never unmapped */
static pthread_once_t arena_once = PTHREAD_ONCE_INIT;
static const struct obj_class *chunk_class[NR_CHUNKS]; /* release / acquire */
static u32 nr_chunks;                                  /* carved so far */
static struct obj_class classes[NR_CHUNKS]; /* a class needs a chunk: no more than these */
static u32 nr_classes;
static u32 heap_lock;

static void arena_map(void)
{
	void *p = sys_mmap(NULL, OBJHEAP_ARENA, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	if (p != MAP_FAILED)
		__atomic_store_n(&arena, (u8 *)p, __ATOMIC_RELEASE);
}

static struct slot_hdr *slot_hdr(u32 slot, const struct obj_class *c)
{
	return (struct slot_hdr *)(arena + ((u64)(slot >> 16) << CHUNK_SHIFT) +
				   (u64)(slot & 0xffff) * c->slot);
}

/* The slot holding addr (live or not): its header, class and addr's offset in the
 * object; NULL when addr is in no slot's object bytes. */
static struct slot_hdr *slot_at(u64 addr, const struct obj_class **cp, u64 *obj_off)
{
	const u8 *base = __atomic_load_n(&arena, __ATOMIC_ACQUIRE);
	u64 off = addr - (u64)(uintptr_t)base;

	if (!base || off >= OBJHEAP_ARENA)
		return NULL;
	const struct obj_class *c = __atomic_load_n(&chunk_class[off >> CHUNK_SHIFT],
						    __ATOMIC_ACQUIRE);
	if (!c)
		return NULL;
	u64 in = off & (CHUNK_SIZE - 1), idx = in / c->slot, rel = in - idx * c->slot;
	if (idx >= c->per_chunk || rel < HDR)
		return NULL;
	*cp = c;
	*obj_off = rel - HDR;
	return (struct slot_hdr *)(uintptr_t)(addr - *obj_off - HDR);
}

/* ---- what each thread's runs own ---- */

#define HELD_CTXS 4 /* a thread's contexts: its own and the softirq one, with room */
static __thread struct {
	struct exec_ctx *x;
	u32 n;
} held[HELD_CTXS];

static void held_add(struct exec_ctx *x, int d)
{
	u32 free_i = HELD_CTXS;

	for (u32 i = 0; i < HELD_CTXS; i++) {
		if (held[i].x == x && held[i].n) {
			held[i].n += (u32)d;
			return;
		}
		if (!held[i].n)
			free_i = i;
	}
	if (d > 0 && free_i < HELD_CTXS) /* a thread has at most two contexts */
		held[free_i].x = x, held[free_i].n = (u32)d;
}

/* ---- classes ---- */

static bool fields_same(const struct field_table *a, const struct field_table *b)
{
	return a->cnt == b->cnt && !memcmp(a->f, b->f, a->cnt * sizeof(a->f[0]));
}

/* The class of objects of size bytes with special fields f, made when new.  Under
 * heap_lock. */
static const struct obj_class *class_get_locked(u32 size, const struct field_table *f)
{
	for (u32 i = 0; i < nr_classes; i++)
		if (classes[i].size == size && fields_same(&classes[i].fields, f))
			return &classes[i];
	if (nr_classes == NR_CHUNKS)
		return NULL;
	struct obj_class *c = &classes[nr_classes++];
	c->size = size;
	c->fields = *f;
	c->slot = ROUND_UP(HDR + size, 16u);
	c->per_chunk = CHUNK_SIZE / c->slot;
	c->free = 0;
	c->bump_chunk = NO_CHUNK;
	return c;
}

/* A thread's last classes by (BTF object id, type id): no BTF walk per allocation. */
#define CLASS_CACHE 16
static __thread struct {
	u32 btf_id, type_id;
	const struct obj_class *c;
} class_cache[CLASS_CACHE];

const struct obj_class *objheap_class(struct exec_ctx *x, u64 type_id)
{
	const struct btf_obj *b = x->prog ? x->prog->btf : NULL;
	u32 slot = (u32)type_id % CLASS_CACHE;

	if (!b) {
		vm_fault(x, "bpf_obj_new/bpf_percpu_obj_new requires prog BTF");
		return NULL;
	}
	if (class_cache[slot].c && class_cache[slot].btf_id == b->obj.id &&
	    class_cache[slot].type_id == type_id)
		return class_cache[slot].c;
	const struct btf_type *t = type_id < btf__type_cnt(b->btf) ?
					   btf__type_by_id(b->btf, (u32)type_id) :
					   NULL;
	if (!t || !btf_is_struct(t)) {
		vm_fault(x, "bpf_obj_new/bpf_percpu_obj_new type ID argument must be of a struct");
		return NULL;
	}
	if (!t->size || t->size > OBJHEAP_MAX_SIZE)
		return NULL;
	struct field_table found, fields;
	field_table_init(&fields);
	if (!btf_find_fields(b, (u32)type_id, t->size, &found))
		for (u32 i = 0; i < found.cnt; i++) /* the kinds objects hold; others: plain */
			if (FIELD_BIT(found.f[i].kind) & OBJ_FIELD_KINDS)
				field_table_add(&fields, found.f[i].kind, found.f[i].off, t->size);
	spin_lock_word(&heap_lock);
	const struct obj_class *c = class_get_locked(t->size, &fields);
	spin_unlock_word(&heap_lock);
	if (c) {
		class_cache[slot].btf_id = b->obj.id;
		class_cache[slot].type_id = (u32)type_id;
		class_cache[slot].c = c;
	}
	return c;
}

/* ---- allocation ---- */

/* A free slot of c, carving a new chunk when needed; false when the arena is full.
 * Under heap_lock. */
static bool slot_alloc_locked(struct obj_class *c, u32 *slot)
{
	if (c->free) {
		*slot = c->free - 1;
		c->free = slot_hdr(*slot, c)->next_free;
		return true;
	}
	if (c->bump_chunk == NO_CHUNK || c->bump == c->per_chunk) {
		if (nr_chunks == NR_CHUNKS)
			return false;
		c->bump_chunk = nr_chunks++;
		c->bump = 0;
		__atomic_store_n(&chunk_class[c->bump_chunk], c, __ATOMIC_RELEASE);
	}
	*slot = c->bump_chunk << 16 | c->bump++;
	return true;
}

void *objheap_new(struct exec_ctx *x, const struct obj_class *cc)
{
	struct obj_class *c = (struct obj_class *)cc; /* its mutable part is heap_lock's */
	u32 slot;

	pthread_once(&arena_once, arena_map);
	if (!arena)
		return NULL;
	spin_lock_word(&heap_lock);
	bool ok = slot_alloc_locked(c, &slot);
	spin_unlock_word(&heap_lock);
	if (!ok)
		return NULL;
	struct slot_hdr *h = slot_hdr(slot, c);
	memset(h + 1, 0, c->size);
	h->next_free = 0;
	__atomic_store_n(&h->owner, x, __ATOMIC_RELAXED);
	__atomic_store_n(&h->live, 1, __ATOMIC_RELEASE);
	held_add(x, 1);
	return h + 1;
}

/* Returns the slot to its class's free list. */
static void slot_free(struct slot_hdr *h, const struct obj_class *cc)
{
	struct obj_class *c = (struct obj_class *)cc;
	u64 off = (u64)((u8 *)h - arena);
	u32 slot = (u32)(off >> CHUNK_SHIFT) << 16 | (u32)((off & (CHUNK_SIZE - 1)) / c->slot);

	__atomic_store_n(&h->owner, NULL, __ATOMIC_RELAXED);
	spin_lock_word(&heap_lock);
	__atomic_store_n(&h->live, 0, __ATOMIC_RELEASE);
	h->next_free = c->free;
	c->free = slot + 1;
	spin_unlock_word(&heap_lock);
}

/* The live object at addr (its start) that x's run owns, or NULL with a fault. */
static struct slot_hdr *owned_at(struct exec_ctx *x, u64 addr, const struct obj_class **c,
				 const char *fn)
{
	u64 off;
	struct slot_hdr *h = slot_at(addr, c, &off);

	if (h && !off && __atomic_load_n(&h->live, __ATOMIC_ACQUIRE) &&
	    __atomic_load_n(&h->owner, __ATOMIC_RELAXED) == x)
		return h;
	vm_fault(x, "%s: 0x%llx is not an object of bpf_obj_new this run owns", fn,
		 (unsigned long long)addr);
	return NULL;
}

void objheap_drop(struct exec_ctx *x, u64 addr, const char *fn)
{
	const struct obj_class *c;
	struct slot_hdr *h = owned_at(x, addr, &c, fn);

	if (!h)
		return;
	slot_free(h, c);
	held_add(x, -1);
}

bool objheap_give(struct exec_ctx *x, u64 addr, const char *fn)
{
	const struct obj_class *c;
	struct slot_hdr *h = owned_at(x, addr, &c, fn);

	if (!h)
		return false;
	__atomic_store_n(&h->owner, NULL, __ATOMIC_RELAXED);
	held_add(x, -1);
	return true;
}

void objheap_take(struct exec_ctx *x, void *obj)
{
	const struct obj_class *c;
	u64 off;
	struct slot_hdr *h = obj ? slot_at((u64)(uintptr_t)obj, &c, &off) : NULL;

	if (!h || off)
		return; /* fields hold only what objheap_give gave them */
	__atomic_store_n(&h->owner, x, __ATOMIC_RELAXED);
	held_add(x, 1);
}

void objheap_free(void *obj)
{
	const struct obj_class *c;
	u64 off;
	struct slot_hdr *h = obj ? slot_at((u64)(uintptr_t)obj, &c, &off) : NULL;

	if (h)
		slot_free(h, c);
}

void *objheap_field_at(u64 addr, enum field_kind kind, struct exec_ctx *owner)
{
	const struct obj_class *c;
	u64 off;
	struct slot_hdr *h = slot_at(addr, &c, &off);

	if (!h || (s64)off != field_off(&c->fields, kind) ||
	    !__atomic_load_n(&h->live, __ATOMIC_ACQUIRE) ||
	    (owner && __atomic_load_n(&h->owner, __ATOMIC_RELAXED) != owner))
		return NULL;
	return h + 1;
}

/* ---- programs' accesses, and the end of a run ---- */

static bool region(struct exec_ctx *x, u64 addr, u64 size, bool write)
{
	const struct obj_class *c;
	u64 off;
	struct slot_hdr *h = slot_at(addr, &c, &off);

	if (!h || !__atomic_load_n(&h->live, __ATOMIC_ACQUIRE))
		return false;
	if (size > c->size || off > c->size - size)
		return false;
	/* special fields are the runtime's: never a program's load or store */
	for (u32 i = 0; i < c->fields.cnt; i++)
		if (off < (u64)c->fields.f[i].off + c->fields.f[i].size &&
		    c->fields.f[i].off < off + size)
			return false;
	return true;
}

/* Frees every object x's run still owns (the verifier's unreleased references). */
static void free_owned(struct exec_ctx *x)
{
	u32 n = __atomic_load_n(&nr_chunks, __ATOMIC_RELAXED);

	for (u32 ch = 0; ch < n; ch++) {
		const struct obj_class *c = __atomic_load_n(&chunk_class[ch], __ATOMIC_ACQUIRE);
		for (u32 i = 0; c && i < c->per_chunk; i++) {
			struct slot_hdr *h = slot_hdr(ch << 16 | i, c);
			if (__atomic_load_n(&h->live, __ATOMIC_ACQUIRE) &&
			    __atomic_load_n(&h->owner, __ATOMIC_RELAXED) == x)
				slot_free(h, c);
		}
	}
}

static void run_end(void)
{
	for (u32 i = 0; i < HELD_CTXS; i++) {
		struct exec_ctx *x = held[i].x;
		if (!held[i].n || x->in_run)
			continue;
		free_owned(x);
		held[i].n = 0;
		vm_fault(x, "Unreleased reference: an object of bpf_obj_new was neither dropped "
			    "nor stored in a map");
	}
}

__attribute__((constructor)) static void objheap_register(void)
{
	vm_on_region_check(region);
	vm_on_run_end(run_end);
}
