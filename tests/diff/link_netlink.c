/* An rtnetlink socket's sends as a loader makes them, compared with the kernel: requests
 * the kernel answers (RTM_GETLINK of lo, whole and split over two iovecs) get its replies
 * on the socket, addressed to the socket's port; a send to a user port, a bad buffer, an
 * iovec array that cannot be read and one longer than UIO_MAXIOV fail as the kernel's.
 * Under the runtime the socket is one it made and its sends are trapped (server/rtnl.c):
 * none of these requests is one of its own, so every answer must be the kernel's. */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include "difftest.h"

struct getlink {
	struct nlmsghdr nh;
	struct ifinfomsg ifi;
};

/* The reply to request seq: its type, the device, and whether it is addressed to port. */
static void reply(int sock, unsigned int seq, unsigned int port)
{
	char buf[16384];
	ssize_t n = recv(sock, buf, sizeof(buf), 0);
	const struct nlmsghdr *nh = (const void *)buf;

	if (n < (ssize_t)NLMSG_LENGTH(sizeof(struct ifinfomsg))) {
		out("  reply: %s", n < 0 ? strerror(errno) : "short");
		return;
	}
	const struct ifinfomsg *ifi = NLMSG_DATA(nh);
	out("  reply: type %u, ifindex %d, its seq %d, to our port %d", nh->nlmsg_type,
	    ifi->ifi_index, nh->nlmsg_seq == seq, nh->nlmsg_pid == port);
}

int main(void)
{
	int sock = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK }, user = sa;
	socklen_t len = sizeof(sa);
	struct getlink req = { { NLMSG_LENGTH(sizeof(struct ifinfomsg)), RTM_GETLINK, NLM_F_REQUEST,
				 1, 0 },
			       { .ifi_index = 1 } };

	out("socket: %s", result_text(sock));
	out("bind: %s", result_text(bind(sock, (struct sockaddr *)&sa, sizeof(sa))));
	out("getsockname: %s", result_text(getsockname(sock, (struct sockaddr *)&sa, &len)));
	out("RTM_GETLINK lo: %s", result_text(send(sock, &req, req.nh.nlmsg_len, 0)));
	reply(sock, 1, sa.nl_pid);
	struct iovec two[2] = { { &req.nh, sizeof(req.nh) }, { &req.ifi, sizeof(req.ifi) } };
	struct msghdr msg = { .msg_iov = two, .msg_iovlen = 2 };
	req.nh.nlmsg_seq = 2;
	out("RTM_GETLINK over two iovecs: %s", result_text(sendmsg(sock, &msg, 0)));
	reply(sock, 2, sa.nl_pid);
	user.nl_pid = 0x7ffffff0; /* no such port */
	out("to a user port: %s", result_text(sendto(sock, &req, req.nh.nlmsg_len, 0,
						     (struct sockaddr *)&user, sizeof(user))));
	out("a bad buffer: %s", result_text(send(sock, (void *)8, sizeof(req), 0)));
	msg.msg_iov = (struct iovec *)8;
	out("a bad iovec array: %s", result_text(sendmsg(sock, &msg, 0)));
	msg.msg_iov = two;
	msg.msg_iovlen = 1025;
	out("more than UIO_MAXIOV iovecs: %s", result_text(sendmsg(sock, &msg, 0)));
	out("close: %s", result_text(close(sock)));
	return finish();
}
