/* LPM_TRIE: longest-prefix-match keys (struct bpf_lpm_trie_key_u8: a 32-bit prefix length
 * and data_size = key_size - 4 bytes of data, most significant bit first), in the
 * kernel's trie shape so that every answer matches its lpm_trie.c: a binary trie of nodes
 * holding a prefix, with "intermediate" nodes (no value) where two prefixes branch; an
 * update replaces a node of the same prefix or inserts above, below or beside through an
 * intermediate node; a delete turns a node with two children into an intermediate one or
 * splices it out (and its intermediate parent with it).  get_next_key walks in the
 * kernel's post-order: more specific prefixes before the prefixes that contain them.
 *
 * Nodes live in one pool reserved at creation (MAP_NORESERVE) of 2 * max_entries + 1 slots
 * (at most one intermediate node per entry, and a node being replaced); a freed node goes
 * to a free list and may be reused, but the pool stays mapped until the map is freed, so a
 * program still holding a value of a replaced node never touches unmapped memory.  The
 * values are the pool's value region (map.h).
 *
 * Locking: lock (a spinlock word per map, leaf) guards the trie, the free list and the
 * count; lookups take it too (the kernel's use RCU).
 */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <bpf/btf.h>

#include "map.h"
#include "../lib/spinlock.h"
#include "../lib/sys.h"
#include "../btf/btf.h"

#define LPM_DATA_SIZE_MAX 256
#define LPM_NODE_KERNEL 48 /* sizeof(struct lpm_trie_node) before its data, for its limit */
#define LPM_VAL_SIZE_MAX ((4u << 20) - LPM_DATA_SIZE_MAX - LPM_NODE_KERNEL)
#define LPM_CREATE_FLAG_MASK                                                                     \
	(BPF_F_NO_PREALLOC | BPF_F_NUMA_NODE | BPF_F_RDONLY | BPF_F_WRONLY | BPF_F_RDONLY_PROG | \
	 BPF_F_WRONLY_PROG)
#define NIL 0                        /* node indexes are 1-based: 0 is no node */
#define MAX_POOL_BYTES (64ull << 30) /* address space, not memory */

struct lpm_node {
	u32 child[2];
	u32 prefixlen;
	u32 intermediate; /* no value: a branch point only */
	u8 data[];        /* data_size bytes, then (at value_off) the value */
};

struct lpm_trie {
	struct bpf_map map;
	u32 lock;
	u32 root, free_head, used, slots, n_entries;
	u32 data_size, max_prefixlen, value_off;
	u64 stride;
	char *pool;
	size_t len;
};

struct lpm_key {
	u32 prefixlen;
	u8 data[];
};

static struct lpm_trie *trie_of(const struct bpf_map *map)
{
	return container_of(map, struct lpm_trie, map);
}

static struct lpm_node *node_at(const struct lpm_trie *t, u32 i)
{
	return (struct lpm_node *)(t->pool + (u64)(i - 1) * t->stride);
}

static void *node_value(const struct lpm_trie *t, struct lpm_node *n)
{
	return (char *)n + t->value_off;
}

/* ---- creation ---- */

static int lpm_alloc_check(const union bpf_attr *attr)
{
	if (!attr->max_entries || !(attr->map_flags & BPF_F_NO_PREALLOC) ||
	    (attr->map_flags & ~(u32)LPM_CREATE_FLAG_MASK) ||
	    map_check_access_flags(attr->map_flags) || attr->key_size < 4 + 1 ||
	    attr->key_size > 4 + LPM_DATA_SIZE_MAX || attr->value_size < 1 ||
	    attr->value_size > LPM_VAL_SIZE_MAX)
		return -EINVAL;
	return 0;
}

static void lpm_free(struct bpf_map *map)
{
	struct lpm_trie *t = trie_of(map);

	if (t->pool)
		sys_munmap(t->pool, t->len);
	free(t);
}

static struct bpf_map *lpm_alloc(const union bpf_attr *attr)
{
	struct lpm_trie *t = calloc(1, sizeof(*t));

	if (!t)
		return ERR_PTR(-ENOMEM);
	t->map.obj.memfd = -1;
	t->data_size = attr->key_size - 4;
	t->max_prefixlen = t->data_size * 8;
	t->value_off = (u32)ROUND_UP(sizeof(struct lpm_node) + t->data_size, 8);
	t->stride = ROUND_UP((u64)t->value_off + attr->value_size, 8);
	u64 slots = MIN(2 * (u64)attr->max_entries + 1, MAX_POOL_BYTES / t->stride);
	t->slots = (u32)MIN(slots, 0xffffffffull);
	t->len = (size_t)(t->slots * t->stride);
	t->pool = map_reserve(t->len);
	if (!t->pool) {
		lpm_free(&t->map);
		return ERR_PTR(-ENOMEM);
	}
	t->map.region = (struct map_region){
		.base = t->pool,
		.stride = t->stride,
		.value_off = t->value_off,
		.value_len = attr->value_size,
		.count = t->slots,
	};
	return &t->map;
}

/* The kernel's trie_check_btf: the key type is a struct (embedding the lpm key). */
static int lpm_check_btf(const struct bpf_map *map, const struct btf_obj *b, u32 key_id,
			 u32 value_id)
{
	int resolved = key_id ? btf__resolve_type(b->btf, key_id) : -1;
	const struct btf_type *k = resolved > 0 ? btf__type_by_id(b->btf, (u32)resolved) : NULL;

	return k && btf_is_struct(k) ? 0 : -EINVAL;
}

/* ---- bits ---- */

static u8 key_byte(const struct lpm_key *key, u32 i)
{
	return __atomic_load_n(&key->data[i], __ATOMIC_RELAXED);
}

static u32 key_prefixlen(const struct lpm_key *key)
{
	return __atomic_load_n(&key->prefixlen, __ATOMIC_RELAXED);
}

static bool node_bit(const struct lpm_node *n, u32 index)
{
	return n->data[index / 8] & (0x80 >> (index % 8));
}

static bool key_bit(const struct lpm_key *key, u32 index)
{
	return key_byte(key, index / 8) & (0x80 >> (index % 8));
}

/* Leading bits node and key share, at most min(node's prefix, key's prefix). */
static u32 prefix_match(const struct lpm_trie *t, const struct lpm_node *n,
			const struct lpm_key *key)
{
	u32 limit = MIN(n->prefixlen, key_prefixlen(key)), len = 0;

	for (u32 i = 0; i < t->data_size && len < limit; i++) {
		u8 diff = n->data[i] ^ key_byte(key, i);
		if (diff) {
			len += (u32)__builtin_clz(diff) - 24;
			break;
		}
		len += 8;
	}
	return MIN(len, limit);
}

/* ---- nodes (under lock) ---- */

static u32 node_get(struct lpm_trie *t)
{
	if (t->free_head) {
		u32 i = t->free_head;
		t->free_head = node_at(t, i)->child[0];
		return i;
	}
	return t->used < t->slots ? ++t->used : NIL;
}

static void node_put(struct lpm_trie *t, u32 i)
{
	node_at(t, i)->child[0] = t->free_head;
	t->free_head = i;
}

static u32 node_new(struct lpm_trie *t, const struct lpm_key *key, u32 prefixlen, const u8 *data)
{
	u32 i = node_get(t);

	if (i == NIL)
		return NIL;
	struct lpm_node *n = node_at(t, i);
	n->child[0] = n->child[1] = NIL;
	n->prefixlen = prefixlen;
	n->intermediate = 0;
	for (u32 b = 0; b < t->data_size; b++)
		n->data[b] = data ? data[b] : key_byte(key, b);
	return i;
}

/* The walk update, delete and get_next_key share: down from the root while a node's
 * whole prefix matches and is shorter than the key's.  Returns the link to the node where
 * it stopped (or to the empty child), *matchlen its match, and the path in stack (depth
 * in *depth) when stack is not NULL. */
static u32 *walk(struct lpm_trie *t, const struct lpm_key *key, u32 *matchlen, u32 **stack,
		 u32 *depth)
{
	u32 *link = &t->root, len = 0;

	while (*link) {
		struct lpm_node *n = node_at(t, *link);
		if (stack)
			stack[(*depth)++] = link;
		len = prefix_match(t, n, key);
		if (n->prefixlen != len || n->prefixlen == key_prefixlen(key))
			break;
		link = &n->child[key_bit(key, n->prefixlen)];
	}
	*matchlen = len;
	return link;
}

/* ---- program and user side ---- */

static struct lpm_node *longest_match(struct lpm_trie *t, const struct lpm_key *key)
{
	struct lpm_node *found = NULL;

	for (u32 i = t->root; i;) {
		struct lpm_node *n = node_at(t, i);
		u32 len = prefix_match(t, n, key);
		if (len == t->max_prefixlen) {
			found = n;
			break;
		}
		if (len < n->prefixlen)
			break;
		if (!n->intermediate)
			found = n;
		i = n->child[key_bit(key, n->prefixlen)];
	}
	return found;
}

static void *lpm_lookup(struct bpf_map *map, const void *key)
{
	struct lpm_trie *t = trie_of(map);

	spin_lock_word(&t->lock);
	struct lpm_node *n = longest_match(t, key);
	spin_unlock_word(&t->lock);
	return n ? node_value(t, n) : NULL;
}

static int lpm_lookup_user(struct bpf_map *map, const void *key, void *value, u64 flags)
{
	struct lpm_trie *t = trie_of(map);

	spin_lock_word(&t->lock);
	struct lpm_node *n = longest_match(t, key);
	if (n)
		map_value_memcpy(value, node_value(t, n), map->value_size);
	spin_unlock_word(&t->lock);
	return n ? 0 : -ENOENT;
}

/* The kernel's trie_check_add_elem: a new entry needs flags other than BPF_EXIST, and
 * room. */
static long check_add(struct lpm_trie *t, u64 flags)
{
	if (flags == BPF_EXIST)
		return -ENOENT;
	if (t->n_entries == t->map.max_entries)
		return -ENOSPC;
	t->n_entries++;
	return 0;
}

static long insert(struct lpm_trie *t, const struct lpm_key *key, u32 new, u64 flags)
{
	u32 matchlen, *link = walk(t, key, &matchlen, NULL, NULL), old = *link;
	struct lpm_node *o = old ? node_at(t, old) : NULL, *nn = node_at(t, new);
	long err;

	if (!o) {
		err = check_add(t, flags);
		if (!err)
			*link = new;
		return err;
	}
	if (o->prefixlen == matchlen) { /* the same prefix: replace the node */
		err = o->intermediate ? check_add(t, flags) : flags == BPF_NOEXIST ? -EEXIST : 0;
		if (err)
			return err;
		nn->child[0] = o->child[0];
		nn->child[1] = o->child[1];
		*link = new;
		node_put(t, old);
		return 0;
	}
	err = check_add(t, flags);
	if (err)
		return err;
	if (matchlen == key_prefixlen(key)) { /* an ancestor of the node */
		nn->child[node_bit(o, matchlen)] = old;
		*link = new;
		return 0;
	}
	u32 im = node_new(t, NULL, matchlen, o->data);
	if (im == NIL) {
		t->n_entries--;
		return -ENOMEM;
	}
	struct lpm_node *in = node_at(t, im);
	in->intermediate = 1;
	bool right = key_bit(key, matchlen);
	in->child[right] = new;
	in->child[!right] = old;
	*link = im;
	return 0;
}

static long lpm_update(struct bpf_map *map, const void *key, const void *value, u64 flags)
{
	struct lpm_trie *t = trie_of(map);

	if (flags > BPF_EXIST)
		return -EINVAL;
	if (key_prefixlen(key) > t->max_prefixlen)
		return -EINVAL;
	spin_lock_word(&t->lock);
	u32 new = node_new(t, key, key_prefixlen(key), NULL);
	long err = new == NIL ? -ENOMEM : 0;
	if (!err) {
		map_value_memcpy(node_value(t, node_at(t, new)), value, map->value_size);
		err = insert(t, key, new, flags);
		if (err)
			node_put(t, new);
	}
	spin_unlock_word(&t->lock);
	return err;
}

static long lpm_delete(struct bpf_map *map, const void *key)
{
	struct lpm_trie *t = trie_of(map);
	u32 *path[LPM_DATA_SIZE_MAX * 8 + 2], depth = 0, matchlen;

	if (key_prefixlen(key) > t->max_prefixlen)
		return -EINVAL;
	spin_lock_word(&t->lock);
	u32 *link = walk(t, key, &matchlen, path, &depth), i = *link;
	struct lpm_node *n = i ? node_at(t, i) : NULL;
	if (!n || n->prefixlen != key_prefixlen(key) || n->prefixlen != matchlen ||
	    n->intermediate) {
		spin_unlock_word(&t->lock);
		return -ENOENT;
	}
	t->n_entries--;
	u32 *parent_link = depth >= 2 ? path[depth - 2] : NULL;
	struct lpm_node *parent = parent_link ? node_at(t, *parent_link) : NULL;
	if (n->child[0] && n->child[1]) {
		n->intermediate = 1;
	} else if (parent && parent->intermediate && !n->child[0] && !n->child[1]) {
		u32 p = *parent_link;
		*parent_link = parent->child[parent->child[0] == i ? 1 : 0];
		node_put(t, p);
		node_put(t, i);
	} else {
		*link = n->child[0] ? n->child[0] : n->child[1];
		node_put(t, i);
	}
	spin_unlock_word(&t->lock);
	return 0;
}

/* The leftmost node that is not intermediate under root (post-order's first). */
static u32 leftmost(struct lpm_trie *t, u32 root)
{
	u32 next = NIL;

	for (u32 i = root; i;) {
		struct lpm_node *n = node_at(t, i);
		if (n->intermediate) {
			i = n->child[0];
			continue;
		}
		next = i;
		i = n->child[0] ? n->child[0] : n->child[1];
	}
	return next;
}

/* The kernel's post-order successor of key (the first key when key is NULL, longer than
 * the trie's prefixes, or absent). */
static u32 next_of(struct lpm_trie *t, const struct lpm_key *key)
{
	u32 *path[LPM_DATA_SIZE_MAX * 8 + 2], depth = 0, matchlen;

	if (!key || key_prefixlen(key) > t->max_prefixlen)
		return leftmost(t, t->root);
	u32 *link = walk(t, key, &matchlen, path, &depth), i = *link;
	struct lpm_node *n = i ? node_at(t, i) : NULL;
	if (!n || n->prefixlen != matchlen || n->intermediate)
		return leftmost(t, t->root);
	for (; depth > 1; depth--) {
		u32 node = *path[depth - 1], parent = *path[depth - 2];
		struct lpm_node *p = node_at(t, parent);
		if (p->child[0] == node && p->child[1])
			return leftmost(t, p->child[1]);
		if (!p->intermediate)
			return parent;
	}
	return NIL;
}

static int lpm_get_next_key(struct bpf_map *map, const void *key, void *next_key)
{
	struct lpm_trie *t = trie_of(map);

	spin_lock_word(&t->lock);
	u32 i = t->root ? next_of(t, key) : NIL;
	if (i) {
		struct lpm_node *n = node_at(t, i);
		struct lpm_key *out = next_key;
		out->prefixlen = n->prefixlen;
		memcpy(out->data, n->data, t->data_size);
	}
	spin_unlock_word(&t->lock);
	return i ? 0 : -ENOENT;
}

const struct map_ops lpm_trie_map_ops = {
	.alloc_check = lpm_alloc_check,
	.alloc = lpm_alloc,
	.free = lpm_free,
	.lookup = lpm_lookup,
	.update = lpm_update,
	.delete = lpm_delete,
	.lookup_user = lpm_lookup_user,
	.get_next_key = lpm_get_next_key,
	.check_btf = lpm_check_btf,
};
