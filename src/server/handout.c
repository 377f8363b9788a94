/* Descriptors of supervised processes: the runtime's side of struct obj_fd_remote.
 *
 * A descriptor the runtime gives a process is a real file, installed in the process with
 * SECCOMP_IOCTL_NOTIF_ADDFD: an open of a fresh memfd, or for an mmapable map an open of
 * the map's backing memfd (so that mmap(2) in the process shares the values natively,
 * with no call to the runtime).  From then on the kernel itself keeps the process's
 * descriptors right through dup, fcntl, fork, SCM_RIGHTS, close and exit; the runtime sees
 * none of those calls.  It only has to learn when the last file of an object is gone,
 * which is the kernel's rule for a bpf object's user count: every inode it hands out is
 * watched with inotify, and the events count the files open on it (IN_OPEN, IN_CLOSE_*;
 * a fresh memfd's inode also ends with IN_IGNORED).  When none is left the object's user
 * reference is dropped (a map then cancels its timers).  A mapping keeps its file, so it
 * counts until it is unmapped, as the kernel's vma keeps its map.
 *
 * Why a fresh memfd is reopened: the file memfd_create(2) returns is a pseudo file, for
 * which the kernel (6.14 on) sends no open or close events, whereas an open of
 * /proc/self/fd/N is an ordinary file of the same inode.  Every file handed out is such an
 * open, watched before it exists (a map's backing memfd) or counted as one when the watch
 * starts (a fresh memfd, whose pseudo file is closed before the watch starts).
 *
 * The events are read before every new descriptor is handed out (handout_drain), so that
 * a file closed and a new one opened on the same inode are counted in order.  If the
 * inotify queue overflows, counts can no longer be trusted: entries are kept (objects
 * leak until the runtime stops) rather than released early.
 *
 * A process's descriptor N is looked up by stat(/proc/PID/fd/N): the inode names the
 * entry.  Files of a map's shared inode may differ in access mode (BPF_F_RDONLY/WRONLY),
 * which /proc/PID/fdinfo/N tells.
 *
 * Locking: none of its own.  runtime.c calls every function here under its serve_lock
 * (listener threads for trapped calls, the main thread for inotify and status), so one
 * thread at a time uses the table.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <linux/seccomp.h>

#include "server.h"
#include "../lib/sys.h"
#include "../lib/uaccess.h"

#define BUCKETS 1024

struct handout {
	dev_t dev;
	ino_t ino;
	int wd;
	long files;      /* files open on the inode, counted from the events */
	bool shared;     /* a map's backing memfd: its files' modes may differ */
	u32 flags;       /* BPF_F_RDONLY/WRONLY of a private inode's file */
	struct obj *obj; /* one user reference */
	struct handout *next_ino, *next_wd;
};

static struct handout *by_ino[BUCKETS], *by_wd[BUCKETS];
static size_t nr_handouts;
static int inotify_fd = -1;
static bool overflowed;

/* The call being served. */
static int call_listener;
static u64 call_id;
static pid_t call_pid;

static struct handout **ino_head(dev_t dev, ino_t ino)
{
	return &by_ino[(ino ^ dev) % BUCKETS];
}

static struct handout **wd_head(int wd)
{
	return &by_wd[(unsigned int)wd % BUCKETS];
}

static struct handout *find_ino(dev_t dev, ino_t ino)
{
	for (struct handout *h = *ino_head(dev, ino); h; h = h->next_ino)
		if (h->dev == dev && h->ino == ino)
			return h;
	return NULL;
}

static struct handout *find_wd(int wd)
{
	for (struct handout *h = *wd_head(wd); h; h = h->next_wd)
		if (h->wd == wd)
			return h;
	return NULL;
}

/* Watches the inode of our descriptor fd and enters it with files open on it: the entry
 * takes a user reference on o.  NULL and errno on failure. */
static struct handout *entry_new(struct obj *o, int fd, long files, bool shared, u32 flags)
{
	struct stat st;
	char path[64];

	if (fstat(fd, &st))
		return NULL;
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	int wd = inotify_add_watch(inotify_fd, path, IN_OPEN | IN_CLOSE_WRITE | IN_CLOSE_NOWRITE);
	if (wd < 0)
		return NULL;
	struct handout *h = calloc(1, sizeof(*h));
	if (!h) {
		inotify_rm_watch(inotify_fd, wd);
		errno = ENOMEM;
		return NULL;
	}
	*h = (struct handout){ .dev = st.st_dev,
			       .ino = st.st_ino,
			       .wd = wd,
			       .files = files,
			       .shared = shared,
			       .flags = flags,
			       .obj = o };
	obj_get_user(o);
	struct handout **hi = ino_head(h->dev, h->ino), **hw = wd_head(wd);
	h->next_ino = *hi;
	*hi = h;
	h->next_wd = *hw;
	*hw = h;
	nr_handouts++;
	return h;
}

static void unlink_from(struct handout **head, struct handout *h, bool wd_chain)
{
	for (struct handout **p = head; *p; p = wd_chain ? &(*p)->next_wd : &(*p)->next_ino) {
		if (*p == h) {
			*p = wd_chain ? h->next_wd : h->next_ino;
			return;
		}
	}
}

static void entry_drop(struct handout *h)
{
	unlink_from(ino_head(h->dev, h->ino), h, false);
	unlink_from(wd_head(h->wd), h, true);
	nr_handouts--;
	inotify_rm_watch(inotify_fd, h->wd); /* EINVAL when it went with the inode */
	obj_put_user(h->obj);
	free(h);
}

int handout_init(void)
{
	inotify_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	return inotify_fd < 0 ? -errno : inotify_fd;
}

void handout_drain(void)
{
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	ssize_t n;

	while ((n = read(inotify_fd, buf, sizeof(buf))) > 0) {
		for (char *p = buf; p < buf + n;) {
			const struct inotify_event *ev = (const void *)p;
			p += sizeof(*ev) + ev->len;
			if (ev->mask & IN_Q_OVERFLOW) {
				if (!overflowed)
					bpfrun_warn("runtime: inotify queue overflow: objects of "
						    "closed "
						    "descriptors are kept until the runtime stops");
				overflowed = true;
			}
			struct handout *h = find_wd(ev->wd);
			if (!h)
				continue;
			if (ev->mask & IN_OPEN)
				h->files++;
			if (ev->mask & (IN_CLOSE_WRITE | IN_CLOSE_NOWRITE))
				h->files--;
			if (ev->mask & IN_IGNORED) /* the inode is gone */
				h->files = 0;
			if (h->files <= 0 && !overflowed)
				entry_drop(h);
		}
	}
}

size_t handout_count(void)
{
	return nr_handouts;
}

void handout_stop(void)
{
	for (size_t i = 0; i < BUCKETS; i++)
		while (by_ino[i])
			entry_drop(by_ino[i]);
}

/* Puts our descriptor fd into the caller: its number there, or -errno. */
static int add_fd(int fd)
{
	struct seccomp_notif_addfd add = {
		.id = call_id,
		.srcfd = (u32)fd,
		.newfd_flags = O_CLOEXEC,
	};
	int ret = sys_ioctl(call_listener, SECCOMP_IOCTL_NOTIF_ADDFD, &add);

	return ret < 0 ? -errno : ret;
}

/* The entry of our descriptor fd's inode, or NULL. */
static struct handout *find_ino_of_fd(int fd)
{
	struct stat st;

	return fstat(fd, &st) ? NULL : find_ino(st.st_dev, st.st_ino);
}

/* An ordinary open of the file fd, which is closed: the new descriptor, or -1 and errno. */
static int reopen(int fd)
{
	char path[64];

	if (fd < 0)
		return -1;
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	int fresh = open(path, O_RDWR | O_CLOEXEC);
	int err = errno;
	sys_close(fd);
	errno = err;
	return fresh;
}

static int remote_install(struct obj *o, u32 fd_flags)
{
	struct handout *h = NULL;
	int err;

	handout_drain();
	if (o->memfd >= 0 && !(h = find_ino_of_fd(o->memfd)) &&
	    !(h = entry_new(o, o->memfd, 0, true, 0)))
		return -errno;
	/* a shared inode's watch counts this open; a fresh one's starts after it */
	int fd = h ? obj_fd_open_file(o, fd_flags) : reopen(obj_fd_open_file(o, fd_flags));
	if (fd < 0) {
		err = -errno;
		if (h && h->files <= 0)
			entry_drop(h);
		return err;
	}
	if (!h && !entry_new(o, fd, 1, false, fd_flags & (BPF_F_RDONLY | BPF_F_WRONLY))) {
		err = -errno;
		sys_close(fd);
		return err;
	}
	/* On failure (the caller is gone) our close is the file's last: the events count it. */
	err = add_fd(fd);
	sys_close(fd);
	return err;
}

/* BPF_F_RDONLY / BPF_F_WRONLY from the access mode of the caller's file. */
static u32 remote_fd_mode(int fd)
{
	char path[64], buf[256];

	snprintf(path, sizeof(path), "/proc/%d/fdinfo/%d", call_pid, fd);
	int f = open(path, O_RDONLY | O_CLOEXEC);
	if (f < 0)
		return 0;
	ssize_t n = read(f, buf, sizeof(buf) - 1);
	sys_close(f);
	buf[n > 0 ? n : 0] = 0;
	const char *flags = strstr(buf, "flags:");
	unsigned long mode = flags ? strtoul(flags + 6, NULL, 8) & O_ACCMODE : O_RDWR;
	return mode == O_RDONLY ? BPF_F_RDONLY : mode == O_WRONLY ? BPF_F_WRONLY : 0;
}

static struct obj *remote_lookup(int fd, u32 *fd_flags)
{
	char path[64];
	struct stat st;

	if (fd < 0)
		return ERR_PTR(-EBADF);
	snprintf(path, sizeof(path), "/proc/%d/fd/%d", call_pid, fd);
	if (stat(path, &st))
		return ERR_PTR(errno == ENOENT ? -EBADF : -errno);
	struct handout *h = find_ino(st.st_dev, st.st_ino);
	if (!h) /* the kernel: EINVAL for a file that is no bpf object */
		return ERR_PTR(-EINVAL);
	obj_get(h->obj);
	*fd_flags = h->shared ? remote_fd_mode(fd) : h->flags;
	return h->obj;
}

static const struct obj_fd_remote remote_ops = {
	.install = remote_install,
	.lookup = remote_lookup,
	.give = add_fd, /* not counted: such a file holds no object */
};

void handout_begin(int listener, u64 id, pid_t pid)
{
	call_listener = listener;
	call_id = id;
	call_pid = pid;
	obj_fd_set_remote(&remote_ops);
	uaccess_set_remote(pid);
}

void handout_end(void)
{
	obj_fd_set_remote(NULL);
	uaccess_set_remote(0);
}
