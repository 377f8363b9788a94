/* rtnetlink for bpfrun's modelled devices (link/netdev.h): the tc and XDP requests of
 * libbpf (bpf_tc_hook_create, bpf_tc_attach, bpf_tc_detach, bpf_tc_query,
 * bpf_xdp_attach) never reach the kernel; bpfrun answers them, and everything else on
 * the socket goes to the kernel as before.
 *
 *   socket(AF_NETLINK, ..., NETLINK_ROUTE)   remembers the descriptor
 *   send, sendto, sendmsg                    a request of ours is answered by bpfrun: each
 *                                            reply message is queued as one datagram
 *   recv, recvfrom, recvmsg                  a pending error first (a reply that could not
 *                                            be queued: ENOBUFS, as the kernel reports a
 *                                            reply it could not allocate), then a queued
 *                                            reply (MSG_PEEK and MSG_TRUNC as netlink
 *                                            sockets honour them), else the kernel's
 *   close (bridge.c)                         forgets the descriptor and its replies
 *
 * Locking: nl_lock guards the table of descriptors and their queues; never held across a
 * call into the kernel or the runtime's request handling. */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>
#include <linux/netlink.h>

#include "bridge.h"
#include "../lib/sys.h"
#include "../link/netdev.h"

#define NL_MAX_FD 4096 /* descriptors above are left to the kernel */

struct datagram {
	void *buf;
	size_t len;
	struct datagram *next;
};

static pthread_mutex_t nl_lock = PTHREAD_MUTEX_INITIALIZER;
static struct {
	bool rtnl;
	int err; /* the socket's pending error (sk_err), reported by the next receive */
	struct datagram *head, **tail;
} socks[NL_MAX_FD];

static bool is_rtnl(int fd)
{
	return fd >= 0 && fd < NL_MAX_FD && __atomic_load_n(&socks[fd].rtnl, __ATOMIC_ACQUIRE);
}

void bridge_netlink_forget(int fd)
{
	struct datagram *d = NULL;

	if (!is_rtnl(fd))
		return;
	pthread_mutex_lock(&nl_lock);
	d = socks[fd].head;
	socks[fd].head = NULL;
	socks[fd].err = 0;
	socks[fd].tail = &socks[fd].head;
	__atomic_store_n(&socks[fd].rtnl, false, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&nl_lock);
	while (d) {
		struct datagram *next = d->next;
		free(d->buf);
		free(d);
		d = next;
	}
}

typedef int (*socket_fn)(int, int, int);

EXPORT int socket(int domain, int type, int protocol)
{
	socket_fn next = NEXT(socket, socket_fn);
	int fd = next ? next(domain, type, protocol) :
			(int)syscall(SYS_socket, domain, type, protocol);

	if (fd >= 0 && fd < NL_MAX_FD && domain == AF_NETLINK && protocol == NETLINK_ROUTE) {
		bridge_netlink_forget(fd); /* a stale entry of a number closed behind our back */
		pthread_mutex_lock(&nl_lock);
		socks[fd].head = NULL;
		socks[fd].tail = &socks[fd].head;
		socks[fd].err = 0;
		__atomic_store_n(&socks[fd].rtnl, true, __ATOMIC_RELEASE);
		pthread_mutex_unlock(&nl_lock);
	}
	return fd;
}

/* The socket's port id (the kernel assigns it at bind), replies are addressed to it. */
static u32 port_id(int fd)
{
	struct sockaddr_nl sa = { 0 };
	socklen_t len = sizeof(sa);

	if (sys_raw(SYS_getsockname, fd, (long)&sa, (long)&len, 0, 0, 0))
		return 0;
	return sa.nl_pid;
}

/* Queues one datagram of n bytes copied from p on the socket *arg: 0 or -ENOBUFS. */
static int queue_datagram(const void *p, size_t n, void *arg)
{
	int fd = *(int *)arg;
	struct datagram *d = calloc(1, sizeof(*d));

	if (!d || !(d->buf = malloc(n))) {
		free(d);
		return -ENOBUFS;
	}
	memcpy(d->buf, p, n);
	d->len = n;
	pthread_mutex_lock(&nl_lock);
	*socks[fd].tail = d;
	socks[fd].tail = &d->next;
	pthread_mutex_unlock(&nl_lock);
	return 0;
}

/* A request of ours: answered, the reply queued (link/netdev.h); false to send the
 * request to the kernel.  A reply that could not be queued leaves ENOBUFS pending on the
 * socket, where the kernel's netlink_ack leaves it when it cannot allocate one: the send
 * succeeds and the next receive fails, rather than waiting for a reply that never comes. */
static bool handle_request(int fd, const void *buf, size_t len)
{
	int ret = is_rtnl(fd) ? netdev_rtnl_answer(buf, len, port_id(fd), queue_datagram, &fd) : 0;

	if (ret < 0) {
		pthread_mutex_lock(&nl_lock);
		socks[fd].err = -ret;
		pthread_mutex_unlock(&nl_lock);
	}
	return ret != 0;
}

typedef ssize_t (*sendto_fn)(int, const void *, size_t, int, const struct sockaddr *, socklen_t);
typedef ssize_t (*sendmsg_fn)(int, const struct msghdr *, int);

EXPORT ssize_t sendto(int fd, const void *buf, size_t len, int flags, const struct sockaddr *to,
		      socklen_t tolen)
{
	if (handle_request(fd, buf, len))
		return (ssize_t)len;
	sendto_fn next = NEXT(sendto, sendto_fn);
	return next ? next(fd, buf, len, flags, to, tolen) :
		      syscall(SYS_sendto, fd, buf, len, flags, to, tolen);
}

EXPORT ssize_t send(int fd, const void *buf, size_t len, int flags)
{
	return sendto(fd, buf, len, flags, NULL, 0);
}

EXPORT ssize_t sendmsg(int fd, const struct msghdr *msg, int flags)
{
	if (msg && msg->msg_iovlen == 1 &&
	    handle_request(fd, msg->msg_iov[0].iov_base, msg->msg_iov[0].iov_len))
		return (ssize_t)msg->msg_iov[0].iov_len;
	sendmsg_fn next = NEXT(sendmsg, sendmsg_fn);
	return next ? next(fd, msg, flags) : syscall(SYS_sendmsg, fd, msg, flags);
}

/* Serves the first queued datagram into iov: its full length (MSG_TRUNC asks for that
 * when the buffer is short), -2 with errno for a pending error, or -1 when none is
 * queued. */
static ssize_t serve(int fd, const struct iovec *iov, size_t iovlen, int flags, int *out_flags)
{
	if (!is_rtnl(fd))
		return -1;
	pthread_mutex_lock(&nl_lock);
	if (socks[fd].err) {
		errno = socks[fd].err;
		socks[fd].err = 0;
		pthread_mutex_unlock(&nl_lock);
		return -2;
	}
	struct datagram *d = socks[fd].head;
	if (!d) {
		pthread_mutex_unlock(&nl_lock);
		return -1;
	}
	size_t off = 0;
	for (size_t i = 0; i < iovlen && off < d->len; i++) {
		size_t n = MIN(iov[i].iov_len, d->len - off);
		memcpy(iov[i].iov_base, (u8 *)d->buf + off, n);
		off += n;
	}
	ssize_t ret = (ssize_t)(flags & MSG_TRUNC ? d->len : off);
	if (out_flags)
		*out_flags = off < d->len ? MSG_TRUNC : 0;
	if (!(flags & MSG_PEEK)) {
		socks[fd].head = d->next;
		if (!d->next)
			socks[fd].tail = &socks[fd].head;
	} else {
		d = NULL;
	}
	pthread_mutex_unlock(&nl_lock);
	if (d) {
		free(d->buf);
		free(d);
	}
	return ret;
}

/* The sender of our replies: the kernel (port 0). */
static void kernel_addr(void *name, socklen_t *namelen)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };

	if (name && namelen && *namelen >= sizeof(sa))
		memcpy(name, &sa, sizeof(sa));
	if (namelen)
		*namelen = sizeof(sa);
}

typedef ssize_t (*recvmsg_fn)(int, struct msghdr *, int);
typedef ssize_t (*recvfrom_fn)(int, void *, size_t, int, struct sockaddr *, socklen_t *);

EXPORT ssize_t recvmsg(int fd, struct msghdr *msg, int flags)
{
	int out_flags = 0;
	ssize_t n = msg ? serve(fd, msg->msg_iov, msg->msg_iovlen, flags, &out_flags) : -1;

	if (n == -2)
		return -1;
	if (n >= 0) {
		msg->msg_flags = out_flags;
		msg->msg_controllen = 0;
		kernel_addr(msg->msg_name, &msg->msg_namelen);
		return n;
	}
	recvmsg_fn next = NEXT(recvmsg, recvmsg_fn);
	return next ? next(fd, msg, flags) : syscall(SYS_recvmsg, fd, msg, flags);
}

EXPORT ssize_t recvfrom(int fd, void *buf, size_t len, int flags, struct sockaddr *from,
			socklen_t *fromlen)
{
	struct iovec iov = { buf, len };
	ssize_t n = serve(fd, &iov, 1, flags, NULL);

	if (n == -2)
		return -1;
	if (n >= 0) {
		kernel_addr(from, fromlen);
		return n;
	}
	recvfrom_fn next = NEXT(recvfrom, recvfrom_fn);
	return next ? next(fd, buf, len, flags, from, fromlen) :
		      syscall(SYS_recvfrom, fd, buf, len, flags, from, fromlen);
}

EXPORT ssize_t recv(int fd, void *buf, size_t len, int flags)
{
	return recvfrom(fd, buf, len, flags, NULL, NULL);
}
