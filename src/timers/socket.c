/* The transport of `bpfrun timer list --pid`: a process on libbpfrun.so started with
 * BPFRUN_TIMER_SOCKET=1 (as `bpfrun exec` starts it) answers on the abstract unix socket
 * "bpfrun-timers.PID" with what bpfrun_timer_walk() reports; bpfrun_timer_walk_process()
 * is the client.  The walk lives in the runtime (timers/walk.c); this file only moves
 * its records.
 *
 * Wire format, server to client, then the server closes: the 8 bytes "BPFRUNT1", the
 * record size (u32, sizeof(struct bpfrun_timer_info)), then the records.  Only client
 * and server of the same build talk (the size is checked).
 *
 * Threads: one listener thread per process, started by a constructor when the variable
 * is set, or by bpfrun_timer_socket_start() (the per-user runtime of `bpfrun exec` calls
 * it: its timers are those of every command it serves); it sleeps in accept() (no CPU
 * while idle) and answers one client at a time.  It dies with the process.  Only a peer
 * of the same user, or root, gets an answer (SO_PEERCRED): timers name maps, keys and
 * programs.
 */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "bpfrun.h"
#include "../lib/sys.h"

static const char magic[8] = "BPFRUNT1";

/* The socket address of process pid ("\0bpfrun-timers.PID"); its length. */
static socklen_t socket_addr(int pid, struct sockaddr_un *a)
{
	memset(a, 0, sizeof(*a));
	a->sun_family = AF_UNIX;
	int n = snprintf(a->sun_path + 1, sizeof(a->sun_path) - 1, "bpfrun-timers.%d", pid);
	return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + (size_t)n);
}

static bool write_all(int fd, const void *p, size_t len)
{
	while (len) {
		ssize_t n = sys_send(fd, p, len, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return false;
		p = (const char *)p + n;
		len -= (size_t)n;
	}
	return true;
}

static int send_record(const struct bpfrun_timer_info *t, void *arg)
{
	return write_all(*(int *)arg, t, sizeof(*t)) ? 0 : 1;
}

static bool peer_allowed(int fd)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len))
		return false;
	return cred.uid == 0 || cred.uid == geteuid();
}

static void answer(int fd)
{
	uint32_t size = sizeof(struct bpfrun_timer_info);

	if (peer_allowed(fd) && write_all(fd, magic, sizeof(magic)) &&
	    write_all(fd, &size, sizeof(size)))
		bpfrun_timer_walk(send_record, &fd);
	sys_close(fd);
}

static void *listener(void *arg)
{
	int lfd = (int)(intptr_t)arg;

	for (;;) {
		int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);

		if (fd >= 0)
			answer(fd);
		else if (errno != EINTR && errno != ECONNABORTED)
			return NULL;
	}
}

static int listening; /* atomic: 0 not yet, 1 listening, -1 failed */

static void listen_once(void)
{
	struct sockaddr_un a;
	pthread_t th;
	int fd = sys_socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0 || bind(fd, (struct sockaddr *)&a, socket_addr(getpid(), &a)) || listen(fd, 4) ||
	    pthread_create(&th, NULL, listener, (void *)(intptr_t)fd)) {
		if (fd >= 0)
			sys_close(fd);
		__atomic_store_n(&listening, -1, __ATOMIC_RELEASE);
		return;
	}
	pthread_detach(th);
	__atomic_store_n(&listening, 1, __ATOMIC_RELEASE);
}

int bpfrun_timer_socket_start(void)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;

	pthread_once(&once, listen_once);
	return __atomic_load_n(&listening, __ATOMIC_ACQUIRE) > 0 ? 0 : -1;
}

__attribute__((constructor)) static void timer_socket_from_environment(void)
{
	const char *on = getenv("BPFRUN_TIMER_SOCKET");

	if (on && !strcmp(on, "1"))
		bpfrun_timer_socket_start();
}

/* ---- the client ---- */

static bool read_all(int fd, void *p, size_t len)
{
	while (len) {
		ssize_t n = read(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return false;
		p = (char *)p + n;
		len -= (size_t)n;
	}
	return true;
}

static int walk_records(int fd, bpfrun_timer_walk_fn fn, void *arg)
{
	char head[sizeof(magic)];
	uint32_t size;
	struct bpfrun_timer_info t;
	int ret = 0;

	if (!read_all(fd, head, sizeof(head)) || !read_all(fd, &size, sizeof(size))) {
		errno = EACCES; /* closed without an answer: refused */
		return -1;
	}
	if (memcmp(head, magic, sizeof(magic)) || size != sizeof(t)) {
		errno = EPROTO;
		return -1;
	}
	while (!ret && read_all(fd, &t, sizeof(t)))
		ret = fn(&t, arg);
	return ret;
}

int bpfrun_timer_walk_process(int pid, bpfrun_timer_walk_fn fn, void *arg)
{
	struct sockaddr_un a;
	int fd = sys_socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0), ret, err;

	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&a, socket_addr(pid, &a))) {
		err = errno;
		sys_close(fd);
		errno = err;
		return -1;
	}
	ret = walk_records(fd, fn, arg);
	err = errno;
	sys_close(fd);
	errno = err;
	return ret;
}
