/* HASH, PERCPU_HASH, LRU_HASH and LRU_PERCPU_HASH.
 *
 * Elements live in one pool reserved at creation of max_entries + POOL_SPARE elements
 * (faulted in then when preallocated, as the kernel allocates it; else mmap with
 * MAP_NORESERVE: pages cost nothing until touched); the spare ones let an
 * update replace an element of a full map.  A removed element goes back to a free list
 * and may be reused, but the pool stays mapped until the map is freed, so a program
 * still holding a pointer into a removed element never touches unmapped memory (the
 * kernel's preallocated maps behave the same).  Element layout: struct htab_elem, the
 * key (rounded up to 8), the value (rounded up to 8).  Per-CPU maps keep their values in
 * a second pool: element i, CPU c at pcpu + (i * ncpus + c) * pcpu_stride; user space
 * copies each CPU's value with its padding to 8 bytes, as the kernel.
 *
 * An update links a new element in place of the old one (at the head of the bucket, as
 * the kernel), so a reader copying under the bucket lock never sees a half-written value;
 * per-CPU values and BPF_F_LOCK updates are written in place, as in the kernel.
 *
 * A reused element keeps its special fields (see fill_elem).
 *
 * LRU maps evict with a CLOCK sweep over the pool (approximate LRU, as the kernel's is):
 * a lookup sets the element's reference bit, the sweep clears it and evicts elements
 * whose bit is already clear.
 *
 * Locking:
 *   bucket lock (a spinlock word per bucket) - the bucket's chain, and the keys and
 *        (non-per-CPU) values of its elements while user space copies them.  At most one
 *        bucket lock is held at a time.
 *   free_lock (per map, a spinlock word) - the free list and the pool's bump index.
 *        Taken inside a bucket lock or alone; leaf lock.
 *   Never held while a value's fields are freed: timer_cancel_and_free() may wait for a
 *   running callback that itself uses this map.  Elements are unlinked under the lock,
 *   their fields freed after it is released, then they go to the free list.
 *   Element state, hash and reference bits are read without the lock with atomics (the
 *   LRU sweep) and rechecked under it.  A caller's key is read with relaxed atomics too
 *   (key_word): it may lie in map memory other threads rewrite.  for_each_value visits
 *   every slot, whatever its state: freeing a timer is safe on any slot (an absent one is
 *   a no-op).
 */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "map.h"
#include "../lib/sys.h"
#include "../lib/spinlock.h"
#include "../lib/uaccess.h"
#include "../lib/cpu.h"

#define PCPU_MIN_UNIT_SIZE (32 * 1024)
#define KMALLOC_MAX_SIZE (4u << 20)
#define KERNEL_HTAB_ELEM_SIZE 48 /* sizeof(struct htab_elem) in the kernel, for its E2BIG rule */
#define KERNEL_BUCKET_SIZE 16
#define POOL_SPARE 1024
#define HTAB_CREATE_FLAG_MASK                                                                      \
	(BPF_F_NO_PREALLOC | BPF_F_NO_COMMON_LRU | BPF_F_NUMA_NODE | BPF_F_RDONLY | BPF_F_WRONLY | \
	 BPF_F_RDONLY_PROG | BPF_F_WRONLY_PROG | BPF_F_ZERO_SEED)
#define SNAPSHOT 32 /* elements of a bucket handled per lock hold in for_each */

enum { ELEM_FREE, ELEM_LIVE };

struct htab_elem {
	struct htab_elem *next; /* bucket chain, or free list */
	u32 hash;
	u8 state;
	u8 ref; /* LRU reference bit */
	char key[] __attribute__((aligned(8)));
};

/* tags: a one-word Bloom filter of the chain's hashes (bit tag_bit(hash) set for each
 * element linked since the chain was last empty), so that looking for an absent key -
 * every new key's update - mostly skips the walk, whose elements lie anywhere in the pool
 * and cost a cache miss each in a big map.  Under the bucket lock. */
struct bucket {
	u32 lock;
	u32 tags;
	struct htab_elem *head;
};

struct bpf_htab {
	struct bpf_map map;
	bool percpu, lru;
	u32 n_buckets;
	struct bucket *buckets;
	size_t buckets_len;

	char *pool;
	size_t pool_len;
	u64 elem_size, value_off, capacity;
	char *pcpu; /* per-CPU values */
	size_t pcpu_len;
	u64 pcpu_stride;
	u32 ncpus;
	u64 seed; /* mixed with the key size (hash_key) */

	u32 free_lock;
	struct htab_elem *free_head; /* under free_lock */
	u64 bump;                    /* elements ever handed out; written under free_lock */
	long count;                  /* linked elements (atomic) */
	u64 clock_hand;              /* LRU sweep position (atomic) */
};

static struct bpf_htab *htab_of(const struct bpf_map *map)
{
	return container_of(map, struct bpf_htab, map);
}

/* ---- creation ---- */

static bool attr_percpu(const union bpf_attr *attr)
{
	return attr->map_type == BPF_MAP_TYPE_PERCPU_HASH ||
	       attr->map_type == BPF_MAP_TYPE_LRU_PERCPU_HASH;
}

static bool attr_lru(const union bpf_attr *attr)
{
	return attr->map_type == BPF_MAP_TYPE_LRU_HASH ||
	       attr->map_type == BPF_MAP_TYPE_LRU_PERCPU_HASH;
}

static int htab_alloc_check(const union bpf_attr *attr)
{
	bool percpu = attr_percpu(attr), lru = attr_lru(attr);
	bool percpu_lru = attr->map_flags & BPF_F_NO_COMMON_LRU;
	bool prealloc = !(attr->map_flags & BPF_F_NO_PREALLOC);
	bool numa = attr->map_flags & BPF_F_NUMA_NODE;

	if ((attr->map_flags & ~(u32)HTAB_CREATE_FLAG_MASK) ||
	    ((attr->map_flags & BPF_F_RDONLY_PROG) && (attr->map_flags & BPF_F_WRONLY_PROG)))
		return -EINVAL;
	if (!lru && percpu_lru)
		return -EINVAL;
	if (lru && !prealloc)
		return -ENOTSUPP;
	if (numa && (percpu || percpu_lru))
		return -EINVAL;
	if (!attr->max_entries || !attr->key_size || !attr->value_size)
		return -EINVAL;
	if ((u64)attr->key_size + attr->value_size >= KMALLOC_MAX_SIZE - KERNEL_HTAB_ELEM_SIZE)
		return -E2BIG;
	if (percpu && ROUND_UP(attr->value_size, 8) > PCPU_MIN_UNIT_SIZE)
		return -E2BIG;
	return 0;
}

static void htab_free(struct bpf_map *map);

/* The kernel's max_entries rule for per-CPU LRU lists: a multiple of the CPU count. */
static u32 lru_percpu_max_entries(u32 max, u32 ncpus)
{
	u64 up = ROUND_UP((u64)max, ncpus);
	return up <= UINT32_MAX ? (u32)up : max / ncpus * ncpus;
}

/* What the kernel's htab_map_alloc allocates: the buckets and, unless BPF_F_NO_PREALLOC,
 * every element up front (plus one spare per CPU for plain HASH), with each CPU's copy
 * of the values of per-CPU maps. */
static u64 htab_kernel_bytes(const struct bpf_htab *h, const union bpf_attr *attr)
{
	u64 bytes = (u64)h->n_buckets * KERNEL_BUCKET_SIZE;

	if (attr->map_flags & BPF_F_NO_PREALLOC)
		return bytes;
	u64 n = (u64)h->map.max_entries + (h->percpu || h->lru ? 0 : h->ncpus);
	u64 value = ROUND_UP((u64)attr->value_size, 8);
	u64 elem = KERNEL_HTAB_ELEM_SIZE + ROUND_UP((u64)attr->key_size, 8) +
		   (h->percpu ? sizeof(void *) : value);
	return bytes + n * elem + (h->percpu ? n * value * h->ncpus : 0);
}

static struct bpf_map *htab_alloc(const union bpf_attr *attr)
{
	struct bpf_htab *h = calloc(1, sizeof(*h));

	if (!h)
		return ERR_PTR(-ENOMEM);
	h->map.obj.memfd = -1;
	h->percpu = attr_percpu(attr);
	h->lru = attr_lru(attr);
	h->ncpus = (u32)num_possible_cpus();
	h->map.max_entries = attr->max_entries;
	if (attr->map_flags & BPF_F_NO_COMMON_LRU)
		h->map.max_entries = lru_percpu_max_entries(attr->max_entries, h->ncpus);
	h->map.key_size = attr->key_size;
	h->map.value_size = attr->value_size;
	h->seed = attr->map_flags & BPF_F_ZERO_SEED ? 0 : map_random_seed();
	h->seed ^= (u64)attr->key_size * 0x9e3779b97f4a7c15ULL;

	int err = -E2BIG;
	if (h->map.max_entries > 1u << 31)
		goto fail;
	h->n_buckets = map_roundup_pow2(h->map.max_entries);
	if (h->n_buckets > UINT32_MAX / KERNEL_BUCKET_SIZE)
		goto fail;
	err = map_check_kernel_bytes(htab_kernel_bytes(h, attr));
	if (err)
		goto fail;
	err = -ENOMEM;
	h->value_off = sizeof(struct htab_elem) + ROUND_UP((u64)attr->key_size, 8);
	h->elem_size = h->value_off + (h->percpu ? 0 : ROUND_UP((u64)attr->value_size, 8));
	h->capacity = (u64)h->map.max_entries + POOL_SPARE;
	h->buckets_len = (size_t)h->n_buckets * sizeof(struct bucket);
	h->pool_len = h->capacity * h->elem_size;
	/* The kernel allocates the buckets, and the elements unless BPF_F_NO_PREALLOC, at
	 * creation; without prealloc, the pool fills as elements are added. */
	bool prealloc = !(attr->map_flags & BPF_F_NO_PREALLOC);
	h->buckets = map_reserve_prealloc(h->buckets_len);
	h->pool = prealloc ? map_reserve_prealloc(h->pool_len) : map_reserve_dense(h->pool_len);
	if (!h->buckets || !h->pool)
		goto fail;
	if (h->percpu) {
		h->pcpu_stride = ROUND_UP((u64)attr->value_size, 8);
		h->pcpu_len = h->capacity * h->ncpus * h->pcpu_stride;
		h->pcpu = prealloc ? map_reserve_prealloc(h->pcpu_len) : map_reserve(h->pcpu_len);
		if (!h->pcpu)
			goto fail;
		h->map.region = (struct map_region){ .base = h->pcpu,
						     .stride = h->pcpu_stride,
						     .value_len = attr->value_size,
						     .count = h->capacity * h->ncpus };
	} else {
		h->map.region = (struct map_region){ .base = h->pool,
						     .stride = h->elem_size,
						     .value_off = (u32)h->value_off,
						     .value_len = attr->value_size,
						     .count = h->capacity };
	}
	return &h->map;
fail:
	htab_free(&h->map);
	return ERR_PTR(err);
}

/* ---- elements and the pool ---- */

static struct htab_elem *elem_at(const struct bpf_htab *h, u64 i)
{
	return (struct htab_elem *)(h->pool + i * h->elem_size);
}

static u64 elem_index(const struct bpf_htab *h, const struct htab_elem *e)
{
	return (u64)((const char *)e - h->pool) / h->elem_size;
}

static void *elem_value(const struct bpf_htab *h, struct htab_elem *e)
{
	return (char *)e + h->value_off;
}

static void *elem_pcpu(const struct bpf_htab *h, const struct htab_elem *e, u32 cpu)
{
	return h->pcpu + (elem_index(h, e) * h->ncpus + cpu) * h->pcpu_stride;
}

/* The value programs see: the current CPU's copy for per-CPU maps. */
static void *elem_prog_value(const struct bpf_htab *h, struct htab_elem *e)
{
	return h->percpu ? elem_pcpu(h, e, cpu_id()) : elem_value(h, e);
}

static u8 elem_state(const struct htab_elem *e)
{
	return __atomic_load_n(&e->state, __ATOMIC_ACQUIRE);
}

static void set_state(struct htab_elem *e, u8 state)
{
	__atomic_store_n(&e->state, state, __ATOMIC_RELEASE);
}

static struct htab_elem *pool_get(struct bpf_htab *h)
{
	struct htab_elem *e = NULL;

	spin_lock_word(&h->free_lock);
	if (h->free_head) {
		e = h->free_head;
		h->free_head = e->next;
	} else if (h->bump < h->capacity) {
		e = elem_at(h, h->bump);
		__atomic_store_n(&h->bump, h->bump + 1, __ATOMIC_RELEASE);
	}
	spin_unlock_word(&h->free_lock);
	return e;
}

static void pool_put(struct bpf_htab *h, struct htab_elem *e)
{
	spin_lock_word(&h->free_lock);
	e->next = h->free_head;
	h->free_head = e;
	spin_unlock_word(&h->free_lock);
}

/* Live elements count against max_entries; false when the map is full. */
static bool count_reserve(struct bpf_htab *h)
{
	if (__atomic_add_fetch(&h->count, 1, __ATOMIC_RELAXED) <= (long)h->map.max_entries)
		return true;
	__atomic_sub_fetch(&h->count, 1, __ATOMIC_RELAXED);
	return false;
}

static void count_release(struct bpf_htab *h)
{
	__atomic_sub_fetch(&h->count, 1, __ATOMIC_RELAXED);
}

/* An element unlinked from its bucket (lock released): free its fields, recycle it. */
static void elem_retire(struct bpf_htab *h, struct htab_elem *e)
{
	if (!h->percpu)
		map_free_value_fields(&h->map, elem_value(h, e));
	pool_put(h, e);
}

/* ---- hashing and buckets ---- */

static u64 mix64(u64 x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ULL;
	x ^= x >> 33;
	return x;
}

/* Up to 8 bytes of a caller's key, read with relaxed atomics into a word laid out as
 * memcpy would lay them out: the key may lie in map memory another thread rewrites with
 * relaxed atomic stores (a hash element's own key handed to a for_each callback while the
 * element is reused, another map's value), where a plain read would be a data race.
 * Whole aligned words, the usual case, are single loads (plain movs on x86); the rest is
 * out of line and cold, so that lookups need no stack frame for it. */
static __attribute__((noinline, cold)) u64 key_word_slow(const u8 *p, u32 n)
{
	u64 w = 0;

	map_value_memcpy(&w, p, n);
	return w;
}

static inline __attribute__((always_inline)) u64 key_word(const u8 *p, u32 n)
{
	if (n == 8 && !((uintptr_t)p & 7))
		return __atomic_load_n((const u64 *)p, __ATOMIC_RELAXED);
	if (n == 4 && !((uintptr_t)p & 3)) {
		u32 v = __atomic_load_n((const u32 *)p, __ATOMIC_RELAXED);
		u64 w = 0;
		memcpy(&w, &v, sizeof(v));
		return w;
	}
	return key_word_slow(p, n);
}

/* The seeded hash of a key, with one twist for locality: the key's first word without
 * its 3 low bits picks a group of 8 neighbouring buckets (as a seeded hash of everything
 * else would), and those 3 bits, scrambled by the group's hash, pick the bucket in it.
 * So keys that count up (the usual array-like use: 0, 1, 2...) fill the buckets of one
 * cache line after another instead of one random line each - a miss per update in a
 * map bigger than the cache - while any key is still as likely in any bucket as with a
 * plain seeded hash (an attacker who does not know the seed cannot collide more than the
 * 8 keys of a group, which never collide with each other). */
static u32 hash_key(const struct bpf_htab *h, const void *key)
{
	const u8 *p = key;
	u32 n = h->map.key_size, first = MIN(n, 8u);
	u64 w0 = key_word(p, first);
	u64 acc = mix64(h->seed ^ (w0 >> 3));

	for (p += first, n -= first; n >= 8; n -= 8, p += 8)
		acc = mix64(acc ^ key_word(p, 8));
	if (n)
		acc = mix64(acc ^ key_word(p, n) ^ 0x5bd1e995);
	u32 group = (u32)(acc ^ (acc >> 32));
	return (group & ~7u) | ((group ^ (u32)w0) & 7u);
}

/* The bit of a bucket's tags for a hash: bits the bucket index of maps up to 2^27
 * buckets does not use (bigger maps still work, with weaker filters). */
static u32 tag_bit(u32 hash)
{
	return 1u << (hash >> 27);
}

static struct bucket *bucket_of(const struct bpf_htab *h, u32 hash)
{
	return &h->buckets[hash & (h->n_buckets - 1)];
}

/* e's key (stable: e is linked and its bucket is locked; its slot is padded with zeroes
 * to 8 bytes, never written) against the caller's, read as hash_key reads it. */
static inline __attribute__((always_inline)) bool
key_equal(const struct bpf_htab *h, const struct htab_elem *e, const void *key)
{
	const u8 *p = key;
	u32 n = h->map.key_size;

	for (u32 off = 0; off < n; off += 8) {
		u64 mine;
		memcpy(&mine, e->key + off, sizeof(mine));
		if (mine != key_word(p + off, MIN(8u, n - off)))
			return false;
	}
	return true;
}

/* Finds key in b (locked); *prevp receives the link that points at it.  Inlined: it is
 * most of a lookup. */
static inline __attribute__((always_inline)) struct htab_elem *
bucket_find(const struct bpf_htab *h, struct bucket *b, const void *key, u32 hash,
	    struct htab_elem ***prevp)
{
	struct htab_elem **link = &b->head;

	if (!(b->tags & tag_bit(hash)))
		return NULL;
	for (struct htab_elem *e = *link; e; link = &e->next, e = *link) {
		if (e->hash == hash && key_equal(h, e, key)) {
			if (prevp)
				*prevp = link;
			return e;
		}
	}
	return NULL;
}

/* Chain links are stored atomically: a bucket's head is peeked without its lock to
 * skip empty buckets. */
static void set_link(struct htab_elem **link, struct htab_elem *e)
{
	__atomic_store_n(link, e, __ATOMIC_RELAXED);
}

static void bucket_link(struct bucket *b, struct htab_elem *e)
{
	e->next = b->head;
	b->tags |= tag_bit(e->hash);
	set_link(&b->head, e);
}

/* An empty chain starts its filter afresh; a shorter one keeps its stale bits. */
static void bucket_unlink(struct bucket *b, struct htab_elem **link, struct htab_elem *e)
{
	set_link(link, e->next);
	set_state(e, ELEM_FREE);
	if (!b->head)
		b->tags = 0;
}

/* ---- LRU eviction ---- */

/* Removes e from its bucket if it is still linked there; true when it was. */
static bool evict_elem(struct bpf_htab *h, struct htab_elem *e)
{
	struct bucket *b = bucket_of(h, __atomic_load_n(&e->hash, __ATOMIC_RELAXED));
	bool found = false;

	spin_lock_word(&b->lock);
	for (struct htab_elem **link = &b->head; *link; link = &(*link)->next) {
		if (*link == e) {
			bucket_unlink(b, link, e);
			found = true;
			break;
		}
	}
	spin_unlock_word(&b->lock);
	if (found)
		elem_retire(h, e);
	return found;
}

/* Frees one live element (CLOCK sweep); its place in the count passes to the caller.
 * Called without any lock held. */
static bool lru_evict_one(struct bpf_htab *h)
{
	u64 used = __atomic_load_n(&h->bump, __ATOMIC_ACQUIRE);

	for (u64 tries = 0; used && tries < 3 * used; tries++) {
		u64 i = __atomic_fetch_add(&h->clock_hand, 1, __ATOMIC_RELAXED) % used;
		struct htab_elem *e = elem_at(h, i);

		if (elem_state(e) != ELEM_LIVE)
			continue;
		if (__atomic_exchange_n(&e->ref, 0, __ATOMIC_RELAXED))
			continue;
		if (evict_elem(h, e))
			return true;
	}
	return false;
}

/* ---- lookup, update, delete ---- */

static void *htab_lookup(struct bpf_map *map, const void *key)
{
	struct bpf_htab *h = htab_of(map);
	u32 hash = hash_key(h, key);
	struct bucket *b = bucket_of(h, hash);
	void *value = NULL;

	spin_lock_word(&b->lock);
	struct htab_elem *e = bucket_find(h, b, key, hash, NULL);
	if (e) {
		if (h->lru && !__atomic_load_n(&e->ref, __ATOMIC_RELAXED))
			__atomic_store_n(&e->ref, 1, __ATOMIC_RELAXED);
		value = elem_prog_value(h, e);
	}
	spin_unlock_word(&b->lock);
	return value;
}

static void *htab_lookup_percpu(struct bpf_map *map, const void *key, u32 cpu)
{
	struct bpf_htab *h = htab_of(map);

	if (cpu >= h->ncpus)
		return NULL;
	u32 hash = hash_key(h, key);
	struct bucket *b = bucket_of(h, hash);
	spin_lock_word(&b->lock);
	struct htab_elem *e = bucket_find(h, b, key, hash, NULL);
	void *value = e ? elem_pcpu(h, e, cpu) : NULL;
	spin_unlock_word(&b->lock);
	return value;
}

/* Where an update's value comes from: one value (the program's CPU, or a non-per-CPU
 * map), or user space's per-CPU layout. */
struct update_src {
	const void *value;
	bool user_percpu;
};

/* Writes a per-CPU element's values: every CPU from user space, else the current CPU
 * (and zeroes for the others when the element is new). */
static void write_percpu(struct bpf_htab *h, struct htab_elem *e, const struct update_src *src,
			 bool fresh)
{
	u32 cur = src->user_percpu ? 0 : cpu_id();

	for (u32 cpu = 0; cpu < h->ncpus; cpu++) {
		void *dst = elem_pcpu(h, e, cpu);
		if (src->user_percpu)
			map_value_memcpy(dst, (const char *)src->value + cpu * h->pcpu_stride,
					 h->pcpu_stride);
		else if (cpu == cur)
			map_value_memcpy(dst, src->value, h->map.value_size);
		else if (fresh)
			map_value_memset0(dst, h->pcpu_stride);
	}
}

static void fill_elem(struct bpf_htab *h, struct htab_elem *e, const void *key, u32 hash,
		      const struct update_src *src)
{
	map_value_memcpy(e->key, key, h->map.key_size);
	__atomic_store_n(&e->hash, hash, __ATOMIC_RELAXED);
	__atomic_store_n(&e->ref, 0, __ATOMIC_RELAXED);
	if (h->percpu) {
		write_percpu(h, e, src, true);
		return;
	}
	/* The special fields stay as they are, as in the kernel's preallocated maps: zero in a
	 * fresh slot, freed when the element was removed - unless a program armed a timer in
	 * the removed element since (its pointer stays valid); that timer now belongs to this
	 * element, whose removal or the map's release will cancel it.  Zeroing it here would
	 * lose it: it would fire on with its program and map held forever. */
	map_copy_value(&h->map, elem_value(h, e), src->value);
}

static int check_update_flags(bool exists, u64 flags)
{
	if (exists && (flags & ~(u64)BPF_F_LOCK) == BPF_NOEXIST)
		return -EEXIST;
	if (!exists && (flags & ~(u64)BPF_F_LOCK) == BPF_EXIST)
		return -ENOENT;
	return 0;
}

/* In-place update of an existing element (per-CPU values, BPF_F_LOCK); bucket locked. */
static void update_in_place(struct bpf_htab *h, struct htab_elem *e, const struct update_src *src,
			    u64 flags)
{
	if (h->percpu)
		write_percpu(h, e, src, false);
	else
		map_copy_value_locked(&h->map, elem_value(h, e), src->value, false);
}

/* The update of every hash type.  A new key takes a place in the count first; an LRU
 * map that is full evicts (with no bucket lock held) and tries again. */
static int htab_update_src(struct bpf_htab *h, const void *key, const struct update_src *src,
			   u64 flags)
{
	u32 hash = hash_key(h, key);
	struct bucket *b = bucket_of(h, hash);
	struct htab_elem **link = NULL, *old, *e;
	bool counted = false;
	int err;

	if ((flags & ~(u64)BPF_F_LOCK) > BPF_EXIST)
		return -EINVAL;
	if ((flags & BPF_F_LOCK) && map_field_off(&h->map, FIELD_SPIN_LOCK) == FIELD_NONE)
		return -EINVAL;
again:
	spin_lock_word(&b->lock);
	old = bucket_find(h, b, key, hash, &link);
	err = check_update_flags(old != NULL, flags);
	if (err)
		goto unlock;
	if (old && (h->percpu || (flags & BPF_F_LOCK))) {
		update_in_place(h, old, src, flags);
		goto unlock;
	}
	if (old && counted) { /* appeared while we evicted */
		count_release(h);
		counted = false;
	}
	if (!old && !counted) {
		counted = count_reserve(h);
		if (!counted) {
			spin_unlock_word(&b->lock);
			if (!h->lru || !lru_evict_one(h))
				return -E2BIG;
			counted = true;
			goto again;
		}
	}
	e = pool_get(h);
	if (!e) {
		err = -E2BIG;
		goto unlock;
	}
	fill_elem(h, e, key, hash, src);
	if (old)
		bucket_unlink(b, link, old);
	set_state(e, ELEM_LIVE);
	bucket_link(b, e);
	counted = false;
	spin_unlock_word(&b->lock);
	if (old)
		elem_retire(h, old);
	return 0;
unlock:
	spin_unlock_word(&b->lock);
	if (counted)
		count_release(h);
	return err;
}

static long htab_update(struct bpf_map *map, const void *key, const void *value, u64 flags)
{
	struct update_src src = { .value = value };

	return htab_update_src(htab_of(map), key, &src, flags);
}

static int htab_percpu_update_user(struct bpf_map *map, const void *key, const void *value,
				   u64 flags)
{
	struct update_src src = { .value = value, .user_percpu = true };

	return htab_update_src(htab_of(map), key, &src, flags);
}

/* Unlinks key's element; returns it (the caller retires it) or NULL. Optionally copies
 * its value out first. */
static struct htab_elem *unlink_key(struct bpf_htab *h, const void *key, void *copy_to, u64 flags);

static long htab_delete(struct bpf_map *map, const void *key)
{
	struct bpf_htab *h = htab_of(map);
	struct htab_elem *e = unlink_key(h, key, NULL, 0);

	if (!e)
		return -ENOENT;
	elem_retire(h, e);
	return 0;
}

/* ---- user-space copies ---- */

/* Copies e's value to user space layout (bucket locked). */
static void copy_out(struct bpf_htab *h, struct htab_elem *e, void *dst, u64 flags)
{
	if (h->percpu) {
		for (u32 cpu = 0; cpu < h->ncpus; cpu++)
			map_value_memcpy((char *)dst + cpu * h->pcpu_stride, elem_pcpu(h, e, cpu),
					 h->pcpu_stride);
		return;
	}
	if (flags & BPF_F_LOCK)
		map_copy_value_locked(&h->map, dst, elem_value(h, e), true);
	else
		map_copy_value(&h->map, dst, elem_value(h, e));
	map_clear_special(&h->map, dst);
}

static struct htab_elem *unlink_key(struct bpf_htab *h, const void *key, void *copy_to, u64 flags)
{
	u32 hash = hash_key(h, key);
	struct bucket *b = bucket_of(h, hash);
	struct htab_elem **link;

	spin_lock_word(&b->lock);
	struct htab_elem *e = bucket_find(h, b, key, hash, &link);
	if (e) {
		if (copy_to)
			copy_out(h, e, copy_to, flags);
		bucket_unlink(b, link, e);
		count_release(h);
	}
	spin_unlock_word(&b->lock);
	return e;
}

static int htab_lookup_user(struct bpf_map *map, const void *key, void *value, u64 flags)
{
	struct bpf_htab *h = htab_of(map);
	u32 hash = hash_key(h, key);
	struct bucket *b = bucket_of(h, hash);

	spin_lock_word(&b->lock);
	struct htab_elem *e = bucket_find(h, b, key, hash, NULL);
	if (e)
		copy_out(h, e, value, flags);
	spin_unlock_word(&b->lock);
	return e ? 0 : -ENOENT;
}

static int htab_lookup_and_delete_user(struct bpf_map *map, const void *key, void *value, u64 flags)
{
	struct bpf_htab *h = htab_of(map);
	struct htab_elem *e = unlink_key(h, key, value, flags);

	if (!e)
		return -ENOENT;
	elem_retire(h, e);
	return 0;
}

/* First key of the buckets from `from` on; -ENOENT when none. */
static int first_key_from(struct bpf_htab *h, u32 from, void *next_key)
{
	for (u32 i = from; i < h->n_buckets; i++) {
		struct bucket *b = &h->buckets[i];
		if (!__atomic_load_n(&b->head, __ATOMIC_RELAXED))
			continue;
		spin_lock_word(&b->lock);
		struct htab_elem *e = b->head;
		if (e)
			memcpy(next_key, e->key, h->map.key_size);
		spin_unlock_word(&b->lock);
		if (e)
			return 0;
	}
	return -ENOENT;
}

static int htab_get_next_key(struct bpf_map *map, const void *key, void *next_key)
{
	struct bpf_htab *h = htab_of(map);

	if (!key)
		return first_key_from(h, 0, next_key);
	u32 hash = hash_key(h, key);
	struct bucket *b = bucket_of(h, hash);
	spin_lock_word(&b->lock);
	struct htab_elem *e = bucket_find(h, b, key, hash, NULL);
	struct htab_elem *next = e ? e->next : NULL;
	if (next)
		memcpy(next_key, next->key, map->key_size);
	spin_unlock_word(&b->lock);
	if (next)
		return 0;
	return first_key_from(h, e ? (u32)(b - h->buckets) + 1 : 0, next_key);
}

/* ---- walks ---- */

/* bpf_for_each_map_elem: the callback runs with no lock held (it may update or delete
 * in this map); each bucket is read in snapshots of SNAPSHOT elements. */
static long htab_for_each(struct bpf_map *map, map_each_fn fn, void *arg)
{
	struct bpf_htab *h = htab_of(map);
	struct htab_elem *snap[SNAPSHOT];
	long visited = 0;

	for (u32 i = 0; i < h->n_buckets; i++) {
		struct bucket *b = &h->buckets[i];
		if (i % MAP_WALK_TICK == MAP_WALK_TICK - 1 && fn(map, NULL, NULL, arg))
			return visited;
		for (u32 skip = 0;; skip += SNAPSHOT) {
			u32 n = 0, pos = 0;
			if (!__atomic_load_n(&b->head, __ATOMIC_RELAXED))
				break;
			spin_lock_word(&b->lock);
			for (struct htab_elem *e = b->head; e && n < SNAPSHOT; e = e->next, pos++)
				if (pos >= skip)
					snap[n++] = e;
			spin_unlock_word(&b->lock);
			for (u32 k = 0; k < n; k++) {
				visited++;
				if (fn(map, snap[k]->key, elem_prog_value(h, snap[k]), arg))
					return visited;
			}
			if (n < SNAPSHOT)
				break;
		}
	}
	return visited;
}

/* Every live element's value, without locks (the fields' owner locks them itself). */
static void htab_for_each_value(struct bpf_map *map, void (*fn)(struct bpf_map *, void *, void *),
				void *arg)
{
	struct bpf_htab *h = htab_of(map);
	u64 used = __atomic_load_n(&h->bump, __ATOMIC_ACQUIRE);

	for (u64 i = 0; i < used; i++)
		fn(map, elem_prog_value(h, elem_at(h, i)), arg);
}

static void *htab_key_of_value(struct bpf_map *map, void *value, u32 *tmp)
{
	struct bpf_htab *h = htab_of(map);

	return ((struct htab_elem *)((char *)value - h->value_off))->key;
}

static void htab_free(struct bpf_map *map)
{
	struct bpf_htab *h = htab_of(map);

	if (h->pool && map_has_field_dtors(map))
		for (u64 i = 0; i < h->bump; i++)
			if (elem_state(elem_at(h, i)) == ELEM_LIVE)
				map_free_value_fields(map, elem_value(h, elem_at(h, i)));
	if (h->buckets)
		sys_munmap(h->buckets, h->buckets_len);
	if (h->pool)
		sys_munmap(h->pool, h->pool_len);
	if (h->pcpu)
		sys_munmap(h->pcpu, h->pcpu_len);
	free(h);
}

/* ---- batches (the kernel's bucket-at-a-time walk; the token is a bucket index) ----
 * A bucket is copied into the command's buffers under its lock, then to the caller after
 * the lock is released (a bad caller pointer is EFAULT, with the bucket's elements already
 * deleted by a lookup-and-delete, as in the kernel). */

struct batch_io {
	char *keys, *values; /* the command's buffers: room for cap elements */
	u32 cap;
	u32 vsize, max, total;
	u64 elem_flags;
};

/* Copies one bucket (locked) into the buffers; unlinks its elements onto *gone when
 * deleting.  Returns the number of elements, -ENOSPC when they do not fit the caller's
 * room, or -EAGAIN when they do not fit the buffers (io->cap is then what they need). */
static int batch_bucket(struct bpf_htab *h, struct bucket *b, struct batch_io *io,
			struct htab_elem **gone)
{
	u32 n = 0, k = 0;

	for (struct htab_elem *e = b->head; e; e = e->next)
		n++;
	if (n > io->max - io->total)
		return -ENOSPC;
	if (n > io->cap) {
		io->cap = n;
		return -EAGAIN;
	}
	for (struct htab_elem *e = b->head; e; e = e->next, k++) {
		memcpy(io->keys + (size_t)k * h->map.key_size, e->key, h->map.key_size);
		copy_out(h, e, io->values + (size_t)k * io->vsize, io->elem_flags);
	}
	if (gone) {
		while (b->head) {
			struct htab_elem *e = b->head;
			bucket_unlink(b, &b->head, e);
			count_release(h);
			e->next = *gone;
			*gone = e;
		}
	}
	return (int)n;
}

/* Sizes the buffers for io->cap elements: 0 or -ENOMEM. */
static int batch_buffers(struct batch_io *io, u32 key_size)
{
	char *keys = realloc(io->keys, (size_t)io->cap * key_size);
	if (keys)
		io->keys = keys;
	char *values = realloc(io->values, (size_t)io->cap * io->vsize);
	if (values)
		io->values = values;
	return keys && values ? 0 : -ENOMEM;
}

/* One bucket: copied and (when deleting) emptied, then handed to the caller at element
 * io->total.  The number of elements or -errno. */
static int batch_one(struct bpf_htab *h, u32 batch, struct batch_io *io, const union bpf_attr *attr,
		     bool and_delete)
{
	struct bucket *b = &h->buckets[batch];
	u32 ks = h->map.key_size;
	int n;

	do {
		struct htab_elem *gone = NULL;
		spin_lock_word(&b->lock);
		n = batch_bucket(h, b, io, and_delete ? &gone : NULL);
		spin_unlock_word(&b->lock);
		while (gone) {
			struct htab_elem *e = gone;
			gone = e->next;
			elem_retire(h, e);
		}
	} while (n == -EAGAIN && !batch_buffers(io, ks));
	if (n == -EAGAIN)
		return -ENOMEM;
	if (n > 0 && (copy_to_user(u64_to_ptr(attr->batch.keys + (u64)io->total * ks), io->keys,
				   (size_t)n * ks) ||
		      copy_to_user(u64_to_ptr(attr->batch.values + (u64)io->total * io->vsize),
				   io->values, (size_t)n * io->vsize)))
		return -EFAULT;
	return n;
}

static int htab_batch(struct bpf_map *map, union bpf_attr *attr, bool and_delete)
{
	struct bpf_htab *h = htab_of(map);
	struct batch_io io = {
		.vsize = map_user_value_size(map),
		.max = attr->batch.count,
		.elem_flags = attr->batch.elem_flags,
	};
	u32 batch = 0;
	int ret;

	if (map_check_elem_flags(map, io.elem_flags) || attr->batch.flags)
		return -EINVAL;
	if (!io.max)
		return 0;
	attr->batch.count = 0;
	if (attr->batch.in_batch &&
	    copy_from_user(&batch, u64_to_ptr(attr->batch.in_batch), sizeof(batch)))
		return -EFAULT;
	if (batch >= h->n_buckets)
		return -ENOENT;
	for (;;) {
		int n = batch_one(h, batch, &io, attr, and_delete);
		if (n == -EFAULT) {
			ret = n;
			goto out;
		}
		if (n < 0) {
			ret = n == -ENOSPC && io.total ? 0 : n;
			break;
		}
		io.total += (u32)n;
		if (++batch >= h->n_buckets) {
			ret = -ENOENT;
			break;
		}
	}
	if (copy_to_user(u64_to_ptr(attr->batch.out_batch), &batch, sizeof(batch)))
		ret = -EFAULT;
	else
		attr->batch.count = io.total;
out:
	free(io.keys);
	free(io.values);
	return ret;
}

static int htab_lookup_batch(struct bpf_map *map, union bpf_attr *attr)
{
	return htab_batch(map, attr, false);
}

static int htab_lookup_and_delete_batch(struct bpf_map *map, union bpf_attr *attr)
{
	return htab_batch(map, attr, true);
}

#define HTAB_COMMON_OPS                                                                           \
	.alloc_check = htab_alloc_check, .alloc = htab_alloc, .free = htab_free,                  \
	.lookup = htab_lookup, .update = htab_update, .delete = htab_delete,                      \
	.for_each = htab_for_each, .lookup_user = htab_lookup_user,                               \
	.lookup_and_delete_user = htab_lookup_and_delete_user, .get_next_key = htab_get_next_key, \
	.for_each_value = htab_for_each_value, .lookup_batch = htab_lookup_batch,                 \
	.lookup_and_delete_batch = htab_lookup_and_delete_batch,                                  \
	.update_batch = map_generic_update_batch, .delete_batch = map_generic_delete_batch

const struct map_ops htab_map_ops = {
	HTAB_COMMON_OPS,
	.key_of_value = htab_key_of_value,
	.field_kinds = FIELD_BIT(FIELD_TIMER) | FIELD_BIT(FIELD_SPIN_LOCK) | FIELD_BIT(FIELD_WQ) |
		       FIELD_BIT(FIELD_TASK_WORK) | FIELD_BIT(FIELD_KPTR) |
		       FIELD_BIT(FIELD_LIST_HEAD) | FIELD_BIT(FIELD_RB_ROOT),
};

const struct map_ops htab_lru_map_ops = {
	HTAB_COMMON_OPS,
	.key_of_value = htab_key_of_value,
	.field_kinds = FIELD_BIT(FIELD_TIMER) | FIELD_BIT(FIELD_WQ) | FIELD_BIT(FIELD_TASK_WORK) |
		       FIELD_BIT(FIELD_KPTR),
};

const struct map_ops htab_percpu_map_ops = {
	HTAB_COMMON_OPS,
	.lookup_percpu = htab_lookup_percpu,
	.update_user = htab_percpu_update_user,
};

const struct map_ops htab_lru_percpu_map_ops = {
	HTAB_COMMON_OPS,
	.lookup_percpu = htab_lookup_percpu,
	.update_user = htab_percpu_update_user,
};
