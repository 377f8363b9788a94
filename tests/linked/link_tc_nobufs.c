/* A netlink reply the bridge cannot queue (its allocation fails, by fault injection: this
 * program's own calloc fails the reply datagram's allocation) is reported as the kernel's
 * netlink_ack reports a reply it cannot allocate: the request's send succeeds and the next
 * receive fails with ENOBUFS, rather than the reply being dropped and the loader waiting
 * for it.  The request (a clsact qdisc on lo, bpfrun's model) is carried out all the
 * same: the same request again is refused with EEXIST.  Sanitizer builds intercept calloc
 * themselves, so there the injection is left out and the test only checks the replies. */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <linux/netlink.h>
#include <linux/pkt_sched.h>
#include <linux/rtnetlink.h>

#include "difftest.h"

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define INJECT 0
#else
#define INJECT 1
extern void *__libc_calloc(size_t n, size_t size);
static volatile size_t fail_size; /* the next calloc of this size fails */

void *calloc(size_t n, size_t size)
{
	if (fail_size && n == 1 && size == fail_size) {
		fail_size = 0;
		errno = ENOMEM;
		return NULL;
	}
	return __libc_calloc(n, size);
}
#endif

struct qdisc_req {
	struct nlmsghdr nh;
	struct tcmsg tc;
	char attrs[64];
};

/* RTM_NEWQDISC of a clsact qdisc on lo, with NLM_F_ACK, as bpf_tc_hook_create sends it. */
static int send_clsact(int sock, unsigned int seq)
{
	struct qdisc_req req = { 0 };
	struct rtattr *kind = (struct rtattr *)req.attrs;

	req.tc.tcm_family = AF_UNSPEC;
	req.tc.tcm_ifindex = 1;
	req.tc.tcm_handle = TC_H_MAKE(TC_H_CLSACT, 0);
	req.tc.tcm_parent = TC_H_CLSACT;
	kind->rta_type = TCA_KIND;
	kind->rta_len = RTA_LENGTH(sizeof("clsact"));
	memcpy(RTA_DATA(kind), "clsact", sizeof("clsact"));
	req.nh.nlmsg_len = NLMSG_LENGTH(sizeof(req.tc)) + RTA_ALIGN(kind->rta_len);
	req.nh.nlmsg_type = RTM_NEWQDISC;
	req.nh.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL;
	req.nh.nlmsg_seq = seq;
	return (int)send(sock, &req, req.nh.nlmsg_len, 0) == (int)req.nh.nlmsg_len ? 0 : -1;
}

/* The next reply: its netlink error code, or -errno of a failed receive. */
static int recv_ack(int sock)
{
	char buf[4096];
	ssize_t n = recv(sock, buf, sizeof(buf), MSG_DONTWAIT);
	const struct nlmsghdr *nh = (const void *)buf;

	if (n < 0)
		return -errno;
	if (n < (ssize_t)NLMSG_LENGTH(sizeof(struct nlmsgerr)) || nh->nlmsg_type != NLMSG_ERROR)
		return 1;
	return ((const struct nlmsgerr *)NLMSG_DATA(nh))->error;
}

int main(void)
{
	int sock = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };

	CHECK(sock >= 0 && !bind(sock, (struct sockaddr *)&sa, sizeof(sa)), "rtnetlink socket");
#if INJECT
	fail_size = 3 * sizeof(void *); /* the bridge's struct datagram */
#endif
	CHECK(send_clsact(sock, 1) == 0, "the request is sent");
	int first = recv_ack(sock);
	if (INJECT)
		CHECK(first == -ENOBUFS, "a reply that could not be queued: ENOBUFS, got %d",
		      first);
	else
		CHECK(first == 0, "the acknowledgement, got %d", first);
	CHECK(recv_ack(sock) == -EAGAIN, "nothing more is queued");
	CHECK(send_clsact(sock, 2) == 0 && recv_ack(sock) == -EEXIST,
	      "the qdisc was created all the same: a second one is EEXIST");
	close(sock);
	return finish();
}
