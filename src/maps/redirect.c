/* The redirect maps: DEVMAP and DEVMAP_HASH (devices, for bpf_redirect_map and
 * BPF_F_BROADCAST), CPUMAP (CPUs) and XSKMAP (AF_XDP sockets), with the kernel's create,
 * update, lookup, delete and get_next_key rules (kernel/bpf/devmap.c, cpumap.c,
 * net/xdp/xskmap.c; measured on Linux 6.18, tests/diff/maps_redirect.c).
 *
 * Every entry is an 8-byte slot of one array, the map's value region: the value as user
 * space reads it (ifindex or qsize, then the id of the entry's program) and as a program's
 * lookup sees it.  DEVMAP, CPUMAP and XSKMAP index slots by key; DEVMAP_HASH chains slots
 * in buckets chosen by key & (buckets - 1), newest first, as the kernel's, so that
 * get_next_key walks the keys in the kernel's order.  An entry's program is referenced
 * (it never runs here: a test run does not transmit); an XSKMAP entry holds a duplicate of
 * the socket's descriptor.
 *
 * Locking: writers (user space) take the map's lock word.  Programs read without a lock:
 * a slot's state is published with release/acquire atomics and the hash walk is bounded,
 * so a concurrent update yields the old entry, the new one or none, as the kernel's RCU
 * readers see them, and never memory outside the map.
 */
#include <fcntl.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include <linux/if_xdp.h>

#include "redirect.h"
#include "../lib/cpu.h"
#include "../lib/spinlock.h"
#include "../lib/sys.h"
#include "../obj/prog.h"

#define SLOT_SIZE 8u
#define CPUMAP_MAX_QSIZE 16384u
#define NO_SLOT UINT32_MAX
#define DEV_CREATE_FLAGS (BPF_F_NUMA_NODE | BPF_F_RDONLY | BPF_F_WRONLY)

struct redir_map {
	struct bpf_map map;
	u8 *vals;               /* max_entries slots of SLOT_SIZE: {ifindex|qsize, prog id} */
	u8 *used;               /* per slot: 1 while it holds an entry (atomic) */
	struct bpf_prog **prog; /* DEVMAP*, CPUMAP: the entry's program, or NULL */
	int *sock;              /* XSKMAP: our duplicate of the entry's socket */
	/* DEVMAP_HASH: bucket heads and chains of slot indexes, the slots' keys, free list */
	u32 *head, *next, *keys, nbuckets, free, items;
	u32 lock; /* writers (lib/spinlock.h) */
};

static struct redir_map *rm_of(const struct bpf_map *map)
{
	return container_of(map, struct redir_map, map);
}

static bool is_hash(const struct bpf_map *map)
{
	return map->map_type == BPF_MAP_TYPE_DEVMAP_HASH;
}

static u32 *slot_val(const struct redir_map *m, u32 slot)
{
	return (u32 *)(m->vals + (u64)slot * SLOT_SIZE);
}

static bool slot_used(const struct redir_map *m, u32 slot)
{
	return __atomic_load_n(&m->used[slot], __ATOMIC_ACQUIRE);
}

/* ---- creation ---- */

/* NR_CPUS of the running kernel: a CPUMAP may not have more entries. */
static u32 kernel_nr_cpus(void)
{
	u32 max = 255;
	int fd = open("/sys/devices/system/cpu/kernel_max", O_RDONLY | O_CLOEXEC);
	char buf[16] = "";

	if (fd >= 0) {
		if (read(fd, buf, sizeof(buf) - 1) > 0)
			max = (u32)strtoul(buf, NULL, 10);
		sys_close(fd);
	}
	return max + 1;
}

static int dev_alloc_check(const union bpf_attr *attr)
{
	if (!attr->max_entries || attr->key_size != 4 ||
	    (attr->value_size != 4 && attr->value_size != 8) ||
	    (attr->map_flags & ~(u32)DEV_CREATE_FLAGS))
		return -EINVAL;
	if (attr->map_type == BPF_MAP_TYPE_DEVMAP_HASH && attr->max_entries > 1u << 31)
		return -EINVAL; /* no power of two of buckets holds them */
	return 0;
}

static int cpumap_alloc_check(const union bpf_attr *attr)
{
	if (!attr->max_entries || attr->key_size != 4 ||
	    (attr->value_size != 4 && attr->value_size != 8) ||
	    (attr->map_flags & ~(u32)BPF_F_NUMA_NODE))
		return -EINVAL;
	return attr->max_entries > kernel_nr_cpus() ? -E2BIG : 0;
}

static int xskmap_alloc_check(const union bpf_attr *attr)
{
	if (!attr->max_entries || attr->key_size != 4 || attr->value_size != 4 ||
	    (attr->map_flags & ~(u32)DEV_CREATE_FLAGS))
		return -EINVAL;
	return 0;
}

static void redir_free(struct bpf_map *map)
{
	struct redir_map *m = rm_of(map);

	for (u32 i = 0; m->used && i < map->max_entries; i++) {
		if (m->prog && m->prog[i])
			prog_put(m->prog[i]);
		if (m->sock && m->used[i])
			sys_close(m->sock[i]);
	}
	free(m->vals);
	free(m->used);
	free(m->prog);
	free(m->sock);
	free(m->head);
	free(m->next);
	free(m->keys);
	free(m);
}

static struct bpf_map *redir_alloc(const union bpf_attr *attr)
{
	u32 n = attr->max_entries;
	bool hash = attr->map_type == BPF_MAP_TYPE_DEVMAP_HASH;
	int err = map_check_kernel_bytes((u64)(hash ? map_roundup_pow2(n) : n) * 16);
	struct redir_map *m = err ? NULL : calloc(1, sizeof(*m));

	if (err || !m)
		return ERR_PTR(err ? err : -ENOMEM);
	m->map.obj.memfd = -1;
	m->vals = calloc(n, SLOT_SIZE);
	m->used = calloc(n, 1);
	if (attr->map_type == BPF_MAP_TYPE_XSKMAP)
		m->sock = calloc(n, sizeof(*m->sock));
	else
		m->prog = calloc(n, sizeof(*m->prog));
	bool ok = m->vals && m->used && (m->sock || m->prog);
	if (hash) {
		m->nbuckets = map_roundup_pow2(n);
		m->head = malloc(sizeof(u32) * m->nbuckets);
		m->next = malloc(sizeof(u32) * n);
		m->keys = calloc(n, sizeof(u32));
		ok = ok && m->head && m->next && m->keys;
		for (u32 b = 0; ok && b < m->nbuckets; b++)
			m->head[b] = NO_SLOT;
		for (u32 i = 0; ok && i < n; i++) /* the free list */
			m->next[i] = i + 1 < n ? i + 1 : NO_SLOT;
	}
	m->map.max_entries = n;
	if (!ok) {
		redir_free(&m->map);
		return ERR_PTR(-ENOMEM);
	}
	m->map.region = (struct map_region){
		.base = (char *)m->vals,
		.stride = SLOT_SIZE,
		.value_len = attr->value_size,
		.count = n,
	};
	return &m->map;
}

/* ---- finding an entry ---- */

/* The slot of key, or NO_SLOT.  Hash chains are walked at most max_entries steps, so a
 * walk that races with writers ends. */
static u32 find_slot(const struct redir_map *m, u32 key)
{
	if (!is_hash(&m->map))
		return key < m->map.max_entries && slot_used(m, key) ? key : NO_SLOT;
	u32 s = __atomic_load_n(&m->head[key & (m->nbuckets - 1)], __ATOMIC_ACQUIRE);
	for (u32 steps = 0; s != NO_SLOT && steps < m->map.max_entries; steps++) {
		if (slot_used(m, s) && __atomic_load_n(&m->keys[s], __ATOMIC_RELAXED) == key)
			return s;
		s = __atomic_load_n(&m->next[s], __ATOMIC_ACQUIRE);
	}
	return NO_SLOT;
}

bool redirect_map_target(struct bpf_map *map, u32 key, u32 *ifindex)
{
	if (map->ops != &devmap_ops && map->ops != &devmap_hash_ops && map->ops != &cpumap_ops &&
	    map->ops != &xskmap_ops)
		return false;
	struct redir_map *m = rm_of(map);
	u32 s = find_slot(m, key);
	if (s == NO_SLOT)
		return false;
	*ifindex = map->ops == &cpumap_ops || map->ops == &xskmap_ops ?
			   0 :
			   __atomic_load_n(slot_val(m, s), __ATOMIC_RELAXED);
	return true;
}

u64 redirect_map_flag_mask(const struct bpf_map *map)
{
	return map->ops == &devmap_ops || map->ops == &devmap_hash_ops ?
		       BPF_F_BROADCAST | BPF_F_EXCLUDE_INGRESS :
		       0;
}

void redirect_map_each_dev(struct bpf_map *map, void (*fn)(u32 ifindex, void *arg), void *arg)
{
	struct redir_map *m = rm_of(map);

	for (u32 s = 0; s < map->max_entries; s++)
		if (slot_used(m, s))
			fn(__atomic_load_n(slot_val(m, s), __ATOMIC_RELAXED), arg);
}

/* Programs: the entry's value (devmaps, xskmap), read-only (BPF_F_RDONLY_PROG). */
static void *redir_lookup(struct bpf_map *map, const void *key)
{
	u32 s = find_slot(rm_of(map), *(const u32 *)key);

	return s == NO_SLOT ? NULL : slot_val(rm_of(map), s);
}

/* CPUMAP: programs may only redirect to it, not look into it. */
static void *cpumap_lookup(struct bpf_map *map, const void *key)
{
	return NULL;
}

/* Programs may not change these maps (the kernel's verifier refuses the call). */
static long redir_prog_update(struct bpf_map *map, const void *key, const void *value, u64 flags)
{
	return -EOPNOTSUPP;
}

static long redir_prog_delete(struct bpf_map *map, const void *key)
{
	return -EOPNOTSUPP;
}

/* ---- user space ---- */

/* The program an entry names (value_size 8, fd > 0): an XDP program for attach_type. */
static int entry_prog(const struct bpf_map *map, const u32 *val, u32 attach_type,
		      struct bpf_prog **out)
{
	*out = NULL;
	if (map->value_size < 8 || (s32)val[1] <= 0)
		return 0;
	struct bpf_prog *p = prog_from_fd((s32)val[1]);
	if (IS_ERR(p))
		return -EINVAL;
	if (p->type != BPF_PROG_TYPE_XDP || p->expected_attach_type != attach_type) {
		prog_put(p);
		return -EINVAL;
	}
	*out = p;
	return 0;
}

/* Fills slot s (the writer holds the lock): value and program. */
static void slot_set(struct redir_map *m, u32 s, u32 first, struct bpf_prog *p)
{
	struct bpf_prog *old = m->prog ? m->prog[s] : NULL;
	u32 v[2] = { first, p ? p->obj.id : 0 };

	map_value_memcpy(slot_val(m, s), v, m->map.value_size);
	if (m->prog)
		m->prog[s] = p;
	if (old)
		prog_put(old);
	__atomic_store_n(&m->used[s], 1, __ATOMIC_RELEASE);
}

static void slot_clear(struct redir_map *m, u32 s)
{
	if (!__atomic_exchange_n(&m->used[s], 0, __ATOMIC_ACQ_REL))
		return;
	if (m->prog && m->prog[s]) {
		prog_put(m->prog[s]);
		m->prog[s] = NULL;
	}
	if (m->sock)
		sys_close(m->sock[s]);
}

static bool ifindex_exists(u32 ifindex)
{
	char name[IF_NAMESIZE];

	return if_indextoname(ifindex, name) != NULL;
}

static int devmap_update(struct bpf_map *map, const void *key, const void *value, u64 flags)
{
	struct redir_map *m = rm_of(map);
	u32 k = *(const u32 *)key, val[2] = { 0, 0 };
	struct bpf_prog *p;

	memcpy(val, value, map->value_size);
	if (flags > BPF_EXIST)
		return -EINVAL;
	if (k >= map->max_entries)
		return -E2BIG;
	if (flags == BPF_NOEXIST)
		return -EEXIST;
	if (!val[0]) { /* no device: empties the slot, and may name no program */
		if (map->value_size == 8 && (s32)val[1] > 0)
			return -EINVAL;
		spin_lock_word(&m->lock);
		slot_clear(m, k);
		spin_unlock_word(&m->lock);
		return 0;
	}
	if (!ifindex_exists(val[0]))
		return -EINVAL;
	int err = entry_prog(map, val, BPF_XDP_DEVMAP, &p);
	if (err)
		return err;
	spin_lock_word(&m->lock);
	slot_set(m, k, val[0], p);
	spin_unlock_word(&m->lock);
	return 0;
}

/* Unlinks slot s from its bucket and frees it (the writer holds the lock). */
static void hash_remove(struct redir_map *m, u32 s)
{
	u32 *link = &m->head[m->keys[s] & (m->nbuckets - 1)];

	while (*link != s)
		link = &m->next[*link];
	slot_clear(m, s);
	__atomic_store_n(link, m->next[s], __ATOMIC_RELEASE);
	m->next[s] = m->free;
	m->free = s;
	m->items--;
}

static int devmap_hash_update(struct bpf_map *map, const void *key, const void *value, u64 flags)
{
	struct redir_map *m = rm_of(map);
	u32 k = *(const u32 *)key, val[2] = { 0, 0 };
	struct bpf_prog *p = NULL;
	int err = 0;

	memcpy(val, value, map->value_size);
	if (flags > BPF_EXIST || !val[0])
		return -EINVAL;
	spin_lock_word(&m->lock);
	u32 s = find_slot(m, k);
	if (s != NO_SLOT && flags == BPF_NOEXIST)
		err = -EEXIST;
	else if (!ifindex_exists(val[0]))
		err = -EINVAL;
	else
		err = entry_prog(map, val, BPF_XDP_DEVMAP, &p);
	if (!err && s == NO_SLOT && m->items >= map->max_entries)
		err = -E2BIG;
	if (err) {
		spin_unlock_word(&m->lock);
		if (p)
			prog_put(p);
		return err;
	}
	if (s != NO_SLOT) /* replaced: the new entry heads its bucket, as the kernel's */
		hash_remove(m, s);
	s = m->free;
	m->free = m->next[s];
	m->keys[s] = k;
	slot_set(m, s, val[0], p);
	u32 *head = &m->head[k & (m->nbuckets - 1)];
	m->next[s] = *head;
	__atomic_store_n(head, s, __ATOMIC_RELEASE);
	m->items++;
	spin_unlock_word(&m->lock);
	return 0;
}

static int cpumap_update(struct bpf_map *map, const void *key, const void *value, u64 flags)
{
	struct redir_map *m = rm_of(map);
	u32 k = *(const u32 *)key, val[2] = { 0, 0 };
	struct bpf_prog *p = NULL;

	memcpy(val, value, map->value_size);
	if (flags > BPF_EXIST)
		return -EINVAL;
	if (k >= map->max_entries)
		return -E2BIG;
	if (flags == BPF_NOEXIST)
		return -EEXIST;
	if (val[0] > CPUMAP_MAX_QSIZE)
		return -EOVERFLOW;
	if (k >= (u32)num_possible_cpus())
		return -ENODEV;
	int err = val[0] ? entry_prog(map, val, BPF_XDP_CPUMAP, &p) : 0;
	if (err)
		return err;
	spin_lock_word(&m->lock);
	if (val[0])
		slot_set(m, k, val[0], p);
	else
		slot_clear(m, k); /* qsize 0 deletes */
	spin_unlock_word(&m->lock);
	return 0;
}

/* An AF_XDP socket bound to a device queue, or the kernel's error for fd. */
static int xsk_check(int fd)
{
	struct sockaddr_xdp sxdp;
	socklen_t len = sizeof(sxdp);
	struct stat st;
	int family = 0;
	socklen_t flen = sizeof(family);

	if (fstat(fd, &st))
		return -EBADF;
	if (!S_ISSOCK(st.st_mode))
		return -ENOTSOCK;
	if (getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &family, &flen) || family != AF_XDP)
		return -EOPNOTSUPP;
	memset(&sxdp, 0, sizeof(sxdp));
	if (getsockname(fd, (struct sockaddr *)&sxdp, &len) || !sxdp.sxdp_ifindex)
		return -EOPNOTSUPP; /* not bound */
	return 0;
}

static int xskmap_update(struct bpf_map *map, const void *key, const void *value, u64 flags)
{
	struct redir_map *m = rm_of(map);
	u32 k = *(const u32 *)key;
	s32 fd;

	memcpy(&fd, value, sizeof(fd));
	if (flags > BPF_EXIST)
		return -EINVAL;
	if (k >= map->max_entries)
		return -E2BIG;
	int err = xsk_check(fd);
	if (err)
		return err;
	int dup = sys_fcntl(fd, F_DUPFD_CLOEXEC, 0);
	if (dup < 0)
		return -EMFILE;
	spin_lock_word(&m->lock);
	if (slot_used(m, k) ? flags == BPF_NOEXIST : flags == BPF_EXIST) {
		spin_unlock_word(&m->lock);
		sys_close(dup);
		return slot_used(m, k) ? -EEXIST : -ENOENT;
	}
	slot_clear(m, k);
	m->sock[k] = dup;
	slot_set(m, k, (u32)fd, NULL);
	spin_unlock_word(&m->lock);
	return 0;
}

static int redir_lookup_user(struct bpf_map *map, const void *key, void *value, u64 flags)
{
	struct redir_map *m = rm_of(map);

	if (flags)
		return -EINVAL;
	spin_lock_word(&m->lock);
	u32 s = find_slot(m, *(const u32 *)key);
	if (s != NO_SLOT)
		memcpy(value, slot_val(m, s), map->value_size);
	spin_unlock_word(&m->lock);
	return s == NO_SLOT ? -ENOENT : 0;
}

/* The kernel does not give AF_XDP sockets back to user space. */
static int xskmap_lookup_user(struct bpf_map *map, const void *key, void *value, u64 flags)
{
	return -EOPNOTSUPP;
}

static int redir_delete_user(struct bpf_map *map, const void *key)
{
	struct redir_map *m = rm_of(map);
	u32 k = *(const u32 *)key;

	if (k >= map->max_entries)
		return -EINVAL;
	spin_lock_word(&m->lock);
	slot_clear(m, k);
	spin_unlock_word(&m->lock);
	return 0;
}

static int devmap_hash_delete_user(struct bpf_map *map, const void *key)
{
	struct redir_map *m = rm_of(map);

	spin_lock_word(&m->lock);
	u32 s = find_slot(m, *(const u32 *)key);
	if (s != NO_SLOT)
		hash_remove(m, s);
	spin_unlock_word(&m->lock);
	return s == NO_SLOT ? -ENOENT : 0;
}

/* Buckets in order, each newest first: after key, or from the start when key is NULL or
 * absent. */
static int devmap_hash_get_next_key(struct bpf_map *map, const void *key, void *next_key)
{
	struct redir_map *m = rm_of(map);
	u32 b = 0, s = NO_SLOT;
	int err = -ENOENT;

	spin_lock_word(&m->lock);
	if (key && (s = find_slot(m, *(const u32 *)key)) != NO_SLOT) {
		b = (m->keys[s] & (m->nbuckets - 1)) + 1;
		s = m->next[s];
	}
	for (; s == NO_SLOT && b < m->nbuckets; b++)
		s = m->head[b];
	if (s != NO_SLOT) {
		*(u32 *)next_key = m->keys[s];
		err = 0;
	}
	spin_unlock_word(&m->lock);
	return err;
}

#define REDIR_OPS(check, lookup_fn, update_fn)                                               \
	.alloc_check = check, .alloc = redir_alloc, .free = redir_free, .lookup = lookup_fn, \
	.update = redir_prog_update, .delete = redir_prog_delete, .update_user = update_fn

const struct map_ops devmap_ops = {
	REDIR_OPS(dev_alloc_check, redir_lookup, devmap_update),
	.lookup_user = redir_lookup_user,
	.delete_user = redir_delete_user,
	.get_next_key = map_index_next_key,
	.forced_flags = BPF_F_RDONLY_PROG,
};
const struct map_ops devmap_hash_ops = {
	REDIR_OPS(dev_alloc_check, redir_lookup, devmap_hash_update),
	.lookup_user = redir_lookup_user,
	.delete_user = devmap_hash_delete_user,
	.get_next_key = devmap_hash_get_next_key,
	.forced_flags = BPF_F_RDONLY_PROG,
};
const struct map_ops cpumap_ops = {
	REDIR_OPS(cpumap_alloc_check, cpumap_lookup, cpumap_update),
	.lookup_user = redir_lookup_user,
	.delete_user = redir_delete_user,
	.get_next_key = map_index_next_key,
};
const struct map_ops xskmap_ops = {
	REDIR_OPS(xskmap_alloc_check, redir_lookup, xskmap_update),
	.lookup_user = xskmap_lookup_user,
	.delete_user = redir_delete_user,
	.get_next_key = map_index_next_key,
};
