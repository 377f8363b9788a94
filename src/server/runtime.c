/* The per-user runtime process: it holds every map, program, BTF object, pin and timer
 * of the processes started under `bpfrun exec`, and serves their bpf() calls.
 *
 * Each `bpfrun exec` installs a seccomp filter whose user notifications trap bpf() (and
 * the path calls below) in the command and all its descendants, whatever issues the
 * system call (libc, a static binary, the Go runtime), and hands the filter's listener to
 * the runtime over its socket.  For each trapped call the runtime reads the caller's
 * memory with process_vm_readv/writev (lib/uaccess.c in remote mode), runs bpfrun_bpf()
 * on its own objects, installs new descriptors in the caller with
 * SECCOMP_IOCTL_NOTIF_ADDFD (handout.c) and answers.  Calls checked by
 * SECCOMP_IOCTL_NOTIF_ID_VALID first, so that a recycled pid is never served.
 *
 * Path calls trapped (so that pins behave as a BPF filesystem shared by every process):
 * mkdir, mkdirat below /sys/fs/bpf go to the pin table; unlink, unlinkat, rmdir of a pin
 * or a pin directory remove it, statfs of one answers BPF_FS_MAGIC, access of one 0;
 * anything else is handed back to the kernel (SECCOMP_USER_NOTIF_FLAG_CONTINUE).  A
 * relative path is the caller's: the runtime enters /proc/PID/cwd for the call.  mmap of
 * a map's descriptor gets the kernel's checks, then the kernel maps the file itself (a
 * ring buffer's mapping in pieces: BPFRUN_BPF_MMAP); of any other file it is handed
 * back at once.
 *
 * Attaching: perf_event_open(2) makes the runtime's probe events (kprobe, uprobe,
 * tracepoint; link/perf_event.h), ioctl(2) with a perf request (type '$') is served on
 * them, and both are handed back for the kernel's own events.  rtnetlink sockets and
 * their sends: rtnl.c.  bpfrun's own bpf() commands: BPFRUN_BPF_FIRE fires a hook,
 * BPFRUN_BPF_POLL gives the caller the eventfd standing for a ring in epoll (its
 * libbpfrun-client.so asks inside epoll_ctl and epoll_wait; link/poll.c), BPFRUN_BPF_MMAP
 * the pieces of a ring buffer's mapping (its mmap asks; maps/map_mmap.c).
 *
 * Not seen (the kernel's own rules apply, as they are the same): close, dup*, fcntl,
 * fork, SCM_RIGHTS, exit and munmap (handout.c learns when a descriptor's last file goes);
 * epoll itself.
 *
 * Who: the socket lives in a directory only the user can enter (client.c checks it), and
 * every connection's peer credentials (SO_PEERCRED) must be the runtime's own user.
 *
 * Lifetime: started by the first `bpfrun exec` (client.c); it exits when no filter, no
 * connection, no pin and no handed-out descriptor is left (nothing can then reach its
 * objects), or on `bpfrun runtime stop`.  It waits in epoll_wait: idle, it uses no CPU.
 *
 * Threads and locking: the main thread waits in epoll_wait on the socket, its connections
 * and handout.c's inotify descriptor; each filter's listener has a thread of its own
 * (listener_main).  Whatever they serve, they serve under serve_lock, one call at a time
 * (a long BPF_PROG_TEST_RUN delays the others).  The timer engine's threads run callbacks
 * as in any bpfrun process, under its own locks.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <pthread.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/un.h>
#include <unistd.h>
#include <linux/magic.h>
#include <linux/seccomp.h>

#include "bpfrun.h"
#include "server.h"
#include "../lib/ksyms.h"
#include "../lib/sys.h"
#include "../lib/task.h"
#include "../lib/uaccess.h"
#include "../maps/map.h"
#include "../link/perf_event.h"

#ifndef SECCOMP_IOCTL_NOTIF_SET_FLAGS /* Linux 6.6 */
#define SECCOMP_IOCTL_NOTIF_SET_FLAGS SECCOMP_IOW(4, __u64)
#define SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP (1UL << 0)
#endif

enum source { SRC_SOCKET, SRC_INOTIFY, SRC_CLIENT, SRC_WAKE };

/* serve_lock: every trapped call, socket request and inotify drain runs under it, so the
 * runtime's state (handout.c's table, the counts here) is used by one thread at a time. */
static pthread_mutex_t serve_lock = PTHREAD_MUTEX_INITIALIZER;
static int epfd = -1, wake_fd = -1;
static size_t nr_clients, nr_listeners;
static bool stopping;
static struct seccomp_notif_sizes sizes;

static u64 ev_data(enum source src, int fd)
{
	return (u64)src << 32 | (u32)fd;
}

static int watch(enum source src, int fd)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = ev_data(src, fd) };

	return sys_epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev);
}

static void unwatch(int fd)
{
	sys_epoll_ctl(epfd, EPOLL_CTL_DEL, fd, NULL);
	sys_close(fd);
}

/* ---- trapped calls ---- */

/* The commands that name network interfaces (by index, or a hook by a device's name):
 * served in the caller's network namespace, as the kernel serves them.  Finding the
 * caller's costs two stats of nsfs files (11 us here), so only these, all rare next to
 * map and run commands, pay it; a test run whose context names a device, and a link's
 * info (a TCX link's device), are looked up in the runtime's namespace. */
static bool names_interfaces(int cmd)
{
	switch (cmd) {
	case BPF_LINK_CREATE:
	case BPF_LINK_DETACH:
	case BPF_PROG_ATTACH:
	case BPF_PROG_DETACH:
	case BPF_PROG_QUERY:
	case BPFRUN_BPF_FIRE:
		return true;
	default:
		return false;
	}
}

static void serve_bpf(int listener, const struct seccomp_notif *req,
		      struct seccomp_notif_resp *resp, const struct tree_settings *set)
{
	int cmd = (int)req->data.args[0];
	bool paths = cmd == BPF_OBJ_PIN || cmd == BPF_OBJ_GET;
	int netns = names_interfaces(cmd) ? caller_netns_enter(req->pid) : -1;
	struct task_ident task;

	/* descriptors closed before this call (a child reaped, say) count as closed in it */
	handout_drain();
	handout_begin(listener, req->id, req->pid);
	if (cmd == BPF_PROG_TEST_RUN || cmd == BPFRUN_BPF_FIRE) {
		caller_read_task(req->pid, &task);
		task_set_remote(&task);
	}
	if (paths && !caller_enter_cwd(req->pid)) {
		resp->error = -ESRCH;
	} else {
		settings_apply(set); /* the caller's BPFRUN_JIT and the like, for this call */
		long ret = bpfrun_bpf(cmd, (union bpf_attr *)(uintptr_t)req->data.args[1],
				      (unsigned int)req->data.args[2]);
		settings_apply(NULL);
		if (ret < 0)
			resp->error = -errno;
		else
			resp->val = ret;
	}
	if (paths && chdir("/"))
		bpfrun_warn("runtime: chdir /: %m");
	caller_netns_leave(netns);
	task_set_remote(NULL);
	handout_end();
}

/* mmap(2) of a map descriptor: the kernel's checks (map_mmap_check, map_mmap_layout); 0
 * when the kernel may map the file.  A mapping that shows the file otherwise (a ring
 * buffer's data twice) is refused with EINVAL: the caller maps its pieces itself, told
 * them by BPFRUN_BPF_MMAP (libbpfrun-client.so does), each piece an mmap checked here. */
static int mmap_checks(struct bpf_map *map, const __u64 *args)
{
	struct map_mmap_piece pieces[MAP_MMAP_PIECES];
	int n = map_mmap_uncounted(map, args[5], args[1], (int)args[2], (int)args[3], pieces);

	return n > 0 ? -EINVAL : n;
}

/* mmap(2) of a BPF_OUTPUT perf event's descriptor: the kernel's checks, which set up the
 * ring (link/perf_event.h); 0 when the kernel may map the caller's file, an open of the
 * ring's memfd, else -errno.  The mapping is never seen to go (no munmap here), so the
 * ring stays attached while the event lives, and a mapping of another size than the first
 * is refused even after that one is gone. */
static int perf_mmap_checks(struct perf_event *ev, const __u64 *args)
{
	int memfd = -1;
	int err = perf_event_mmap_check(ev, (size_t)args[1], (int)args[2], (int)args[3], args[5],
					&memfd);

	if (!err && memfd != ev->obj.memfd) { /* the pages moved to a file the caller lacks */
		perf_event_unmapped(ev);
		err = -EINVAL;
	}
	return err;
}

/* The checks of an mmap of object o's descriptor: a map's, a perf event's; the others
 * have no mmap. */
static int obj_mmap_checks(struct obj *o, const __u64 *args)
{
	if (o->type == OBJ_MAP)
		return mmap_checks(map_of(o), args);
	if (o->type == OBJ_PERF_EVENT)
		return perf_mmap_checks(container_of(o, struct perf_event, obj), args);
	return -ENODEV;
}

static void serve_mmap(int listener, const struct seccomp_notif *req,
		       struct seccomp_notif_resp *resp)
{
	int ret = 0;

	handout_begin(listener, req->id, req->pid);
	struct obj *o = obj_from_fd((int)req->data.args[4], 0, NULL);
	if (!IS_ERR(o)) {
		ret = obj_mmap_checks(o, req->data.args);
		obj_put(o);
	}
	handout_end();
	if (ret)
		resp->error = ret;
	else
		resp->flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
}

/* The answer to a call that bpfrun may serve: handed back to the kernel when it is not
 * ours (ours false), else its result or -errno. */
static void answer(struct seccomp_notif_resp *resp, bool ours, long ret)
{
	if (!ours)
		resp->flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
	else if (ret < 0)
		resp->error = (s32)ret;
	else
		resp->val = ret;
}

/* perf_event_open(2): bpfrun's probe events (kprobe, uprobe, tracepoint) are the
 * runtime's objects, their descriptors handed out as a map's are; any other event is the
 * kernel's. */
static void serve_perf_open(int listener, const struct seccomp_notif *req,
			    struct seccomp_notif_resp *resp)
{
	const __u64 *a = req->data.args;
	long ret = 0;

	handout_drain();
	handout_begin(listener, req->id, req->pid);
	bool ours = perf_event_open_ours((const void *)(uintptr_t)a[0], (int)a[1], (int)a[2],
					 (int)a[3], (unsigned long)a[4], &ret);
	handout_end();
	answer(resp, ours, ret);
}

/* ioctl(2) with a perf request (the filter traps type '$' only): on one of the
 * runtime's events it is served, on any other file (a kernel perf event) the kernel's. */
static void serve_ioctl(int listener, const struct seccomp_notif *req,
			struct seccomp_notif_resp *resp)
{
	const __u64 *a = req->data.args;
	long ret = 0;

	handout_drain(); /* events closed before this call are gone in it */
	handout_begin(listener, req->id, req->pid);
	bool ours = perf_event_ioctl_ours((int)a[0], (unsigned long)a[1], (unsigned long)a[2],
					  &ret);
	handout_end();
	answer(resp, ours, ret);
}

/* rtnetlink (rtnl.c): socket(AF_NETLINK, ..., NETLINK_ROUTE), and sends on the sockets
 * it made. */
static void serve_rtnl(int listener, const struct seccomp_notif *req,
		       struct seccomp_notif_resp *resp)
{
	long ret = 0;

	handout_drain();
	handout_begin(listener, req->id, req->pid);
	bool ours = req->data.nr == __NR_socket ? rtnl_serve_socket(listener, req, &ret) :
						  rtnl_serve_send(req, &ret);
	handout_end();
	answer(resp, ours, ret);
}

/* statfs of a pin or a pin directory: a BPF filesystem (libbpf checks the parent of
 * every pin path). */
static int fake_statfs(u64 ubuf)
{
	struct statfs st = { .f_type = BPF_FS_MAGIC, .f_bsize = 4096, .f_namelen = 255 };

	st.f_frsize = st.f_bsize;
	return copy_to_user((void *)(uintptr_t)ubuf, &st, sizeof(st)) ? -EFAULT : 0;
}

/* A path call on the pin table (args: the system call's): 0 or -errno, or 1 when it is
 * not ours (the kernel's). */
static int path_call(long nr, const char *path, const __u64 *args)
{
	int err;

	if (!pin_path_in_bpffs_root(path))
		return 1;
	switch (nr) {
	case __NR_mkdir:
	case __NR_mkdirat:
		return pin_mkdir(path);
	case __NR_statfs: /* /sys/fs/bpf itself too, mounted or not, as the bridge answers */
		return pin_dir_is_bpffs(path) ? fake_statfs(args[1]) : 1;
	case __NR_access:
	case __NR_faccessat:
	case __NR_faccessat2:
		return pin_exists(path) ? 0 : 1;
	case __NR_unlinkat:
		err = args[2] & AT_REMOVEDIR ? pin_rmdir(path) : pin_remove(path);
		break;
	default:
		err = nr == __NR_rmdir ? pin_rmdir(path) : pin_remove(path);
	}
	return err == -ENOENT ? 1 : err;
}

static void serve_path(int listener, const struct seccomp_notif *req,
		       struct seccomp_notif_resp *resp)
{
	long nr = req->data.nr;
	bool at = nr == __NR_unlinkat || nr == __NR_mkdirat || nr == __NR_faccessat ||
		  nr == __NR_faccessat2;
	int dirfd = at ? (int)req->data.args[0] : AT_FDCWD;
	u64 upath = req->data.args[at ? 1 : 0];
	char path[4096];
	int ret = 1;

	handout_begin(listener, req->id, req->pid);
	long n = strncpy_from_user(path, (const char *)(uintptr_t)upath, sizeof(path));
	/* a bad or overlong path, or one relative to a directory descriptor: the kernel's */
	if (n >= 0 && (size_t)n < sizeof(path) && (path[0] == '/' || dirfd == AT_FDCWD) &&
	    (path[0] == '/' || caller_enter_cwd(req->pid))) {
		ret = path_call(nr, path, req->data.args);
		if (path[0] != '/' && chdir("/"))
			bpfrun_warn("runtime: chdir /: %m");
	}
	handout_end();
	if (ret == 1)
		resp->flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
	else
		resp->error = ret;
}

/* One trapped call of a supervised process (of the command tree with settings set). */
static void serve_notification(int listener, const struct tree_settings *set)
{
	union {
		struct seccomp_notif req;
		u8 bytes[512];
	} in = { 0 };
	union {
		struct seccomp_notif_resp resp;
		u8 bytes[512];
	} out = { 0 };

	if (sys_ioctl(listener, SECCOMP_IOCTL_NOTIF_RECV, &in.req))
		return; /* the caller was interrupted, or the filter has no user left */
	out.resp.id = in.req.id;
	if (sys_ioctl(listener, SECCOMP_IOCTL_NOTIF_ID_VALID, &in.req.id))
		return; /* the caller is gone: its pid may already be another process's */
	if (in.req.data.nr == __NR_bpf)
		serve_bpf(listener, &in.req, &out.resp, set);
	else if (in.req.data.nr == __NR_mmap)
		serve_mmap(listener, &in.req, &out.resp);
	else if (in.req.data.nr == __NR_perf_event_open)
		serve_perf_open(listener, &in.req, &out.resp);
	else if (in.req.data.nr == __NR_ioctl)
		serve_ioctl(listener, &in.req, &out.resp);
	else if (in.req.data.nr == __NR_socket || in.req.data.nr == __NR_sendto ||
		 in.req.data.nr == __NR_sendmsg)
		serve_rtnl(listener, &in.req, &out.resp);
	else
		serve_path(listener, &in.req, &out.resp);
	sys_ioctl(listener, SECCOMP_IOCTL_NOTIF_SEND, &out.resp);
}

/* ---- status ---- */

static void print_pin(const char *path, struct obj *o, void *arg)
{
	static const char *const names[] = {
		[OBJ_MAP] = "map", [OBJ_PROG] = "prog", [OBJ_BTF] = "btf", [OBJ_LINK] = "link"
	};

	if (o)
		fprintf(arg, "  %s  %s id %u\n", path, names[o->type], o->id);
	else
		fprintf(arg, "  %s/  directory\n", path);
}

static unsigned int count_ids(enum obj_type type)
{
	unsigned int n = 0;

	for (u32 id = obj_next_id(type, 0); id; id = obj_next_id(type, id))
		n++;
	return n;
}

static void noop_pin(const char *path, struct obj *o, void *arg)
{
}

static size_t nr_pins(void)
{
	return pin_list(noop_pin, NULL);
}

static size_t status_text(char *buf, size_t len, const char *dir)
{
	struct bpfrun_timer_stats ts;
	FILE *f = fmemopen(buf, len, "w");

	if (!f)
		return 0;
	bpfrun_timer_stats(&ts);
	fprintf(f, "runtime: pid %d, directory %s\n", getpid(), dir);
	fprintf(f, "supervised: %zu command trees; descriptors handed out: %zu\n", nr_listeners,
		handout_count());
	fprintf(f, "objects: %u maps, %u programs, %u BTF, %u links\n", count_ids(OBJ_MAP),
		count_ids(OBJ_PROG), count_ids(OBJ_BTF), count_ids(OBJ_LINK));
	fprintf(f, "pins: %zu\n", nr_pins());
	pin_list(print_pin, f);
	fprintf(f, "timers: armed %llu, fired %llu, cancelled %llu, pending %llu\n",
		(unsigned long long)ts.armed, (unsigned long long)ts.fired,
		(unsigned long long)ts.cancelled, (unsigned long long)ts.pending);
	long n = ftell(f);
	fclose(f);
	return n > 0 ? MIN((size_t)n, len - 1) : 0;
}

/* ---- the socket ---- */

static void reply(int sock, const char *text, size_t len)
{
	sys_send(sock, text, len, MSG_NOSIGNAL);
}

/* The listener a "join" carries, or -1. */
static int received_fd(struct msghdr *msg)
{
	int fd = -1;

	for (struct cmsghdr *c = CMSG_FIRSTHDR(msg); c; c = CMSG_NXTHDR(msg, c)) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		int *fds = (int *)CMSG_DATA(c);
		size_t n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (size_t i = 0; i < n; i++) {
			if (fd < 0)
				fd = fds[i];
			else
				sys_close(fds[i]);
		}
	}
	return fd;
}

/* One thread per filter, waiting in poll(2) on its listener: a trapped call wakes it on
 * the caller's CPU (SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP, Linux 6.6), which is what keeps a
 * round trip short on a busy machine.  When no process uses the filter any more the
 * listener hangs up and the thread ends. */
struct tree {
	int listener;
	struct tree_settings set;
};

static void *listener_main(void *arg)
{
	struct tree *tree = arg;
	int fd = tree->listener;
	struct pollfd p = { .fd = fd, .events = POLLIN };
	u64 one = 1;

	while (poll(&p, 1, -1) >= 0 || errno == EINTR) {
		if (p.revents & POLLIN) {
			pthread_mutex_lock(&serve_lock);
			serve_notification(fd, &tree->set);
			pthread_mutex_unlock(&serve_lock);
		} else if (p.revents & (POLLHUP | POLLERR | POLLNVAL)) {
			break;
		}
	}
	pthread_mutex_lock(&serve_lock);
	sys_close(fd);
	nr_listeners--;
	pthread_mutex_unlock(&serve_lock);
	free(tree);
	if (write(wake_fd, &one, sizeof(one)) < 0) /* the main loop checks whether it is idle */
		bpfrun_warn("runtime: wake: %m");
	return NULL;
}

/* A thread for the filter whose listener is fd; its tree's settings are the join
 * message's tail (len bytes). */
static int start_listener(int fd, const char *settings, size_t len)
{
	pthread_t t;
	pthread_attr_t attr;
	struct tree *tree = malloc(sizeof(*tree));

	if (!tree)
		return ENOMEM;
	tree->listener = fd;
	settings_parse(&tree->set, settings, len);
	sys_ioctl(fd, SECCOMP_IOCTL_NOTIF_SET_FLAGS, (void *)SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP);
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	int err = pthread_create(&t, &attr, listener_main, tree);
	pthread_attr_destroy(&attr);
	if (err)
		free(tree);
	return err;
}

/* "fire": a hook of ours, fired on this thread with the context the request carries
 * (msg: after the word, len bytes). */
static void serve_fire(int sock, const char *msg, size_t len)
{
	size_t hlen = strnlen(msg, len);
	u64 ret = 0, ctx[512]; /* aligned, as a program's context is */
	char answer[64];

	if (hlen < len && len - hlen - 1 <= sizeof(ctx))
		memcpy(ctx, msg + hlen + 1, len - hlen - 1);
	if (hlen == len || bpfrun_fire(msg, ctx, len - hlen - 1, &ret))
		snprintf(answer, sizeof(answer), "error %d", hlen == len ? EINVAL : errno);
	else
		snprintf(answer, sizeof(answer), "ok %llu", (unsigned long long)ret);
	reply(sock, answer, strlen(answer));
}

static void serve_client(int sock, const char *dir)
{
	char word[RT_REQUEST_MAX + 1] = "", status[RT_MSG_MAX];
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(int) * 4)];
	} ctl;
	struct iovec iov = { word, sizeof(word) - 1 };
	struct msghdr msg = { .msg_iov = &iov,
			      .msg_iovlen = 1,
			      .msg_control = ctl.buf,
			      .msg_controllen = sizeof(ctl.buf) };

	ssize_t n = sys_recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
	int fd = n > 0 ? received_fd(&msg) : -1;
	if (n <= 0) {
		unwatch(sock);
		nr_clients--;
		return;
	}
	size_t wlen = strlen(word) + 1; /* "join" is followed by the tree's settings */
	if (!strcmp(word, "join") && fd >= 0 &&
	    !start_listener(fd, word + wlen, (size_t)n > wlen ? (size_t)n - wlen : 0)) {
		nr_listeners++;
		reply(sock, "ok", 2);
		return;
	}
	if (fd >= 0)
		sys_close(fd);
	if (!strcmp(word, "fire")) {
		serve_fire(sock, word + wlen, (size_t)n > wlen ? (size_t)n - wlen : 0);
	} else if (!strcmp(word, "hello")) {
		reply(sock, "ok", 2);
	} else if (!strcmp(word, "status")) {
		reply(sock, status, status_text(status, sizeof(status), dir));
	} else if (!strcmp(word, "stop")) {
		stopping = true;
		reply(sock, "stopped", 7);
	} else {
		reply(sock, "error", 5);
	}
}

static void accept_client(int lsock)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);
	int sock = accept4(lsock, NULL, NULL, SOCK_CLOEXEC);

	if (sock < 0)
		return;
	/* only our own user: the directory's mode already says so, the kernel confirms */
	if (getsockopt(sock, SOL_SOCKET, SO_PEERCRED, &cred, &len) || cred.uid != geteuid() ||
	    watch(SRC_CLIENT, sock)) {
		sys_close(sock);
		return;
	}
	nr_clients++;
}

static bool holds_something(void)
{
	return nr_listeners || nr_pins() || handout_count();
}

static bool idle(void)
{
	return !nr_clients && !holds_something();
}

static void dispatch(const struct epoll_event *ev, int lsock, const char *dir)
{
	int fd = (int)(u32)ev->data.u64;

	switch ((enum source)(ev->data.u64 >> 32)) {
	case SRC_SOCKET:
		accept_client(lsock);
		break;
	case SRC_INOTIFY:
		handout_drain();
		break;
	case SRC_CLIENT:
		serve_client(fd, dir);
		break;
	case SRC_WAKE: {
		u64 n;
		if (read(wake_fd, &n, sizeof(n)) < 0)
			bpfrun_warn("runtime: wake: %m");
		break;
	}
	}
}

/* Binds DIR/sock, replacing a stale one (the lock says no runtime is running). */
static int bind_socket(const char *dir)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };

	if ((size_t)snprintf(addr.sun_path, sizeof(addr.sun_path), "%s/" RT_SOCK, dir) >=
	    sizeof(addr.sun_path))
		return -ENAMETOOLONG;
	int sock = sys_socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (sock < 0)
		return -errno;
	sys_raw(SYS_unlink, (long)addr.sun_path, 0, 0, 0, 0, 0);
	if (bind(sock, (struct sockaddr *)&addr, sizeof(addr)) || listen(sock, 64)) {
		int err = -errno;
		sys_close(sock);
		return err;
	}
	return sock;
}

/* The runtime lock: held for the runtime's whole life, so that one runs per directory. */
static int take_lock(const char *dir)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/" RT_LOCK, dir);
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	if (flock(fd, LOCK_EX | LOCK_NB)) {
		sys_close(fd);
		return -EBUSY;
	}
	return fd;
}

int runtime_serve(const char *dir)
{
	int lock = take_lock(dir);

	if (lock == -EBUSY)
		return 0; /* another runtime won the race: the client joins that one */
	if (lock < 0 || sys_raw(SYS_seccomp, SECCOMP_GET_NOTIF_SIZES, 0, (long)&sizes, 0, 0, 0) ||
	    sizes.seccomp_notif > 512 || sizes.seccomp_notif_resp > 512) {
		bpfrun_warn("runtime: cannot start in %s", dir);
		return 1;
	}
	int lsock = bind_socket(dir), ino = handout_init();
	epfd = epoll_create1(EPOLL_CLOEXEC);
	wake_fd = eventfd(0, EFD_CLOEXEC);
	if (lsock < 0 || ino < 0 || epfd < 0 || wake_fd < 0 || watch(SRC_SOCKET, lsock) ||
	    watch(SRC_INOTIFY, ino) || watch(SRC_WAKE, wake_fd)) {
		bpfrun_warn("runtime: cannot serve in %s: %m", dir);
		return 1;
	}
	bpfrun_timer_socket_start(); /* `bpfrun timer list --runtime` lists its timers */
	settings_defaults(); /* a tree's settings are its own, not those of the first exec */
	/* Idle, the runtime waits a little for the client that started it, then goes.  Until
	 * it has held something, only that wait ends it: a `runtime status` that comes and
	 * goes before the starting client's filter arrives must not. */
	bool held = false;
	pthread_mutex_lock(&serve_lock);
	for (;;) {
		struct epoll_event evs[16];
		held = held || holds_something();
		int timeout = idle() ? 5000 : -1;
		pthread_mutex_unlock(&serve_lock);
		int n = sys_epoll_wait(epfd, evs, ARRAY_SIZE(evs), timeout);
		pthread_mutex_lock(&serve_lock);
		for (int i = 0; i < n; i++)
			dispatch(&evs[i], lsock, dir);
		held = held || holds_something();
		if (stopping || ((n == 0 || (n > 0 && held)) && idle()))
			break;
	}
	/* serve_lock stays held: no listener thread serves a call while the runtime goes */
	char path[4096];
	snprintf(path, sizeof(path), "%s/" RT_SOCK, dir);
	sys_raw(SYS_unlink, (long)path, 0, 0, 0, 0, 0);
	handout_stop();
	bpfrun_shutdown();
	return 0;
}
