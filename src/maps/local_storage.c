/* Local storage: TASK_STORAGE, SK_STORAGE, INODE_STORAGE and CGRP_STORAGE, as the kernel's
 * bpf_local_storage.c and its four users: at most one value per (map, owner), made by the
 * *_storage_get helpers (BPF_LOCAL_STORAGE_GET_F_CREATE) or by a user-space update, and
 * gone with the owner or with the map.
 *
 * Owners.  A task is a thread id; user space names it by a pidfd (the pid it refers to;
 * ENOENT once that task is gone).  A socket is its inode number (a socket descriptor;
 * ENOTSOCK for another file), a cgroup its directory's inode number, which is the
 * kernel's cgroup id (a cgroup2 directory descriptor; EBADF for anything else), an inode
 * its device, number and birth time (any descriptor).  Descriptors are the caller's: under the
 * shared runtime they are read through /proc/<caller>/fd.
 *
 * Death.  A task's storage dies when the thread exits: the calling thread's own task is
 * released by a thread-exit destructor; a task of another thread or process holds a
 * pidfd, polled whenever that owner is looked up, so a dead task is never found again
 * (its thread id may be reused).  Sockets, cgroups and inodes are not watched: their
 * storage lives until deleted or until the map goes.  A map frees every value it holds.
 *
 * Memory.  Values live in the map's value region (map.h), one slot each, reused after a
 * delete and never unmapped before the map: a program's pointer to a deleted value
 * stays harmless.  The region has room for LS_REGION_BYTES of values; a get or update
 * beyond that fails as the kernel's allocation would (NULL, ENOMEM).
 *
 * Locking: ls_lock (a mutex, leaf) guards the owner registry, every owner's element list
 * and every map's slot table; lookups take it too, but for a thread's repeated get of
 * its own task's value (a per-thread cache, valid while the generation ls_gen, bumped
 * under the lock at every release, has not moved).  Values are read and written by
 * programs without it, as in the kernel, and by user space under their bpf_spin_lock
 * with BPF_F_LOCK.
 */
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>
#include <linux/magic.h>
#include <bpf/btf.h>

#include "local_storage.h"
#include "../lib/sys.h"
#include "../lib/bpf_newer.h"
#include "../lib/task.h"
#include "../lib/uaccess.h"
#include "../btf/btf.h"

#define LS_CREATE_FLAG_MASK (BPF_F_NO_PREALLOC | BPF_F_CLONE)
/* The kernel's BPF_LOCAL_STORAGE_MAX_VALUE_SIZE on x86-64: U16_MAX less its element
 * header (measured: tests/diff/maps_storage.c). */
#define LS_MAX_VALUE_SIZE (65535u - 128u)
#define LS_REGION_BYTES (64ull << 20)
#define LS_MAX_SLOTS (1u << 18)
#define LS_BUCKETS 256u
#ifndef PIDFD_THREAD
#define PIDFD_THREAD O_EXCL
#endif

struct ls_map;

struct ls_elem {
	struct ls_map *map;
	u32 slot;
};

struct ls_owner {
	u32 kind; /* the map type whose owners these are */
	struct ls_ident ident;
	int pidfd;  /* tasks not of the calling thread: polled for the task's exit; else -1 */
	bool local; /* the task of a thread of this process, released at its exit */
	u32 nr, cap;
	struct ls_elem *elems;
	struct ls_owner *next; /* registry chain */
};

struct ls_map {
	struct bpf_map map;
	struct ls_owner **owner_of; /* per slot: its owner, NULL when free */
	u32 *free_slots, nr_free;
	u32 used; /* slots ever handed out */
	u32 cap;
	size_t region_len;
};

static pthread_mutex_t ls_lock = PTHREAD_MUTEX_INITIALIZER;
static struct ls_owner *registry[LS_BUCKETS];
static pthread_key_t exit_key;
static pthread_once_t exit_once = PTHREAD_ONCE_INIT;
static __thread struct ls_owner *self_owner; /* this thread's task owner, once made */
/* Bumped (under ls_lock) whenever a value is released: a thread's cache of its own task's
 * last value found is good while this has not moved. */
static u64 ls_gen;
static __thread struct {
	const struct bpf_map *map;
	u64 gen;
	void *value;
} self_cache;

static struct ls_map *ls_of(const struct bpf_map *map)
{
	return container_of(map, struct ls_map, map);
}

bool map_is_local_storage(const struct bpf_map *map)
{
	u32 t = map->map_type;

	return t == BPF_MAP_TYPE_TASK_STORAGE || t == BPF_MAP_TYPE_SK_STORAGE ||
	       t == BPF_MAP_TYPE_INODE_STORAGE || t == BPF_MAP_TYPE_CGRP_STORAGE;
}

/* ---- owners (under ls_lock) ---- */

static u32 bucket_of(u32 kind, const struct ls_ident *id)
{
	u64 h = (id->id ^ (id->dev << 17) ^ kind) * 0x9e3779b97f4a7c15ull;

	return (u32)(h >> 56) % LS_BUCKETS;
}

static struct ls_owner **owner_link(u32 kind, const struct ls_ident *id)
{
	struct ls_owner **p = &registry[bucket_of(kind, id)];

	while (*p && ((*p)->kind != kind || memcmp(&(*p)->ident, id, sizeof(*id))))
		p = &(*p)->next;
	return p;
}

/* Frees the value in slot and returns the slot to the map. */
static void slot_release(struct ls_map *m, u32 slot)
{
	__atomic_store_n(&ls_gen, ls_gen + 1, __ATOMIC_RELEASE);
	map_free_value_fields(&m->map, m->map.region.base + (u64)slot * m->map.region.stride);
	m->owner_of[slot] = NULL;
	m->free_slots[m->nr_free++] = slot;
}

static void owner_unlink(struct ls_owner *o)
{
	struct ls_owner **p = owner_link(o->kind, &o->ident);

	if (*p == o)
		*p = o->next;
}

static void owner_free(struct ls_owner *o)
{
	if (o->pidfd >= 0)
		sys_close(o->pidfd);
	if (self_owner == o)
		self_owner = NULL;
	free(o->elems);
	free(o);
}

/* The owner dies: every map loses its value. */
static void owner_destroy(struct ls_owner *o)
{
	for (u32 i = 0; i < o->nr; i++)
		slot_release(o->elems[i].map, o->elems[i].slot);
	owner_unlink(o);
	owner_free(o);
}

/* A thread of this process exits: its task's storage goes (the kernel's
 * bpf_task_storage_free at exit). */
static void thread_exit(void *arg)
{
	pthread_mutex_lock(&ls_lock);
	owner_destroy(arg);
	pthread_mutex_unlock(&ls_lock);
}

static void exit_key_init(void)
{
	pthread_key_create(&exit_key, thread_exit);
}

/* True when task id is the thread calling now (not a caller the runtime serves). */
static bool is_self(const struct ls_ident *id)
{
	return !task_remote() && !uaccess_remote_pid() && id->id == task_tid();
}

/* Makes o the calling thread's own task owner, released when the thread exits. */
static void adopt(struct ls_owner *o)
{
	pthread_once(&exit_once, exit_key_init);
	if (pthread_setspecific(exit_key, o))
		return; /* no destructor: it stays a polled owner */
	o->local = true;
	self_owner = o;
	if (o->pidfd >= 0) {
		sys_close(o->pidfd);
		o->pidfd = -1;
	}
}

static bool task_exited(const struct ls_owner *o)
{
	struct pollfd p = { .fd = o->pidfd, .events = POLLIN };

	return o->pidfd >= 0 && sys_raw(SYS_poll, (long)&p, 1, 0, 0, 0, 0) == 1;
}

/* The owner (kind, id), or NULL; with create, made when missing (NULL: no memory, or a
 * task that is gone). */
static struct ls_owner *owner_find(u32 kind, const struct ls_ident *id, bool create)
{
	bool self = kind == BPF_MAP_TYPE_TASK_STORAGE && is_self(id);

	if (self && self_owner)
		return self_owner;
	struct ls_owner **p = owner_link(kind, id);
	if (*p && !(*p)->local && task_exited(*p)) {
		owner_destroy(*p); /* a thread id now reused */
		p = owner_link(kind, id);
	}
	if (*p || !create) {
		if (*p && self)
			adopt(*p);
		return *p;
	}
	struct ls_owner *o = calloc(1, sizeof(*o));
	if (!o)
		return NULL;
	o->kind = kind;
	o->ident = *id;
	o->pidfd = -1;
	if (self) {
		adopt(o);
	} else if (kind == BPF_MAP_TYPE_TASK_STORAGE) {
		o->pidfd = (int)sys_raw(SYS_pidfd_open, (long)id->id, PIDFD_THREAD, 0, 0, 0, 0);
		if (o->pidfd < 0) {
			free(o);
			return NULL;
		}
	}
	*p = o;
	return o;
}

/* Owners other than the calling thread's own task go when their last value does. */
static void owner_maybe_free(struct ls_owner *o)
{
	if (!o->nr && !o->local) {
		owner_unlink(o);
		owner_free(o);
	}
}

static struct ls_elem *elem_of(struct ls_owner *o, const struct ls_map *m)
{
	for (u32 i = 0; o && i < o->nr; i++)
		if (o->elems[i].map == m)
			return &o->elems[i];
	return NULL;
}

static void *slot_value(const struct ls_map *m, u32 slot)
{
	return m->map.region.base + (u64)slot * m->map.region.stride;
}

/* A new zeroed value for o in m: its slot, or -ENOMEM. */
static long elem_new(struct ls_map *m, struct ls_owner *o)
{
	if (o->nr == o->cap) {
		u32 cap = o->cap ? o->cap * 2 : 4;
		struct ls_elem *e = realloc(o->elems, cap * sizeof(*e));
		if (!e)
			return -ENOMEM;
		o->elems = e;
		o->cap = cap;
	}
	u32 slot;
	if (m->nr_free)
		slot = m->free_slots[--m->nr_free];
	else if (m->used < m->cap)
		slot = m->used++;
	else
		return -ENOMEM;
	map_value_memset0(slot_value(m, slot), m->map.value_size);
	m->owner_of[slot] = o;
	o->elems[o->nr++] = (struct ls_elem){ m, slot };
	return slot;
}

static void elem_delete(struct ls_owner *o, struct ls_elem *e)
{
	slot_release(e->map, e->slot);
	*e = o->elems[--o->nr];
	owner_maybe_free(o);
}

/* ---- program side (helpers/storage.c) ---- */

void *local_storage_get(struct bpf_map *map, const struct ls_ident *owner, const void *init,
			bool create)
{
	struct ls_map *m = ls_of(map);
	bool self = map->map_type == BPF_MAP_TYPE_TASK_STORAGE && is_self(owner);
	void *value = NULL;

	/* the fast path: the running thread's own value, found again (no value was
	 * released since; a racing delete leaves it mapped, as RCU would) */
	if (self && self_cache.map == map &&
	    self_cache.gen == __atomic_load_n(&ls_gen, __ATOMIC_ACQUIRE))
		return self_cache.value;
	pthread_mutex_lock(&ls_lock);
	struct ls_owner *o = owner_find(map->map_type, owner, create);
	struct ls_elem *e = elem_of(o, m);
	if (e) {
		value = slot_value(m, e->slot);
	} else if (o && create) {
		long slot = elem_new(m, o);
		if (slot >= 0) {
			value = slot_value(m, (u32)slot);
			if (init)
				map_copy_value(map, value, init);
		} else {
			owner_maybe_free(o);
		}
	}
	if (self && value) {
		self_cache.map = map;
		self_cache.gen = ls_gen;
		self_cache.value = value;
	}
	pthread_mutex_unlock(&ls_lock);
	return value;
}

long local_storage_delete(struct bpf_map *map, const struct ls_ident *owner)
{
	long err = -ENOENT;

	pthread_mutex_lock(&ls_lock);
	struct ls_owner *o = owner_find(map->map_type, owner, false);
	struct ls_elem *e = elem_of(o, ls_of(map));
	if (e) {
		elem_delete(o, e);
		err = 0;
	}
	pthread_mutex_unlock(&ls_lock);
	return err;
}

/* ---- user side: the owner a descriptor names ---- */

/* "/proc/<caller>/fd/<fd>": the caller's descriptor, also under the shared runtime. */
static void fd_path(char *buf, size_t len, int fd)
{
	pid_t remote = uaccess_remote_pid();

	if (remote)
		snprintf(buf, len, "/proc/%d/fd/%d", (int)remote, fd);
	else
		snprintf(buf, len, "/proc/self/fd/%d", fd);
}

/* The kernel's struct pidfd_info (6.13 on), the 64 bytes of its first version, and the
 * pidfs ioctl that fills it. */
struct pidfd_info_v0 {
	u64 mask, cgroupid;
	u32 pid, tgid, ppid, ruid, rgid, euid, egid, suid, sgid, fsuid, fsgid;
	s32 exit_code;
};
#define PIDFD_GET_INFO_V0 _IOWR(0xFF, 11, struct pidfd_info_v0)
#define PIDFD_INFO_PID 1ull
#define PIDFS_MAGIC 0x50494446

/* The task a pidfd of this process refers to, asked of pidfs: 0, -ENOENT (the task is
 * gone) or 1 when the kernel cannot tell this way (not pidfs, an older kernel). */
static int pidfd_task_ioctl(int fd, struct ls_ident *id)
{
	struct pidfd_info_v0 info = { .mask = PIDFD_INFO_PID };
	struct statfs sfs;

	if (sys_raw(SYS_fstatfs, fd, (long)&sfs, 0, 0, 0, 0) || sfs.f_type != PIDFS_MAGIC)
		return 1;
	if (sys_ioctl(fd, PIDFD_GET_INFO_V0, &info))
		return errno == ESRCH ? -ENOENT : 1;
	if (!(info.mask & PIDFD_INFO_PID))
		return 1;
	id->id = info.pid;
	return 0;
}

/* The task a pidfd refers to (pidfs's answer, else its "Pid:" line in fdinfo): 0, -EBADF
 * (no pidfd) or -ENOENT (the task is gone). */
static int pidfd_task(int fd, struct ls_ident *id)
{
	char path[64], buf[1024];
	pid_t remote = uaccess_remote_pid();
	int err = remote || fd < 0 ? 1 : pidfd_task_ioctl(fd, id);

	if (err <= 0)
		return err;
	if (remote)
		snprintf(path, sizeof(path), "/proc/%d/fdinfo/%d", (int)remote, fd);
	else
		snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	int f = fd >= 0 ? open(path, O_RDONLY | O_CLOEXEC) : -1;
	ssize_t n = f >= 0 ? read(f, buf, sizeof(buf) - 1) : -1;
	if (f >= 0)
		sys_close(f);
	if (n <= 0)
		return -EBADF;
	buf[n] = 0;
	const char *pid = strstr(buf, "\nPid:\t");
	if (!pid)
		return -EBADF;
	long v = strtol(pid + 6, NULL, 10);
	if (v <= 0)
		return -ENOENT;
	id->id = (u64)v;
	return 0;
}

/* The birth time of the file at path in ns (statx btime), 0 when the file system has none. */
static u64 inode_birth(const char *path)
{
	struct statx stx;

	if (statx(AT_FDCWD, path, 0, STATX_BTIME, &stx) || !(stx.stx_mask & STATX_BTIME))
		return 0;
	return (u64)stx.stx_btime.tv_sec * 1000000000ull + stx.stx_btime.tv_nsec;
}

/* The owner of the user-space key (a descriptor) for the map's type: 0 or the kernel's
 * errno for that descriptor. */
static int owner_of_fd(const struct bpf_map *map, const void *key, struct ls_ident *id)
{
	char path[64];
	struct stat st;
	struct statfs sfs;
	int fd;

	memcpy(&fd, key, sizeof(fd));
	memset(id, 0, sizeof(*id));
	if (map->map_type == BPF_MAP_TYPE_TASK_STORAGE)
		return pidfd_task(fd, id);
	fd_path(path, sizeof(path), fd);
	if (fd < 0 || stat(path, &st))
		return -EBADF;
	id->id = st.st_ino;
	switch (map->map_type) {
	case BPF_MAP_TYPE_SK_STORAGE:
		return S_ISSOCK(st.st_mode) ? 0 : -ENOTSOCK;
	case BPF_MAP_TYPE_CGRP_STORAGE:
		if (sys_raw(SYS_statfs, (long)path, (long)&sfs, 0, 0, 0, 0) ||
		    sfs.f_type != CGROUP2_SUPER_MAGIC || !S_ISDIR(st.st_mode))
			return -EBADF;
		return 0;
	default: /* inode */
		id->dev = st.st_dev;
		id->born = inode_birth(path);
		return 0;
	}
}

/* ---- user side: the commands ---- */

static int ls_lookup_user(struct bpf_map *map, const void *key, void *value, u64 flags)
{
	struct ls_ident id;
	int err = owner_of_fd(map, key, &id);

	if (err)
		return err;
	pthread_mutex_lock(&ls_lock);
	struct ls_elem *e = elem_of(owner_find(map->map_type, &id, false), ls_of(map));
	if (e && (flags & BPF_F_LOCK))
		map_copy_value_locked(map, value, slot_value(ls_of(map), e->slot), true);
	else if (e)
		map_copy_value(map, value, slot_value(ls_of(map), e->slot));
	pthread_mutex_unlock(&ls_lock);
	if (!e)
		return -ENOENT;
	map_clear_special(map, value);
	return 0;
}

/* Gives o a new value in m from user space (the old one's special fields released, the
 * new ones zeroed, as the kernel's replacing element): 0 or -ENOMEM. */
static int replace_value(struct ls_map *m, struct ls_owner *o, struct ls_elem *e, const void *value)
{
	long slot = e ? (long)e->slot : elem_new(m, o);

	if (slot < 0)
		return (int)slot;
	if (e) {
		map_free_value_fields(&m->map, slot_value(m, e->slot));
		map_clear_special(&m->map, slot_value(m, e->slot));
	}
	map_copy_value(&m->map, slot_value(m, (u32)slot), value);
	return 0;
}

/* The kernel's bpf_local_storage_update from user space: BPF_NOEXIST / BPF_EXIST against
 * the element, BPF_F_LOCK copies into the value under its lock, else the value is
 * replaced by a new one (special fields zeroed, the old ones released). */
static int ls_update_user(struct bpf_map *map, const void *key, const void *value, u64 flags)
{
	u64 op = flags & ~(u64)BPF_F_LOCK;
	struct ls_ident id;
	int err = owner_of_fd(map, key, &id);

	if (!err && op > BPF_EXIST)
		err = -EINVAL;
	if (err)
		return err;
	struct ls_map *m = ls_of(map);
	pthread_mutex_lock(&ls_lock);
	struct ls_owner *o = owner_find(map->map_type, &id, op != BPF_EXIST);
	struct ls_elem *e = elem_of(o, m);
	if (e && op == BPF_NOEXIST)
		err = -EEXIST;
	else if (!e && op == BPF_EXIST)
		err = -ENOENT;
	else if (!o)
		err = -ENOMEM;
	else if (e && (flags & BPF_F_LOCK))
		map_copy_value_locked(map, slot_value(m, e->slot), value, false);
	else
		err = replace_value(m, o, e, value);
	if (o && err)
		owner_maybe_free(o);
	pthread_mutex_unlock(&ls_lock);
	return err;
}

static int ls_delete_user(struct bpf_map *map, const void *key)
{
	struct ls_ident id;
	int err = owner_of_fd(map, key, &id);

	return err ? err : (int)local_storage_delete(map, &id);
}

static int ls_get_next_key(struct bpf_map *map, const void *key, void *next_key)
{
	return -ENOTSUPP;
}

/* ---- the map ---- */

static int ls_alloc_check(const union bpf_attr *attr)
{
	if ((attr->map_flags & ~(u32)LS_CREATE_FLAG_MASK) ||
	    !(attr->map_flags & BPF_F_NO_PREALLOC) || attr->max_entries ||
	    attr->key_size != sizeof(int) || !attr->value_size || !attr->btf_key_type_id ||
	    !attr->btf_value_type_id)
		return -EINVAL;
	if (attr->value_size > LS_MAX_VALUE_SIZE)
		return -E2BIG;
	return 0;
}

static void ls_free(struct bpf_map *map)
{
	struct ls_map *m = ls_of(map);

	pthread_mutex_lock(&ls_lock);
	for (u32 slot = 0; m->owner_of && slot < m->used; slot++) {
		struct ls_owner *o = m->owner_of[slot];
		struct ls_elem *e = o ? elem_of(o, m) : NULL;
		if (e)
			elem_delete(o, e);
	}
	pthread_mutex_unlock(&ls_lock);
	if (map->region.base)
		sys_munmap(map->region.base, m->region_len);
	free(m->owner_of);
	free(m->free_slots);
	free(m);
}

static struct bpf_map *ls_alloc(const union bpf_attr *attr)
{
	struct ls_map *m = calloc(1, sizeof(*m));

	if (!m)
		return ERR_PTR(-ENOMEM);
	m->map.obj.memfd = -1;
	u64 stride = ROUND_UP(attr->value_size, 8);
	m->cap = (u32)MIN(LS_REGION_BYTES / stride, (u64)LS_MAX_SLOTS);
	m->region_len = m->cap * stride;
	m->map.region = (struct map_region){ .base = map_reserve(m->region_len),
					     .stride = stride,
					     .value_len = attr->value_size,
					     .count = m->cap };
	m->owner_of = calloc(m->cap, sizeof(*m->owner_of));
	m->free_slots = malloc(m->cap * sizeof(*m->free_slots));
	if (!m->map.region.base || !m->owner_of || !m->free_slots) {
		ls_free(&m->map);
		return ERR_PTR(-ENOMEM);
	}
	return &m->map;
}

/* The kernel's bpf_local_storage_map_check_btf: the key is a 32-bit int. */
static int ls_check_btf(const struct bpf_map *map, const struct btf_obj *b, u32 key_id,
			u32 value_id)
{
	int resolved = key_id ? btf__resolve_type(b->btf, key_id) : -1;
	const struct btf_type *k = resolved > 0 ? btf__type_by_id(b->btf, (u32)resolved) : NULL;

	return k && btf_is_int(k) && btf_int_bits(k) == 32 && !btf_int_offset(k) ? 0 : -EINVAL;
}

const struct map_ops local_storage_map_ops = {
	.alloc_check = ls_alloc_check,
	.alloc = ls_alloc,
	.free = ls_free,
	.lookup_user = ls_lookup_user,
	.update_user = ls_update_user,
	.delete_user = ls_delete_user,
	.get_next_key = ls_get_next_key,
	.check_btf = ls_check_btf,
	.field_kinds = FIELD_BIT(FIELD_SPIN_LOCK),
};
