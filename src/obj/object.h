/* bpf objects (maps, programs, BTF), their references, ids and file descriptors.
 *
 * Every object carries two counts, as in the kernel:
 *   refcnt  - every reference: descriptors, pins, programs using a map, running
 *             callbacks, in-flight syscalls.  At zero the type's free() runs.
 *   usercnt - only descriptors and pins (user references).  When it drops to zero the
 *             type's release_user() runs (a map then cancels and frees its timers).
 * A user reference always holds one refcnt as well.
 *
 * Descriptors are real descriptors of the process (each a memfd) so their numbers never
 * collide with the application's files.  The fd table maps descriptor numbers to objects;
 * dup'd descriptors are entered separately and each holds its own references.
 */
#ifndef BPFRUN_OBJECT_H
#define BPFRUN_OBJECT_H

#include "../lib/common.h"

enum obj_type { OBJ_MAP = 1, OBJ_PROG, OBJ_BTF, OBJ_LINK, OBJ_PERF_EVENT };
#define OBJ_TYPE_MAX OBJ_PERF_EVENT
/* The kernel's own BTF (vmlinux) has BTF id 1, as in the kernel: loaded BTF objects get
 * the ids after it, and attach_btf_obj_id names it. */
#define BTF_VMLINUX_ID 1u

struct obj;
struct obj_ops {
	void (*free)(struct obj *o);         /* refcnt reached 0 */
	void (*release_user)(struct obj *o); /* usercnt reached 0 (may be NULL) */
};

struct obj {
	enum obj_type type;
	const struct obj_ops *ops;
	long refcnt;  /* atomic */
	long usercnt; /* atomic */
	u32 id;       /* from the type's id space, > 0 */
	int memfd;    /* backing memory for mmapable maps, else -1 */
};

/* Initializes counts to refcnt=1, usercnt=0 and allocates an id. */
int obj_init(struct obj *o, enum obj_type type, const struct obj_ops *ops);
/* The same for an object the kernel has from its start (the vmlinux BTF): the id it
 * reserves for it, and visible by id at once, with no descriptor.  -EEXIST if taken. */
int obj_init_kernel(struct obj *o, enum obj_type type, const struct obj_ops *ops, u32 id);
void obj_get(struct obj *o);
void obj_put(struct obj *o);
void obj_get_user(struct obj *o); /* +1 usercnt, +1 refcnt */
void obj_put_user(struct obj *o);
/* Takes a reference if the object is still alive (refcnt > 0); false otherwise. */
bool obj_get_unless_zero(struct obj *o);

/* The kernel's bpf_obj_name_cpy: copies a map's or program's name of [A-Za-z0-9_.]*,
 * NUL-terminated within the field of len bytes: 0 or -EINVAL. */
int obj_name_copy(char *dst, const char *src, size_t len);

/* ---- descriptors ---- */
/* Creates a new descriptor holding a *new* user reference on o. flags: O_CLOEXEC,
 * BPF_F_RDONLY/BPF_F_WRONLY (kept with the descriptor). Returns fd or -errno. */
int obj_fd_new(struct obj *o, u32 fd_flags);
/* Looks up a descriptor; returns the object with +1 refcnt, or ERR_PTR(-EBADF) when fd
 * is not open and ERR_PTR(-EINVAL) when it is another file or an object of another type.
 * *fd_flags (may be NULL) receives the descriptor's BPF_F_RDONLY/WRONLY flags. */
struct obj *obj_from_fd(int fd, enum obj_type type, u32 *fd_flags);
/* Closes fd (any descriptor); drops its references if it was an object's. */
int obj_fd_close(int fd);
/* Called after a successful dup-like call created newfd as a copy of oldfd
 * (dup, dup2, dup3, fcntl F_DUPFD*): enters newfd with its own references.
 * If newfd was an object descriptor before (dup2 over it), that one is released. */
void obj_fd_dup_notify(int oldfd, int newfd);
/* Forgets descriptors in [lo, hi] that were closed (close_range). */
void obj_fd_close_range_notify(unsigned int lo, unsigned int hi);
bool obj_fd_is_object(int fd);

/* Descriptors of another process (the runtime serving a bpf() call of a supervised
 * process, src/server/): while a thread has set these, obj_fd_new() and obj_from_fd()
 * work on the caller's descriptors through them instead of the table above. */
struct obj_fd_remote {
	/* Gives the caller a new descriptor with a new user reference on o: its number
	 * there, or -errno. */
	int (*install)(struct obj *o, u32 fd_flags);
	/* The object behind the caller's descriptor fd (+1 refcnt), or ERR_PTR(-EBADF /
	 * -EINVAL) as obj_from_fd. */
	struct obj *(*lookup)(int fd, u32 *fd_flags);
	/* Gives the caller a copy of our descriptor fd, a file that is no object's (the
	 * eventfd standing for a ring in epoll): its number there, or -errno. */
	int (*give)(int fd);
};
void obj_fd_set_remote(const struct obj_fd_remote *r); /* this thread; NULL: local */
/* True while this thread works on another process's descriptors. */
bool obj_fd_remote_active(void);
/* A real descriptor of this process for o, opened as obj_fd_new's are, with no reference
 * and no table entry (for obj_fd_remote.install).  -1 and errno on failure. */
int obj_fd_open_file(struct obj *o, u32 fd_flags);
/* A new descriptor of the caller's (the remote process's while one is set, else ours,
 * close-on-exec) for the same file as our descriptor fd, which stays ours: its number, or
 * -errno.  For files that are no object's: the caller owns what it gets. */
int obj_fd_give(int fd);

/* ---- ids ---- */
struct obj *obj_by_id(enum obj_type type, u32 id); /* +1 refcnt or NULL */
/* Smallest id > start of a live object of the type; 0 when none. */
u32 obj_next_id(enum obj_type type, u32 start);

/* ---- pins ---- */
int pin_add(const char *path, struct obj *o); /* takes a user reference */
struct obj *pin_get(const char *path);        /* +1 refcnt, or ERR_PTR */
int pin_remove(const char *path);             /* 0, or -ENOENT when not a pin */
bool pin_exists(const char *path);
/* True when path is a directory that bpfrun treats as a BPF filesystem. */
bool pin_dir_is_bpffs(const char *path);
/* Directories below /sys/fs/bpf are entries of the pin table (the bridge's mkdir/rmdir
 * route them here): 0 or -errno as mkdir(2)/rmdir(2) on a BPF filesystem.  pin_rmdir and
 * pin_remove return -ENOENT when path is not an entry (ask the real file system). */
int pin_mkdir(const char *path);
int pin_rmdir(const char *path);
/* True when path is /sys/fs/bpf or lies below it. */
bool pin_path_in_bpffs_root(const char *path);
/* Calls fn for every entry (o NULL: a directory) under the pins' lock, which fn must not
 * take; returns the number of entries. */
size_t pin_list(void (*fn)(const char *path, struct obj *o, void *arg), void *arg);

#endif
