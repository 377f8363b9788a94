/* Objects: reference counts, id spaces and the descriptor table.
 *
 * Locking:
 *   id_spaces[t].lock - one mutex per object type; protects that type's sorted id array
 *                       and its cyclic cursor.  obj_by_id takes its reference under it.
 *   fd_lock           - one mutex for the descriptor table.  Slots are written only under
 *                       it; lookups that take a reference (obj_from_fd) read under it.
 *                       obj_fd_is_object() reads a slot without it (an atomic load): it
 *                       only answers "is this number an object now".
 *   Neither lock is ever held while an object is freed or released: references dropped
 *   while a slot changes are put after the lock is released.  The two locks never nest.
 *
 * Descriptors are real descriptors (memfds, or fresh opens of a map's backing memfd), so
 * the kernel allocates their numbers and they never collide with the application's files.
 * They are closed and duplicated with raw system calls (lib/sys.h), never through close(2) /
 * dup(2) or syscall(3), which the bridge interposes in libbpfrun.so.
 */
#include <ctype.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "bpfrun.h"
#include "object.h"
#include "../lib/sys.h"

static bool sys_fd_is_open(int fd)
{
	return sys_fcntl(fd, F_GETFD, 0) >= 0;
}

int obj_name_copy(char *dst, const char *src, size_t len)
{
	size_t i;

	memset(dst, 0, len);
	for (i = 0; i < len && src[i]; i++) {
		if (!isalnum((unsigned char)src[i]) && src[i] != '_' && src[i] != '.')
			return -EINVAL;
		dst[i] = src[i];
	}
	return i == len ? -EINVAL : 0;
}

/* ---- ids ---- */

struct id_entry {
	u32 id;
	bool published; /* visible to GET_NEXT_ID / GET_FD_BY_ID once it has a descriptor */
	struct obj *obj;
};

struct id_space {
	pthread_mutex_t lock;
	struct id_entry *v; /* sorted by id */
	size_t n, cap;
	u32 last; /* last id handed out (cyclic allocation, as the kernel's idr) */
};

#define ID_MAX ((u32)INT32_MAX - 1) /* ids are in [1, INT_MAX) */

static struct id_space id_spaces[OBJ_TYPE_MAX + 1] = {
	[OBJ_MAP] = { .lock = PTHREAD_MUTEX_INITIALIZER },
	[OBJ_PROG] = { .lock = PTHREAD_MUTEX_INITIALIZER },
	[OBJ_BTF] = { .lock = PTHREAD_MUTEX_INITIALIZER, .last = BTF_VMLINUX_ID },
	[OBJ_LINK] = { .lock = PTHREAD_MUTEX_INITIALIZER },
	/* perf events have no id the user sees; the space only keeps obj_init uniform */
	[OBJ_PERF_EVENT] = { .lock = PTHREAD_MUTEX_INITIALIZER },
};

/* Index of the first entry with id >= id. */
static size_t id_lower_bound(const struct id_space *s, u32 id)
{
	size_t lo = 0, hi = s->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (s->v[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static bool id_is_live(const struct id_space *s, u32 id)
{
	size_t i = id_lower_bound(s, id);
	return i < s->n && s->v[i].id == id;
}

/* Gives o an id: want (a reserved one, BTF_VMLINUX_ID) or, with want 0, the next free
 * one after the last, cyclically. */
static int id_alloc(struct id_space *s, struct obj *o, u32 want)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 64;
		struct id_entry *v = realloc(s->v, cap * sizeof(*v));
		if (!v)
			return -ENOMEM;
		s->v = v;
		s->cap = cap;
	}
	if (s->n >= ID_MAX)
		return -ENOSPC;
	u32 id = want;
	if (want && id_is_live(s, want))
		return -EEXIST;
	if (!want) {
		id = s->last;
		do
			id = id >= ID_MAX ? 1 : id + 1;
		while (id_is_live(s, id) || (s == &id_spaces[OBJ_BTF] && id == BTF_VMLINUX_ID));
		s->last = id;
	}
	size_t i = id_lower_bound(s, id);
	memmove(&s->v[i + 1], &s->v[i], (s->n - i) * sizeof(*s->v));
	s->v[i] = (struct id_entry){ .id = id, .obj = o };
	s->n++;
	o->id = id;
	return 0;
}

static void id_free(struct obj *o)
{
	struct id_space *s = &id_spaces[o->type];

	pthread_mutex_lock(&s->lock);
	size_t i = id_lower_bound(s, o->id);
	if (i < s->n && s->v[i].obj == o) {
		memmove(&s->v[i], &s->v[i + 1], (s->n - i - 1) * sizeof(*s->v));
		s->n--;
	}
	pthread_mutex_unlock(&s->lock);
}

static void id_publish(struct obj *o)
{
	struct id_space *s = &id_spaces[o->type];

	pthread_mutex_lock(&s->lock);
	size_t i = id_lower_bound(s, o->id);
	if (i < s->n && s->v[i].obj == o)
		s->v[i].published = true;
	pthread_mutex_unlock(&s->lock);
}

static bool type_valid(enum obj_type type)
{
	return type >= OBJ_MAP && type <= OBJ_TYPE_MAX;
}

struct obj *obj_by_id(enum obj_type type, u32 id)
{
	struct obj *found = NULL;

	if (!type_valid(type))
		return NULL;
	struct id_space *s = &id_spaces[type];
	pthread_mutex_lock(&s->lock);
	size_t i = id_lower_bound(s, id);
	if (i < s->n && s->v[i].id == id && s->v[i].published && obj_get_unless_zero(s->v[i].obj))
		found = s->v[i].obj;
	pthread_mutex_unlock(&s->lock);
	return found;
}

u32 obj_next_id(enum obj_type type, u32 start)
{
	u32 id = 0;

	if (!type_valid(type) || start == UINT32_MAX)
		return 0;
	struct id_space *s = &id_spaces[type];
	pthread_mutex_lock(&s->lock);
	for (size_t i = id_lower_bound(s, start + 1); i < s->n; i++) {
		if (s->v[i].published) {
			id = s->v[i].id;
			break;
		}
	}
	pthread_mutex_unlock(&s->lock);
	return id;
}

/* ---- references ---- */

static int obj_init_id(struct obj *o, enum obj_type type, const struct obj_ops *ops, u32 want)
{
	if (!type_valid(type))
		return -EINVAL;
	o->type = type;
	o->ops = ops;
	o->refcnt = 1;
	o->usercnt = 0;
	o->memfd = -1;
	struct id_space *s = &id_spaces[type];
	pthread_mutex_lock(&s->lock);
	int err = id_alloc(s, o, want);
	pthread_mutex_unlock(&s->lock);
	return err;
}

int obj_init(struct obj *o, enum obj_type type, const struct obj_ops *ops)
{
	return obj_init_id(o, type, ops, 0);
}

int obj_init_kernel(struct obj *o, enum obj_type type, const struct obj_ops *ops, u32 id)
{
	int err = obj_init_id(o, type, ops, id);

	if (!err)
		id_publish(o);
	return err;
}

void obj_get(struct obj *o)
{
	__atomic_add_fetch(&o->refcnt, 1, __ATOMIC_RELAXED);
}

bool obj_get_unless_zero(struct obj *o)
{
	long c = __atomic_load_n(&o->refcnt, __ATOMIC_RELAXED);

	while (c > 0)
		if (__atomic_compare_exchange_n(&o->refcnt, &c, c + 1, false, __ATOMIC_ACQUIRE,
						__ATOMIC_RELAXED))
			return true;
	return false;
}

void obj_put(struct obj *o)
{
	if (__atomic_sub_fetch(&o->refcnt, 1, __ATOMIC_ACQ_REL) != 0)
		return;
	/* As the kernel: the id disappears with the last reference, then the object goes. */
	id_free(o);
	o->ops->free(o);
}

void obj_get_user(struct obj *o)
{
	obj_get(o);
	__atomic_add_fetch(&o->usercnt, 1, __ATOMIC_RELAXED);
}

void obj_put_user(struct obj *o)
{
	if (__atomic_sub_fetch(&o->usercnt, 1, __ATOMIC_ACQ_REL) == 0 && o->ops->release_user)
		o->ops->release_user(o);
	obj_put(o);
}

/* ---- the descriptor table ---- */

struct fd_slot {
	struct obj *obj; /* NULL: not an object descriptor */
	u32 flags;       /* BPF_F_RDONLY / BPF_F_WRONLY of this descriptor */
};

/* Two levels so that slots never move: chunks are allocated on first use and never freed,
 * which lets obj_fd_is_object() read without the lock. */
#define FD_CHUNK_SHIFT 12
#define FD_CHUNK_SIZE (1u << FD_CHUNK_SHIFT)
#define FD_NR_CHUNKS (1u << 18) /* descriptors up to 2^30, above fs.nr_open's maximum */

static struct fd_slot *fd_chunks[FD_NR_CHUNKS];
static pthread_mutex_t fd_lock = PTHREAD_MUTEX_INITIALIZER;
static int fd_high; /* highest descriptor ever entered, under fd_lock */

static bool fd_in_range(int fd)
{
	return fd >= 0 && (unsigned int)fd < FD_NR_CHUNKS * FD_CHUNK_SIZE;
}

/* Slot of fd, or NULL when its chunk does not exist (lock-free read). */
static struct fd_slot *fd_slot_peek(int fd)
{
	struct fd_slot *chunk = __atomic_load_n(&fd_chunks[fd >> FD_CHUNK_SHIFT], __ATOMIC_ACQUIRE);
	return chunk ? &chunk[fd & (FD_CHUNK_SIZE - 1)] : NULL;
}

/* Slot of fd, allocating its chunk; caller holds fd_lock. */
static struct fd_slot *fd_slot_make(int fd)
{
	struct fd_slot *slot = fd_slot_peek(fd);

	if (slot)
		return slot;
	struct fd_slot *chunk = calloc(FD_CHUNK_SIZE, sizeof(*chunk));
	if (!chunk)
		return NULL;
	__atomic_store_n(&fd_chunks[fd >> FD_CHUNK_SHIFT], chunk, __ATOMIC_RELEASE);
	return &chunk[fd & (FD_CHUNK_SIZE - 1)];
}

/* Empties fd's slot (caller holds fd_lock); returns the object it held, to be put by the
 * caller once the lock is released. */
static struct obj *fd_slot_take(int fd)
{
	struct fd_slot *slot = fd_in_range(fd) ? fd_slot_peek(fd) : NULL;

	if (!slot || !slot->obj)
		return NULL;
	struct obj *o = slot->obj;
	__atomic_store_n(&slot->obj, NULL, __ATOMIC_RELEASE);
	slot->flags = 0;
	return o;
}

/* Enters fd -> o (o's user reference already taken).  Returns the object the slot held
 * before (a stale entry), to be put by the caller. */
static struct obj *fd_slot_set(struct fd_slot *slot, int fd, struct obj *o, u32 flags)
{
	struct obj *old = slot->obj;

	slot->flags = flags;
	__atomic_store_n(&slot->obj, o, __ATOMIC_RELEASE);
	if (fd > fd_high)
		fd_high = fd;
	return old;
}

static const char *memfd_name(enum obj_type type)
{
	static const char *const names[] = { [OBJ_MAP] = "bpf-map",
					     [OBJ_PROG] = "bpf-prog",
					     [OBJ_BTF] = "btf",
					     [OBJ_LINK] = "bpf-link",
					     [OBJ_PERF_EVENT] = "perf_event" };
	return names[type];
}

/* A new real descriptor for o: a fresh open of its backing memfd (so mmap(2) of any
 * descriptor of the map shares the memory programs use), else an empty memfd.  Always
 * close-on-exec, as the kernel's bpf descriptors are.  A BPF_F_RDONLY / BPF_F_WRONLY
 * descriptor is opened read-only / write-only, so that mmap(2) refuses what the kernel
 * refuses on such a descriptor (EACCES). */
static int fd_open_real(struct obj *o, u32 fd_flags)
{
	int mode = fd_flags & BPF_F_RDONLY ? O_RDONLY : fd_flags & BPF_F_WRONLY ? O_WRONLY : O_RDWR;

	if (o->memfd < 0)
		return memfd_create(memfd_name(o->type), MFD_CLOEXEC);
	char path[64];
	snprintf(path, sizeof(path), "/proc/self/fd/%d", o->memfd);
	int fd = open(path, mode | O_CLOEXEC);
	if (fd < 0) /* no /proc: a duplicate shares the same memory */
		fd = sys_fcntl(o->memfd, F_DUPFD_CLOEXEC, 0);
	return fd;
}

static __thread const struct obj_fd_remote *fd_remote;

void obj_fd_set_remote(const struct obj_fd_remote *r)
{
	fd_remote = r;
}

bool obj_fd_remote_active(void)
{
	return fd_remote != NULL;
}

int obj_fd_open_file(struct obj *o, u32 fd_flags)
{
	return fd_open_real(o, fd_flags);
}

int obj_fd_give(int fd)
{
	if (fd_remote)
		return fd_remote->give(fd);
	int copy = sys_fcntl(fd, F_DUPFD_CLOEXEC, 0);
	return copy < 0 ? -errno : copy;
}

int obj_fd_new(struct obj *o, u32 fd_flags)
{
	if (unlikely(fd_remote)) {
		int rfd = fd_remote->install(o, fd_flags);
		if (rfd >= 0)
			id_publish(o);
		return rfd;
	}
	int fd = fd_open_real(o, fd_flags);

	if (fd < 0)
		return -errno;
	if (!fd_in_range(fd)) {
		sys_close(fd);
		return -EMFILE;
	}
	obj_get_user(o);
	pthread_mutex_lock(&fd_lock);
	struct fd_slot *slot = fd_slot_make(fd);
	struct obj *stale = slot ? fd_slot_set(slot, fd, o,
					       fd_flags & (BPF_F_RDONLY | BPF_F_WRONLY)) :
				   NULL;
	pthread_mutex_unlock(&fd_lock);
	if (!slot) {
		sys_close(fd);
		obj_put_user(o);
		return -ENOMEM;
	}
	if (stale) /* its descriptor was closed behind our back and the number reused */
		obj_put_user(stale);
	id_publish(o);
	return fd;
}

bool obj_fd_is_object(int fd)
{
	if (!fd_in_range(fd))
		return false;
	struct fd_slot *slot = fd_slot_peek(fd);
	return slot && __atomic_load_n(&slot->obj, __ATOMIC_ACQUIRE);
}

struct obj *obj_from_fd(int fd, enum obj_type type, u32 *fd_flags)
{
	struct obj *o = NULL;
	u32 flags = 0;

	if (unlikely(fd_remote)) {
		o = fd_remote->lookup(fd, &flags);
		if (IS_ERR(o))
			return o;
	} else if (obj_fd_is_object(fd)) {
		pthread_mutex_lock(&fd_lock);
		struct fd_slot *slot = fd_slot_peek(fd);
		o = slot->obj;
		flags = slot->flags;
		if (o)
			obj_get(o);
		pthread_mutex_unlock(&fd_lock);
	}
	if (!o) /* the kernel: EBADF for a closed descriptor, EINVAL for another file */
		return ERR_PTR(sys_fd_is_open(fd) ? -EINVAL : -EBADF);
	if (type && o->type != type) {
		obj_put(o);
		return ERR_PTR(-EINVAL);
	}
	if (fd_flags)
		*fd_flags = flags;
	return o;
}

int obj_fd_close(int fd)
{
	pthread_mutex_lock(&fd_lock);
	struct obj *o = fd_slot_take(fd);
	pthread_mutex_unlock(&fd_lock);
	/* The number stays ours until the real close: nobody can reuse it in between. */
	int ret = sys_close(fd) ? -errno : 0;
	if (o)
		obj_put_user(o);
	return ret;
}

void obj_fd_dup_notify(int oldfd, int newfd)
{
	struct obj *prev, *o = NULL;

	if (oldfd == newfd || !fd_in_range(newfd))
		return;
	pthread_mutex_lock(&fd_lock);
	prev = fd_slot_take(newfd);
	struct fd_slot *from = fd_in_range(oldfd) ? fd_slot_peek(oldfd) : NULL;
	if (from && from->obj) {
		struct fd_slot *to = fd_slot_make(newfd);
		if (to) {
			o = from->obj;
			obj_get_user(o);
			fd_slot_set(to, newfd, o, from->flags);
		}
	}
	pthread_mutex_unlock(&fd_lock);
	if (prev) /* dup2 over another object's descriptor closed it */
		obj_put_user(prev);
}

void obj_fd_close_range_notify(unsigned int lo, unsigned int hi)
{
	pthread_mutex_lock(&fd_lock);
	unsigned int last = MIN(hi, (unsigned int)fd_high);
	size_t n = 0, cap = 0;
	struct obj **closed = NULL;
	for (unsigned int fd = lo; fd <= last; fd++) {
		struct fd_slot *slot = fd_slot_peek((int)fd);
		if (!slot || !slot->obj)
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			struct obj **v = realloc(closed, cap * sizeof(*v));
			if (!v)
				break; /* the rest stay as stale entries, replaced on reuse */
			closed = v;
		}
		closed[n++] = fd_slot_take((int)fd);
	}
	pthread_mutex_unlock(&fd_lock);
	for (size_t i = 0; i < n; i++)
		obj_put_user(closed[i]);
	free(closed);
}

/* ---- public close/dup ---- */

static int ret_errno(int ret)
{
	if (ret < 0) {
		errno = -ret;
		return -1;
	}
	return ret;
}

int bpfrun_close(int fd)
{
	return ret_errno(obj_fd_close(fd));
}

int bpfrun_dup(int fd)
{
	int newfd = sys_dup(fd);

	if (newfd >= 0)
		obj_fd_dup_notify(fd, newfd);
	return newfd;
}

int bpfrun_dup2(int oldfd, int newfd)
{
	if (oldfd == newfd) /* dup2(2): newfd if valid, nothing else happens */
		return sys_fd_is_open(oldfd) ? newfd : ret_errno(-EBADF);
	int ret = sys_dup3(oldfd, newfd, 0);
	if (ret >= 0)
		obj_fd_dup_notify(oldfd, newfd);
	return ret;
}
