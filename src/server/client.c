/* `bpfrun exec`'s side of the runtime (include/bpfrun_runtime.h): finds the user's runtime
 * or starts it, installs the seccomp filter that traps bpf() and the BPF filesystem's
 * path calls, hands the filter's listener to the runtime and executes the command, which
 * with all its descendants is then served by the runtime (runtime.c).  Also the status
 * and stop requests.
 *
 * The filter (classic BPF): on x86-64, bpf, the path calls that may name a pin (mkdir,
 * mkdirat, rmdir, unlink, unlinkat, statfs, access, faccessat, faccessat2) and mmap of a
 * file (not of anonymous memory) notify the runtime; bpf() through the x32 or i386 entry
 * points fails with ENOSYS (so no bpf() reaches the kernel behind the runtime's back);
 * everything else is allowed.  What a trapped call costs is one round trip to the runtime
 * (bench/), which answers or hands the call back to the kernel.  A process without CAP_SYS_ADMIN must set no_new_privs to install a filter:
 * then set-user-ID programs run without their privileges under `bpfrun exec`.
 *
 * Locking: none (called once per command, before it runs).
 */
#include <dirent.h>
#include <sched.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/netlink.h>
#include <linux/seccomp.h>

#include "bpfrun_runtime.h"
#include "server.h"
#include "../lib/sys.h"
#include "../link/perf_event.h"

#define I386_NR_BPF 357
#define X32_NR_BPF (0x40000000 | __NR_bpf)

int runtime_dir(char *out, size_t len, bool create)
{
	const char *env = getenv("BPFRUN_RUNTIME_DIR"), *xdg = getenv("XDG_RUNTIME_DIR");
	struct stat st;
	int n;

	if (env && *env)
		n = snprintf(out, len, "%s", env);
	else if (xdg && *xdg)
		n = snprintf(out, len, "%s/bpfrun", xdg);
	else
		n = snprintf(out, len, "/tmp/bpfrun-%u", (unsigned int)geteuid());
	if (n < 0 || (size_t)n >= len - 16)
		return -ENAMETOOLONG;
	if (create && sys_raw(SYS_mkdir, (long)out, 0700, 0, 0, 0, 0) && errno != EEXIST)
		return -errno;
	if (lstat(out, &st))
		return -errno;
	/* someone else's directory, or one others can enter, could hold someone else's
	 * socket: refuse it rather than talk to it */
	if (!S_ISDIR(st.st_mode) || st.st_uid != geteuid() || (st.st_mode & 077)) {
		bpfrun_warn("runtime directory %s must be a directory of user %u with mode 0700",
			    out, (unsigned int)geteuid());
		return -EPERM;
	}
	return 0;
}

static int connect_to(const char *dir)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	int sock = sys_socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);

	if (sock < 0)
		return -errno;
	snprintf(addr.sun_path, sizeof(addr.sun_path), "%s/" RT_SOCK, dir);
	if (connect(sock, (struct sockaddr *)&addr, sizeof(addr))) {
		int err = -errno;
		sys_close(sock);
		return err;
	}
	return sock;
}

/* The runtime's process: detached (its own session, stdin and stdout on /dev/null, stderr
 * to DIR/log, no inherited descriptor that would keep a caller's pipe open). */
static void become_runtime(const char *dir)
{
	char log[4096];
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);

	snprintf(log, sizeof(log), "%s/" RT_LOG, dir);
	int err = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (null < 0 || err < 0 || sys_dup3(null, 0, 0) < 0 || sys_dup3(null, 1, 0) < 0 ||
	    sys_dup3(err, 2, 0) < 0)
		_exit(1);
	sys_raw(SYS_close_range, 3, ~0u, 0, 0, 0, 0);
	prctl(PR_SET_NAME, "bpfrun-runtime");
	if (chdir("/"))
		_exit(1);
	_exit(runtime_serve(dir));
}

static int start_runtime(const char *dir)
{
	fflush(NULL);
	pid_t pid = fork();

	if (pid < 0)
		return -errno;
	if (pid == 0) {
		setsid();
		pid_t inner = fork();
		if (inner == 0)
			become_runtime(dir);
		_exit(inner < 0);
	}
	int status;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	return 0;
}

/* A connection to the runtime of dir, started if needed (start): socket or -errno. */
static int runtime_connect(const char *dir, bool start)
{
	int sock = connect_to(dir);

	/* Up to 5 s for a runtime to bind.  One that was stopping (idle) still holds the lock
	 * that makes a new one give way, so a new one is started again every 0.5 s. */
	for (int i = 0; i < 500 && start && (sock == -ENOENT || sock == -ECONNREFUSED); i++) {
		struct timespec ms10 = { 0, 10000000 };
		int err = i % 50 ? 0 : start_runtime(dir);
		if (err)
			return err;
		nanosleep(&ms10, NULL);
		sock = connect_to(dir);
	}
	return sock;
}

/* Sends a request of mlen bytes (with fd, unless -1) and reads the answer into buf: its
 * length or -errno. */
static ssize_t request_msg(int sock, const char *req, size_t mlen, int fd, char *buf, size_t len)
{
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(int))];
	} ctl = { 0 };
	struct iovec iov = { (void *)req, mlen };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };

	if (fd >= 0) {
		msg.msg_control = ctl.buf;
		msg.msg_controllen = sizeof(ctl.buf);
		struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &fd, sizeof(int));
	}
	if (sys_sendmsg(sock, &msg, MSG_NOSIGNAL) < 0)
		return -errno;
	ssize_t n = sys_recv(sock, buf, len, 0);
	return n < 0 ? -errno : n;
}

/* A request that is one word. */
static ssize_t request(int sock, const char *word, char *buf, size_t len)
{
	return request_msg(sock, word, strlen(word) + 1, -1, buf, len);
}

/* The system calls the runtime sees (mmap only of a file, ioctl only with a perf request,
 * socket only of rtnetlink, sendto and sendmsg only on rtnetlink's numbers: see the
 * filter). */
static const u32 trapped[] = { __NR_bpf,       __NR_mkdir,      __NR_mkdirat,        __NR_rmdir,
			       __NR_unlink,    __NR_unlinkat,   __NR_statfs,         __NR_access,
			       __NR_faccessat, __NR_faccessat2, __NR_perf_event_open };

#define NR_TRAPPED ARRAY_SIZE(trapped)
#define PERF_IOC_TYPE ('$' << 8) /* the type byte of every PERF_EVENT_IOC_* request */
#define LD(field) BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, field))
#define RET(what) BPF_STMT(BPF_RET | BPF_K, what)
#define AND(k) BPF_STMT(BPF_ALU | BPF_AND | BPF_K, k)
/* Jumps to absolute instruction indexes, from instruction `at`. */
#define JEQ(at, k, t, f) BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, k, (t) - (at)-1, (f) - (at)-1)
#define JGE(at, k, t, f) BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, k, (t) - (at)-1, (f) - (at)-1)
#define JSET(at, k, t, f) BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, k, (t) - (at)-1, (f) - (at)-1)

static int install_filter(void)
{
	/* layout: arch check, the trapped numbers, the calls trapped by their arguments, x32's
	 * bpf, then the verdicts; an untrapped call of x86-64 runs at most NR_TRAPPED + 10
	 * instructions */
	enum {
		NRS = 3,
		MMAP = NRS + NR_TRAPPED,
		IOCTL = MMAP + 1,
		SOCKET = IOCTL + 1,
		SENDTO = SOCKET + 1,
		SENDMSG = SENDTO + 1,
		X32 = SENDMSG + 1,
		NOTIFY = X32 + 1,
		MMAP_FD = NOTIFY + 1,        /* mmap of a file (fd != -1, not anonymous): notify */
		IOCTL_REQ = MMAP_FD + 5,     /* ioctl with a perf request: notify */
		SOCKET_ARGS = IOCTL_REQ + 4, /* socket(AF_NETLINK, *, NETLINK_ROUTE): notify */
		SEND_FD = SOCKET_ARGS + 5,   /* a send on an rtnetlink socket's number: notify */
		I386 = SEND_FD + 4,
		ENOSYS_ = I386 + 2,
		ALLOW = ENOSYS_ + 1,
		LEN = ALLOW + 1
	};
	struct sock_filter f[LEN] = {
		LD(arch),
		JEQ(1, AUDIT_ARCH_X86_64, 2, I386),
		LD(nr),
	};
	for (u32 i = 0; i < NR_TRAPPED; i++)
		f[NRS + i] = (struct sock_filter)JEQ(NRS + i, trapped[i], NOTIFY, NRS + i + 1);
	f[MMAP] = (struct sock_filter)JEQ(MMAP, __NR_mmap, MMAP_FD, IOCTL);
	f[IOCTL] = (struct sock_filter)JEQ(IOCTL, __NR_ioctl, IOCTL_REQ, SOCKET);
	f[SOCKET] = (struct sock_filter)JEQ(SOCKET, __NR_socket, SOCKET_ARGS, SENDTO);
	f[SENDTO] = (struct sock_filter)JEQ(SENDTO, __NR_sendto, SEND_FD, SENDMSG);
	f[SENDMSG] = (struct sock_filter)JEQ(SENDMSG, __NR_sendmsg, SEND_FD, X32);
	f[X32] = (struct sock_filter)JEQ(X32, X32_NR_BPF, ENOSYS_, ALLOW);
	f[NOTIFY] = (struct sock_filter)RET(SECCOMP_RET_USER_NOTIF);
	f[MMAP_FD] = (struct sock_filter)LD(args[4]); /* the low half: fd */
	f[MMAP_FD + 1] = (struct sock_filter)JEQ(MMAP_FD + 1, 0xffffffff, ALLOW, MMAP_FD + 2);
	f[MMAP_FD + 2] = (struct sock_filter)LD(args[3]);
	f[MMAP_FD + 3] = (struct sock_filter)JSET(MMAP_FD + 3, MAP_ANONYMOUS, ALLOW, MMAP_FD + 4);
	f[MMAP_FD + 4] = (struct sock_filter)RET(SECCOMP_RET_USER_NOTIF);
	f[IOCTL_REQ] = (struct sock_filter)LD(args[1]); /* the low half: the request */
	f[IOCTL_REQ + 1] = (struct sock_filter)AND(0xff00);
	f[IOCTL_REQ + 2] = (struct sock_filter)JEQ(IOCTL_REQ + 2, PERF_IOC_TYPE, IOCTL_REQ + 3,
						   ALLOW);
	f[IOCTL_REQ + 3] = (struct sock_filter)RET(SECCOMP_RET_USER_NOTIF);
	f[SOCKET_ARGS] = (struct sock_filter)LD(args[0]);
	f[SOCKET_ARGS + 1] = (struct sock_filter)JEQ(SOCKET_ARGS + 1, AF_NETLINK, SOCKET_ARGS + 2,
						     ALLOW);
	f[SOCKET_ARGS + 2] = (struct sock_filter)LD(args[2]);
	f[SOCKET_ARGS + 3] = (struct sock_filter)JEQ(SOCKET_ARGS + 3, NETLINK_ROUTE,
						     SOCKET_ARGS + 4, ALLOW);
	f[SOCKET_ARGS + 4] = (struct sock_filter)RET(SECCOMP_RET_USER_NOTIF);
	f[SEND_FD] = (struct sock_filter)LD(args[0]);
	f[SEND_FD + 1] = (struct sock_filter)JGE(SEND_FD + 1, RT_NL_FD_FIRST, SEND_FD + 2, ALLOW);
	f[SEND_FD + 2] = (struct sock_filter)JGE(SEND_FD + 2, RT_NL_FD_FIRST + RT_NL_FD_COUNT,
						 ALLOW, SEND_FD + 3);
	f[SEND_FD + 3] = (struct sock_filter)RET(SECCOMP_RET_USER_NOTIF);
	f[I386] = (struct sock_filter)LD(nr); /* another architecture: i386's bpf */
	f[I386 + 1] = (struct sock_filter)JEQ(I386 + 1, I386_NR_BPF, ENOSYS_, ALLOW);
	f[ENOSYS_] = (struct sock_filter)RET(SECCOMP_RET_ERRNO | ENOSYS);
	f[ALLOW] = (struct sock_filter)RET(SECCOMP_RET_ALLOW);
	struct sock_fprog prog = { ARRAY_SIZE(f), f };
	long fd = sys_raw(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER,
			  (long)&prog, 0, 0, 0);

	if (fd < 0 && errno == EACCES) { /* not privileged: no_new_privs is the condition */
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
			return -errno;
		fd = sys_raw(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER,
			     (long)&prog, 0, 0, 0);
	}
	return fd < 0 ? -errno : (int)fd;
}

static int fail(int err)
{
	errno = -err;
	return -1;
}

/* bpfrun_runtime_exec's failures before the exec itself. */
static int fail_setup(int err)
{
	errno = -err;
	return -2;
}

#define PMU_DIR "/sys/bus/event_source/devices/"

/* Writes text into a new file at path: 0 or -1. */
static int write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0444);
	ssize_t n = fd < 0 ? -1 : write(fd, text, strlen(text));

	if (fd >= 0)
		sys_close(fd);
	return n == (ssize_t)strlen(text) ? 0 : -1;
}

/* Fills the tmpfs at PMU_DIR: the host's entries (links into /sys/devices, as sysfs has
 * them, saved in names/targets) and the modelled kprobe PMU's directory. */
static void fill_pmu_dir(char names[][64], char targets[][256], int n, const char *type,
			 const char *retprobe)
{
	char path[512];

	for (int i = 0; i < n; i++) {
		snprintf(path, sizeof(path), PMU_DIR "%.63s", names[i]);
		if (symlink(targets[i], path))
			bpfrun_warn("exec: %s: %m", path);
	}
	if (sys_raw(SYS_mkdir, (long)PMU_DIR "kprobe", 0755, 0, 0, 0, 0) ||
	    sys_raw(SYS_mkdir, (long)PMU_DIR "kprobe/format", 0755, 0, 0, 0, 0) ||
	    write_file(PMU_DIR "kprobe/type", type) ||
	    write_file(PMU_DIR "kprobe/format/retprobe", retprobe))
		bpfrun_warn("exec: the modelled kprobe PMU: %m");
}

/* A kernel built without kprobes has no kprobe PMU, which libbpf looks for in sysfs before
 * it attaches a kprobe; the runtime models one (link/perf_probe.c).  The command sees it
 * in a mount namespace of its own, where PMU_DIR is a tmpfs with the host's entries and
 * the model's kprobe directory.  /sys is made a slave first, so that nothing mounted
 * below it propagates back to the host; other mounts keep their propagation.  Without
 * the privilege for a mount namespace nothing changes (kprobes then fail to attach, as
 * on the kernel). */
static void model_kprobe_pmu(void)
{
	static char names[64][64], targets[64][256];
	char type[64], retprobe[64];
	int n = 0;

	if (!perf_probe_sysfs_file(PMU_DIR "kprobe/type", type, sizeof(type)) ||
	    !perf_probe_sysfs_file(PMU_DIR "kprobe/format/retprobe", retprobe, sizeof(retprobe)))
		return; /* the kernel has kprobes */
	DIR *d = opendir(PMU_DIR);
	for (struct dirent *e; d && n < 64 && (e = readdir(d));) {
		char path[512];
		snprintf(path, sizeof(path), PMU_DIR "%s", e->d_name);
		ssize_t len = readlink(path, targets[n], sizeof(targets[n]) - 1);
		if (e->d_name[0] == '.' || len <= 0 || strlen(e->d_name) >= sizeof(names[n]))
			continue;
		targets[n][len] = 0;
		snprintf(names[n++], sizeof(names[0]), "%.63s", e->d_name);
	}
	if (d)
		closedir(d);
	if (unshare(CLONE_NEWNS) || mount(NULL, "/sys", NULL, MS_SLAVE | MS_REC, NULL) ||
	    mount("bpfrun-pmu", PMU_DIR, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=0755"))
		return;
	fill_pmu_dir(names, targets, n, type, retprobe);
}

int bpfrun_runtime_exec(char *const argv[])
{
	char dir[4096], answer[16] = "";
	int err = runtime_dir(dir, sizeof(dir), true);

	if (err)
		return fail_setup(err);
	/* A runtime that found itself idle may go just as we connect: "hello" tells that the
	 * connection was accepted (the runtime does not go while it is open); until then
	 * another runtime may be started, which the filter would forbid (it would inherit it). */
	int sock = -ECONNREFUSED;
	ssize_t n = 0;
	for (int tries = 0; tries < 3 && (n != 2 || memcmp(answer, "ok", 2)); tries++) {
		if (sock >= 0)
			sys_close(sock);
		sock = runtime_connect(dir, true);
		if (sock < 0)
			return fail_setup(sock);
		n = request(sock, "hello", answer, sizeof(answer));
	}
	model_kprobe_pmu(); /* before the filter: its mkdirs are not the runtime's business */
	int listener = n == 2 && !memcmp(answer, "ok", 2) ? install_filter() : -ECONNREFUSED;
	if (listener < 0) {
		sys_close(sock);
		return fail_setup(listener);
	}
	char join[RT_REQUEST_MAX] = "join"; /* and this tree's settings (settings.c) */
	size_t jlen = 5 + settings_message(join + 5, sizeof(join) - 5);
	n = request_msg(sock, join, jlen, listener, answer, sizeof(answer));
	sys_close(listener);
	sys_close(sock);
	if (n != 2 || memcmp(answer, "ok", 2))
		return fail_setup(n < 0 ? (int)n : -ECONNREFUSED);
	/* From here on, with no runtime to serve them, the command's bpf() calls fail with
	 * ENOSYS: none reaches the kernel. */
	execvp(argv[0], argv);
	return -1;
}

int bpfrun_runtime_request(const char *what, char *buf, size_t len)
{
	char dir[4096];
	int err = runtime_dir(dir, sizeof(dir), false);

	if (err)
		return fail(err == -ENOENT ? -ESRCH : err);
	int sock = runtime_connect(dir, false);
	if (sock < 0)
		return fail(sock == -ENOENT || sock == -ECONNREFUSED ? -ESRCH : sock);
	ssize_t n = request(sock, what, buf, len - 1);
	sys_close(sock);
	if (n == -ECONNRESET || n == -EPIPE || n == 0) /* it went (idle) as we asked */
		return fail(-ESRCH);
	if (n < 0)
		return fail((int)n);
	buf[n] = 0;
	return (int)n;
}

int bpfrun_runtime_fire(const char *hook, const void *ctx, size_t size, uint64_t *ret)
{
	char dir[4096], req[RT_REQUEST_MAX], answer[64];
	size_t hlen = hook ? strlen(hook) + 1 : 0;
	int err = runtime_dir(dir, sizeof(dir), false);

	if (!hook || (size && !ctx) || 5 + hlen + size > sizeof(req))
		return fail(-EINVAL);
	if (err)
		return fail(err == -ENOENT ? -ESRCH : err);
	memcpy(req, "fire", 5);
	memcpy(req + 5, hook, hlen);
	if (size)
		memcpy(req + 5 + hlen, ctx, size);
	int sock = runtime_connect(dir, false);
	if (sock < 0)
		return fail(sock == -ENOENT || sock == -ECONNREFUSED ? -ESRCH : sock);
	ssize_t n = request_msg(sock, req, 5 + hlen + size, -1, answer, sizeof(answer) - 1);
	sys_close(sock);
	unsigned long long r;
	int e;
	answer[n > 0 ? n : 0] = 0;
	if (n <= 0)
		return fail(n < 0 && n != -ECONNRESET ? (int)n : -ESRCH);
	if (sscanf(answer, "error %d", &e) == 1)
		return fail(-e);
	if (sscanf(answer, "ok %llu", &r) != 1)
		return fail(-EPROTO);
	if (ret)
		*ret = r;
	return 0;
}

int bpfrun_runtime_serve(void)
{
	char dir[4096];
	int err = runtime_dir(dir, sizeof(dir), true);

	return err ? fail(err) : runtime_serve(dir);
}
