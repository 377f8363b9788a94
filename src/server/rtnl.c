/* rtnetlink for supervised processes: the tc and XDP requests of libbpf (bpf_tc_*,
 * bpf_xdp_attach) are answered by bpfrun's device model (link/netdev.h), as the bridge
 * answers them in process; every other request is the kernel's.
 *
 * The seccomp filter cannot tell a netlink socket from any other descriptor, so the
 * runtime makes a process's rtnetlink sockets recognisable by their numbers:
 * socket(AF_NETLINK, ..., NETLINK_ROUTE) is trapped, and the runtime opens the socket
 * itself, in the caller's network namespace, and installs it at a free number of the
 * range RT_NL_FD_FIRST.. (server.h), whose sendto and sendmsg the filter traps.  A request
 * of ours is answered by sending each reply message to the socket's port from a socket of
 * the runtime (libbpf reads them as the kernel's; the sender is that socket, not the
 * kernel's port 0, which iproute2 would notice, but its requests are not ours).  Any
 * other request is handed back (SECCOMP_USER_NOTIF_FLAG_CONTINUE): the kernel answers it
 * on the socket itself, dumps and multicast groups included.  Receives are never trapped.
 *
 * Sending to a user port of rtnetlink needs CAP_NET_ADMIN: without it socket() is left to
 * the kernel, which then sees the tc requests and refuses them to an unprivileged process
 * (an unprivileged loader cannot attach tc or XDP under plain exec yet).  A process with
 * no free number in the range gets EMFILE rather than a socket whose tc requests would
 * reach the host's devices.  write(2), and sends on a duplicate outside the range, are
 * not seen.  A reply that cannot be given fails the send with ENOBUFS (in process, the
 * next receive fails: the runtime cannot set another process's socket error).
 *
 * Locking: none; runtime.c calls these under its serve_lock, with the caller's memory and
 * descriptors set (handout_begin: a filter's program descriptor is the caller's). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>
#include <linux/netlink.h>
#include <linux/seccomp.h>

#include "server.h"
#include "../lib/ksyms.h"
#include "../lib/uaccess.h"
#include "../link/netdev.h"

#define MAX_REQUEST (256 << 10) /* above the kernel's default socket send buffer */
#define MAX_IOV 1024            /* the kernel's UIO_MAXIOV */

/* Sends one message to port from socket sock (an rtnetlink socket of ours): 0 or -errno. */
static int unicast(int sock, u32 port, const void *msg, size_t len)
{
	struct sockaddr_nl to = { .nl_family = AF_NETLINK, .nl_pid = port };
	long n = sys_raw(SYS_sendto, sock, (long)msg, (long)len, MSG_DONTWAIT, (long)&to,
			 sizeof(to));

	return n < 0 ? -errno : 0;
}

/* May this thread send to a user port of rtnetlink in its namespace (CAP_NET_ADMIN)?
 * Asked by sending an empty message to the socket's own port. */
static bool may_unicast(int sock)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	socklen_t len = sizeof(sa);
	struct nlmsghdr nh = { .nlmsg_len = NLMSG_HDRLEN, .nlmsg_type = NLMSG_NOOP };

	if (bind(sock, (struct sockaddr *)&sa, sizeof(sa)) ||
	    getsockname(sock, (struct sockaddr *)&sa, &len))
		return false;
	return unicast(sock, sa.nl_pid, &nh, sizeof(nh)) == 0;
}

/* A number of the reserved range that is free in process pid, or -1. */
static int free_number(pid_t pid)
{
	char path[64];
	struct stat st;

	for (int n = RT_NL_FD_FIRST; n < RT_NL_FD_FIRST + RT_NL_FD_COUNT; n++) {
		snprintf(path, sizeof(path), "/proc/%d/fd/%d", pid, n);
		if (stat(path, &st) && errno == ENOENT)
			return n;
	}
	return -1;
}

bool rtnl_serve_socket(int listener, const struct seccomp_notif *req, long *ret)
{
	int type = (int)req->data.args[1];
	int self = caller_netns_enter(req->pid);

	if (self == -2)
		return false;
	int sock = sys_socket(AF_NETLINK, type, NETLINK_ROUTE);
	int probe = sys_socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	bool ours = sock >= 0 && probe >= 0 && may_unicast(probe);
	caller_netns_leave(self);
	if (probe >= 0)
		sys_close(probe);
	if (!ours) { /* the kernel's socket, or its error for a bad type */
		if (sock >= 0)
			sys_close(sock);
		return false;
	}
	struct seccomp_notif_addfd add = {
		.id = req->id,
		.flags = SECCOMP_ADDFD_FLAG_SETFD,
		.srcfd = (u32)sock,
		.newfd = (u32)free_number(req->pid),
		.newfd_flags = type & SOCK_CLOEXEC ? O_CLOEXEC : 0,
	};
	*ret = (int)add.newfd < 0 ? -EMFILE : sys_ioctl(listener, SECCOMP_IOCTL_NOTIF_ADDFD, &add);
	if (*ret < 0 && (int)add.newfd >= 0)
		*ret = -errno;
	sys_close(sock);
	return true;
}

/* The port of process pid's rtnetlink socket fd (from its network namespace's
 * /proc/net/netlink, by inode), or 0 when fd is no bound rtnetlink socket. */
struct port_query {
	unsigned long ino;
	u32 port;
};

static bool port_line(const char *line, void *arg)
{
	struct port_query *q = arg;
	unsigned long long sk, ino;
	unsigned int proto, port;

	if (sscanf(line, "%llx %u %u %*x %*u %*u %*u %*u %*u %llu", &sk, &proto, &port, &ino) !=
		    4 ||
	    proto != NETLINK_ROUTE || ino != q->ino)
		return false;
	q->port = port;
	return true;
}

static u32 socket_port(pid_t pid, int fd)
{
	char path[64];
	struct stat st;
	struct port_query q = { 0 };

	snprintf(path, sizeof(path), "/proc/%d/fd/%d", pid, fd);
	if (stat(path, &st) || !S_ISSOCK(st.st_mode))
		return 0;
	q.ino = st.st_ino;
	snprintf(path, sizeof(path), "/proc/%d/net/netlink", pid);
	text_file_lines(path, port_line, &q);
	return q.port;
}

/* The request of a trapped sendto or sendmsg, copied into buf: its length; -1 when it is
 * not for the kernel (an address with a port, or a malformed one: the kernel answers);
 * -EFAULT or -EMSGSIZE when it cannot be read whole (answered so, rather than handed to
 * the kernel unread: it might be a tc request for the host's devices). */
static long read_request(const struct seccomp_notif *req, u8 *buf)
{
	static struct iovec iov[MAX_IOV];
	const __u64 *a = req->data.args;
	struct sockaddr_nl to = { 0 };
	u64 uaddr = a[4];
	struct msghdr msg = { 0 };
	size_t len = 0;

	if (req->data.nr == __NR_sendto) {
		msg.msg_namelen = (socklen_t)a[5];
		iov[0] = (struct iovec){ u64_to_ptr(a[1]), (size_t)a[2] };
		msg.msg_iovlen = 1;
	} else if (copy_from_user(&msg, u64_to_ptr(a[1]), sizeof(msg))) {
		return -EFAULT;
	} else if (msg.msg_iovlen > MAX_IOV) {
		return -EMSGSIZE;
	} else if (copy_from_user(iov, msg.msg_iov, msg.msg_iovlen * sizeof(*iov))) {
		return -EFAULT;
	} else {
		uaddr = (u64)(uintptr_t)msg.msg_name;
	}
	if (uaddr && (msg.msg_namelen < sizeof(to) ||
		      copy_from_user(&to, u64_to_ptr(uaddr), sizeof(to)) || to.nl_pid))
		return -1;
	for (size_t i = 0; i < msg.msg_iovlen; i++) {
		if (iov[i].iov_len > MAX_REQUEST - len)
			return -EMSGSIZE;
		if (copy_from_user(buf + len, iov[i].iov_base, iov[i].iov_len))
			return -EFAULT;
		len += iov[i].iov_len;
	}
	return (long)len;
}

struct delivery {
	pid_t pid;
	int fd;   /* the caller's socket */
	u32 port; /* its port, found when the first reply goes: 0 until then */
	int sock; /* ours, in the caller's namespace, opened for the first reply */
	u8 msg[4096];
};

/* One reply message to the caller's socket, addressed to its port (netdev builds it for
 * port 0: the port is looked up only for a request of ours). */
static int deliver(const void *msg, size_t len, void *arg)
{
	struct delivery *d = arg;

	if (!d->port && !(d->port = socket_port(d->pid, d->fd)))
		return -ENOTCONN; /* not bound: no port to send to */
	if (d->sock < 0 &&
	    (d->sock = sys_socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE)) < 0)
		return -ENOBUFS;
	if (len < NLMSG_HDRLEN || len > sizeof(d->msg))
		return -ENOBUFS;
	memcpy(d->msg, msg, len);
	((struct nlmsghdr *)d->msg)->nlmsg_pid = d->port;
	int err = unicast(d->sock, d->port, d->msg, len);
	return err == -EAGAIN ? -ENOBUFS : err;
}

bool rtnl_serve_send(const struct seccomp_notif *req, long *ret)
{
	static u8 buf[MAX_REQUEST];
	static struct delivery d;
	long len = read_request(req, buf);

	if (len < -1) {
		*ret = len;
		return true;
	}
	int self = len > 0 ? caller_netns_enter(req->pid) : -2;
	if (self == -2)
		return false;
	d.pid = req->pid;
	d.fd = (int)req->data.args[0];
	d.port = 0;
	d.sock = -1;
	int answered = netdev_rtnl_answer(buf, (size_t)len, 0, deliver, &d);
	if (d.sock >= 0)
		sys_close(d.sock);
	caller_netns_leave(self);
	*ret = answered < 0 ? answered : len;
	return answered != 0;
}
