/* The socket maps: SOCKMAP (sockets by u32 index) and SOCKHASH (sockets by a key of up to
 * 512 bytes), with the kernel's create, update, lookup, delete and get_next_key rules
 * (net/core/sock_map.c; measured on Linux 6.18 by tests/diff/maps_sockmap.c), and the
 * programs attached to a map (stream parser, stream or skb verdict, msg verdict).
 *
 * bpfrun does not own the host's TCP stack: an entry holds a duplicate of the socket's
 * descriptor (so that its cookie stays the socket's) and the cookie, and nothing is
 * spliced between sockets.  The kernel drops an entry when its socket closes; here the
 * duplicate keeps the socket open until the entry is deleted or the map freed.  A
 * program's bpf_map_lookup_elem finds no socket (bpfrun has no socket pointers).
 *
 * Which sockets an update accepts, as sock_map_sk_is_suitable and _state_allowed: TCP
 * (v4, v6) established or listening, UDP once bound, unix stream connected, unix
 * datagram; anything else EOPNOTSUPP, a descriptor that is no socket ENOTSOCK.
 *
 * SOCKHASH keeps its entries in buckets of a random seed's hash, as the kernel, whose
 * get_next_key order is random too.  Entries are slots of one array; a bucket chains
 * slot indexes, newest first.
 *
 * Locking: the map's lock word guards the slots, the buckets and the attached programs,
 * for user space and programs alike (critical sections are short and never call out).
 */
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include "jhash.h"
#include "sockmap.h"
#include "../lib/spinlock.h"
#include "../lib/sys.h"
#include "../obj/prog.h"

#ifndef SO_COOKIE
#define SO_COOKIE 57
#endif
#define NO_SLOT UINT32_MAX
#define SOCK_CREATE_FLAGS (BPF_F_NUMA_NODE | BPF_F_RDONLY | BPF_F_WRONLY)
#define SOCKHASH_MAX_KEY 512                   /* MAX_BPF_STACK: a program must hold the key */
#define SOCKHASH_MAX_BUCKETS (UINT32_MAX / 16) /* the kernel's 16-byte buckets */
#define TCP_STATE_ESTABLISHED 1
#define TCP_STATE_LISTEN 10

enum { PROG_MSG, PROG_PARSER, PROG_STREAM_VERDICT, PROG_SKB_VERDICT, NR_SOCK_PROGS };

struct sock_entry {
	int fd;               /* our duplicate of the socket's descriptor */
	struct sock_target t; /* its cookie, and what redirects to it may do (at update) */
};

struct sock_map {
	struct bpf_map map;
	struct sock_entry *ent; /* max_entries slots */
	u8 *used;               /* per slot: 1 while it holds a socket */
	/* SOCKHASH: the slots' keys (key_size each), bucket heads, chains, free list */
	u8 *keys;
	u32 *head, *next, nbuckets, free, items, seed;
	struct bpf_prog *prog[NR_SOCK_PROGS]; /* referenced */
	const void *link[NR_SOCK_PROGS];      /* the link owning the slot, or NULL */
	u32 lock;
};

static struct sock_map *sm_of(const struct bpf_map *map)
{
	return container_of(map, struct sock_map, map);
}

static bool is_hash(const struct sock_map *m)
{
	return m->map.ops == &sockhash_ops;
}

/* ---- creation ---- */

static int sockmap_alloc_check(const union bpf_attr *attr)
{
	if (!attr->max_entries || attr->key_size != 4 ||
	    (attr->value_size != 4 && attr->value_size != 8) ||
	    (attr->map_flags & ~(u32)SOCK_CREATE_FLAGS))
		return -EINVAL;
	return 0;
}

static int sockhash_alloc_check(const union bpf_attr *attr)
{
	if (!attr->max_entries || !attr->key_size ||
	    (attr->value_size != 4 && attr->value_size != 8) ||
	    (attr->map_flags & ~(u32)SOCK_CREATE_FLAGS))
		return -EINVAL;
	if (attr->key_size > SOCKHASH_MAX_KEY)
		return -E2BIG;
	/* the kernel's buckets, a power of two of them, must fit in 4 GiB */
	return attr->max_entries > 1u << 31 ||
			       map_roundup_pow2(attr->max_entries) > SOCKHASH_MAX_BUCKETS ?
		       -EINVAL :
		       0;
}

static void sock_free(struct bpf_map *map)
{
	struct sock_map *m = sm_of(map);

	for (u32 i = 0; m->used && i < map->max_entries; i++)
		if (m->used[i])
			sys_close(m->ent[i].fd);
	for (u32 p = 0; p < NR_SOCK_PROGS; p++)
		if (m->prog[p])
			prog_put(m->prog[p]);
	free(m->ent);
	free(m->used);
	free(m->keys);
	free(m->head);
	free(m->next);
	free(m);
}

static struct bpf_map *sock_alloc(const union bpf_attr *attr)
{
	u32 n = attr->max_entries;
	bool hash = attr->map_type == BPF_MAP_TYPE_SOCKHASH;
	/* what the kernel allocates: a pointer per slot, or the buckets (elements come later) */
	int err = map_check_kernel_bytes(hash ? (u64)map_roundup_pow2(n) * 16 : (u64)n * 8);
	struct sock_map *m = err ? NULL : calloc(1, sizeof(*m));

	if (err || !m)
		return ERR_PTR(err ? err : -ENOMEM);
	m->map.obj.memfd = -1;
	m->map.max_entries = n;
	m->ent = calloc(n, sizeof(*m->ent));
	m->used = calloc(n, 1);
	bool ok = m->ent && m->used;
	if (hash) {
		m->nbuckets = map_roundup_pow2(n);
		m->seed = (u32)map_random_seed();
		m->keys = calloc(n, attr->key_size);
		m->head = malloc(sizeof(u32) * m->nbuckets);
		m->next = malloc(sizeof(u32) * n);
		ok = ok && m->keys && m->head && m->next;
		for (u32 b = 0; ok && b < m->nbuckets; b++)
			m->head[b] = NO_SLOT;
		for (u32 i = 0; ok && i < n; i++) /* the free list */
			m->next[i] = i + 1 < n ? i + 1 : NO_SLOT;
	}
	if (!ok) {
		sock_free(&m->map);
		return ERR_PTR(-ENOMEM);
	}
	return &m->map;
}

/* ---- finding an entry (the lock is held) ---- */

static u32 key_bucket(const struct sock_map *m, const u8 *key)
{
	return map_jhash(key, m->map.key_size, m->seed) & (m->nbuckets - 1); /* the kernel's */
}

static u8 *slot_key(const struct sock_map *m, u32 s)
{
	return m->keys + (u64)s * m->map.key_size;
}

/* The slot of key, or NO_SLOT. */
static u32 find_slot(const struct sock_map *m, const void *key)
{
	if (!is_hash(m)) {
		u32 k = *(const u32 *)key;
		return k < m->map.max_entries && m->used[k] ? k : NO_SLOT;
	}
	for (u32 s = m->head[key_bucket(m, key)]; s != NO_SLOT; s = m->next[s])
		if (!memcmp(slot_key(m, s), key, m->map.key_size))
			return s;
	return NO_SLOT;
}

bool sock_map_target(struct bpf_map *map, const void *key, struct sock_target *t)
{
	struct sock_map *m = sm_of(map);

	spin_lock_word(&m->lock);
	u32 s = find_slot(m, key);
	if (s != NO_SLOT)
		*t = m->ent[s].t;
	spin_unlock_word(&m->lock);
	return s != NO_SLOT;
}

struct bpf_prog *sock_map_verdict(struct bpf_map *map)
{
	struct sock_map *m = sm_of(map);

	spin_lock_word(&m->lock);
	struct bpf_prog *p = m->prog[PROG_STREAM_VERDICT] ? m->prog[PROG_STREAM_VERDICT] :
							    m->prog[PROG_SKB_VERDICT];
	if (p)
		prog_get(p);
	spin_unlock_word(&m->lock);
	return p;
}

struct bpf_prog *sock_map_msg_verdict(struct bpf_map *map)
{
	struct sock_map *m = sm_of(map);

	spin_lock_word(&m->lock);
	struct bpf_prog *p = m->prog[PROG_MSG];
	if (p)
		prog_get(p);
	spin_unlock_word(&m->lock);
	return p;
}

int sock_map_dup_fd(struct bpf_map *map, const void *key)
{
	struct sock_map *m = sm_of(map);
	int fd = -ENOENT;

	spin_lock_word(&m->lock);
	u32 s = find_slot(m, key);
	if (s != NO_SLOT)
		fd = sys_fcntl(m->ent[s].fd, F_DUPFD_CLOEXEC, 0);
	spin_unlock_word(&m->lock);
	return fd < 0 && fd != -ENOENT ? -EMFILE : fd;
}

/* ---- the sockets an update accepts ---- */

static int sock_opt(int fd, int level, int name)
{
	int v = -1;
	socklen_t len = sizeof(v);

	return getsockopt(fd, level, name, &v, &len) ? -1 : v;
}

static bool tcp_state_allowed(int fd)
{
	struct tcp_info ti;
	socklen_t len = sizeof(ti);

	memset(&ti, 0, sizeof(ti));
	if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len))
		return false;
	return ti.tcpi_state == TCP_STATE_ESTABLISHED || ti.tcpi_state == TCP_STATE_LISTEN;
}

/* A UDP socket is in the kernel's hash tables once it has a local port. */
static bool udp_bound(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	memset(&ss, 0, sizeof(ss));
	if (getsockname(fd, (struct sockaddr *)&ss, &len))
		return false;
	return ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port != 0 :
					  ((struct sockaddr_in *)&ss)->sin_port != 0;
}

static bool unix_connected(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	return !getpeername(fd, (struct sockaddr *)&ss, &len);
}

/* 0 when the socket of fd may enter a socket map, else the kernel's errno; what a
 * redirect to it may do in *t. */
static int sock_check(int fd, struct sock_target *t)
{
	struct stat st;

	if (fstat(fd, &st))
		return -EBADF;
	if (!S_ISSOCK(st.st_mode))
		return -ENOTSOCK;
	int family = sock_opt(fd, SOL_SOCKET, SO_DOMAIN), type = sock_opt(fd, SOL_SOCKET, SO_TYPE);
	int proto = sock_opt(fd, SOL_SOCKET, SO_PROTOCOL);
	bool ok = false;

	if (family == AF_INET || family == AF_INET6) {
		t->tcp = type == SOCK_STREAM && proto == IPPROTO_TCP;
		if (t->tcp)
			ok = tcp_state_allowed(fd);
		else if (type == SOCK_DGRAM && proto == IPPROTO_UDP)
			ok = udp_bound(fd);
	} else if (family == AF_UNIX) {
		ok = type == SOCK_DGRAM || (type == SOCK_STREAM && unix_connected(fd));
	}
	/* a listening socket is the one stream socket not connected; others must be */
	t->redirect_ok = ok &&
			 (t->tcp ? !sock_opt(fd, SOL_SOCKET, SO_ACCEPTCONN) : unix_connected(fd));
	return ok ? 0 : -EOPNOTSUPP;
}

/* The socket the update's value names, checked and duplicated into *e. */
static int entry_from_value(const struct bpf_map *map, const void *value, struct sock_entry *e)
{
	u64 ufd = 0;
	socklen_t len = sizeof(e->t.cookie);

	memcpy(&ufd, value, map->value_size); /* 4 or 8 bytes, little-endian */
	if (ufd > INT32_MAX)
		return -EINVAL;
	memset(e, 0, sizeof(*e));
	int err = sock_check((int)ufd, &e->t);
	if (err)
		return err;
	getsockopt((int)ufd, SOL_SOCKET, SO_COOKIE, &e->t.cookie, &len);
	e->fd = sys_fcntl((int)ufd, F_DUPFD_CLOEXEC, 0);
	return e->fd < 0 ? -EMFILE : 0;
}

/* ---- user space ---- */

static void slot_clear(struct sock_map *m, u32 s)
{
	if (m->used[s])
		sys_close(m->ent[s].fd);
	m->used[s] = 0;
}

static void slot_set(struct sock_map *m, u32 s, const struct sock_entry *e)
{
	slot_clear(m, s);
	m->ent[s] = *e;
	m->used[s] = 1;
}

/* sock_map_update_common, after the socket checks: flags, index, then EEXIST / ENOENT. */
static int sockmap_put(struct sock_map *m, u32 k, const struct sock_entry *e, u64 flags)
{
	if (flags > BPF_EXIST)
		return -EINVAL;
	if (k >= m->map.max_entries)
		return -E2BIG;
	if (m->used[k] ? flags == BPF_NOEXIST : flags == BPF_EXIST)
		return m->used[k] ? -EEXIST : -ENOENT;
	slot_set(m, k, e);
	return 0;
}

/* Unlinks slot s from its bucket and frees it. */
static void hash_remove(struct sock_map *m, u32 s)
{
	u32 *link = &m->head[key_bucket(m, slot_key(m, s))];

	while (*link != s)
		link = &m->next[*link];
	*link = m->next[s];
	slot_clear(m, s);
	m->next[s] = m->free;
	m->free = s;
	m->items--;
}

/* sock_hash_update_common: a replaced entry frees its place first, so a full map still
 * takes a new socket for an existing key; the new entry heads its bucket. */
static int sockhash_put(struct sock_map *m, const void *key, const struct sock_entry *e, u64 flags)
{
	if (flags > BPF_EXIST)
		return -EINVAL;
	u32 s = find_slot(m, key);
	if (s != NO_SLOT ? flags == BPF_NOEXIST : flags == BPF_EXIST)
		return s != NO_SLOT ? -EEXIST : -ENOENT;
	if (s == NO_SLOT && m->items >= m->map.max_entries)
		return -E2BIG;
	if (s != NO_SLOT)
		hash_remove(m, s);
	s = m->free;
	m->free = m->next[s];
	memcpy(slot_key(m, s), key, m->map.key_size);
	slot_set(m, s, e);
	u32 *head = &m->head[key_bucket(m, key)];
	m->next[s] = *head;
	*head = s;
	m->items++;
	return 0;
}

static int sock_update_user(struct bpf_map *map, const void *key, const void *value, u64 flags)
{
	struct sock_map *m = sm_of(map);
	struct sock_entry e;
	int err = entry_from_value(map, value, &e);

	if (err)
		return err;
	spin_lock_word(&m->lock);
	err = is_hash(m) ? sockhash_put(m, key, &e, flags) :
			   sockmap_put(m, *(const u32 *)key, &e, flags);
	spin_unlock_word(&m->lock);
	if (err)
		sys_close(e.fd);
	return err;
}

/* The socket's cookie; only with 8-byte values (ENOSPC), as sock_map_lookup_sys. */
static int sock_lookup_user(struct bpf_map *map, const void *key, void *value, u64 flags)
{
	struct sock_target t;

	if (flags)
		return -EINVAL;
	if (map->value_size != sizeof(u64))
		return -ENOSPC;
	if (!sock_map_target(map, key, &t))
		return -ENOENT;
	memcpy(value, &t.cookie, sizeof(t.cookie));
	return 0;
}

/* SOCKMAP: an index past the end and an empty slot are both EINVAL; SOCKHASH: ENOENT. */
static int sock_delete_user(struct bpf_map *map, const void *key)
{
	struct sock_map *m = sm_of(map);

	spin_lock_word(&m->lock);
	u32 s = find_slot(m, key);
	if (s != NO_SLOT && is_hash(m))
		hash_remove(m, s);
	else if (s != NO_SLOT)
		slot_clear(m, s);
	spin_unlock_word(&m->lock);
	return s != NO_SLOT ? 0 : is_hash(m) ? -ENOENT : -EINVAL;
}

/* Buckets in order, each newest first: after key, or from the start when key is NULL or
 * absent. */
static int sockhash_get_next_key(struct bpf_map *map, const void *key, void *next_key)
{
	struct sock_map *m = sm_of(map);
	u32 b = 0, s = NO_SLOT;
	int err = -ENOENT;

	spin_lock_word(&m->lock);
	if (key && (s = find_slot(m, key)) != NO_SLOT) {
		b = key_bucket(m, key) + 1;
		s = m->next[s];
	}
	for (; s == NO_SLOT && b < m->nbuckets; b++)
		s = m->head[b];
	if (s != NO_SLOT) {
		memcpy(next_key, slot_key(m, s), map->key_size);
		err = 0;
	}
	spin_unlock_word(&m->lock);
	return err;
}

/* Programs: no socket pointers here (see the header comment). */
static void *sock_lookup(struct bpf_map *map, const void *key)
{
	return NULL;
}

/* Programs update socket maps with a socket pointer, which bpfrun never hands out. */
static long sock_prog_update(struct bpf_map *map, const void *key, const void *value, u64 flags)
{
	return -EOPNOTSUPP;
}

static long sock_prog_delete(struct bpf_map *map, const void *key)
{
	return sock_delete_user(map, key);
}

/* ---- attached programs ---- */

static int prog_slot(u32 attach_type)
{
	switch (attach_type) {
	case BPF_SK_MSG_VERDICT:
		return PROG_MSG;
	case BPF_SK_SKB_STREAM_PARSER:
		return PROG_PARSER;
	case BPF_SK_SKB_STREAM_VERDICT:
		return PROG_STREAM_VERDICT;
	case BPF_SK_SKB_VERDICT:
		return PROG_SKB_VERDICT;
	default:
		return -EOPNOTSUPP;
	}
}

/* sock_map_prog_link_lookup: the slot, with the verdicts' mutual exclusion. */
static int prog_slot_for(const struct sock_map *m, u32 attach_type)
{
	int p = prog_slot(attach_type);

	if (p == PROG_STREAM_VERDICT && m->prog[PROG_SKB_VERDICT])
		return -EBUSY;
	if (p == PROG_SKB_VERDICT && m->prog[PROG_STREAM_VERDICT])
		return -EBUSY;
	return p;
}

int sock_map_prog_update(struct bpf_map *map, struct bpf_prog *prog, struct bpf_prog *old,
			 const void *link, u32 attach_type)
{
	if (!is_sock_map(map))
		return -EOPNOTSUPP;
	struct sock_map *m = sm_of(map);
	struct bpf_prog *drop = NULL;
	int err = 0;

	spin_lock_word(&m->lock);
	int p = prog_slot_for(m, attach_type);
	if (p < 0)
		err = p;
	else if ((!link || prog) && m->link[p] && m->link[p] != link)
		err = -EBUSY; /* attach, detach and a second link leave a link's slot alone */
	else if (old && m->prog[p] != old)
		err = -ENOENT;
	if (!err) {
		drop = m->prog[p];
		if (prog)
			prog_get(prog);
		m->prog[p] = prog;
		m->link[p] = prog ? link : NULL;
	}
	spin_unlock_word(&m->lock);
	if (drop)
		prog_put(drop);
	return err;
}

/* sock_map_release_progs: the map's last user reference drops its programs, which may
 * hold the map themselves. */
static void sock_release_user(struct bpf_map *map)
{
	struct sock_map *m = sm_of(map);
	struct bpf_prog *drop[NR_SOCK_PROGS];

	spin_lock_word(&m->lock);
	for (u32 p = 0; p < NR_SOCK_PROGS; p++) {
		drop[p] = m->prog[p];
		m->prog[p] = NULL;
		m->link[p] = NULL;
	}
	spin_unlock_word(&m->lock);
	for (u32 p = 0; p < NR_SOCK_PROGS; p++)
		if (drop[p])
			prog_put(drop[p]);
}

int sock_map_prog_id(struct bpf_map *map, u32 attach_type, u32 *prog_id)
{
	int p = prog_slot(attach_type);

	if (!is_sock_map(map) || p < 0)
		return -EOPNOTSUPP;
	struct sock_map *m = sm_of(map);
	spin_lock_word(&m->lock);
	*prog_id = m->prog[p] ? m->prog[p]->obj.id : 0;
	spin_unlock_word(&m->lock);
	return 0;
}

#define SOCK_OPS(check, next_fn)                                                                   \
	.alloc_check = check, .alloc = sock_alloc, .free = sock_free, .lookup = sock_lookup,       \
	.update = sock_prog_update, .delete = sock_prog_delete, .lookup_user = sock_lookup_user,   \
	.update_user = sock_update_user, .delete_user = sock_delete_user, .get_next_key = next_fn, \
	.release_user = sock_release_user

const struct map_ops sockmap_ops = { SOCK_OPS(sockmap_alloc_check, map_index_next_key) };
const struct map_ops sockhash_ops = { SOCK_OPS(sockhash_alloc_check, sockhash_get_next_key) };
