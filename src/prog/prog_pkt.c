/* What the packet program types (prog_skb.c, prog_xdp.c, prog_sockmap.c) share: the page
 * a test run's packet lives in, the run itself, and a socket's data and addresses for
 * the socket-map types.
 * No locking: a run's state belongs to its thread. */
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "test_run.h"
#include "../helpers/redirect.h"
#include "../lib/uaccess.h"
#include "../vm/vm.h"

int pkt_alloc(struct pkt_buf *pkt, enum pkt_kind kind, const union bpf_attr *attr, u32 tailroom)
{
	if (!attr->test.data_in)
		return -EFAULT;
	pkt->kind = kind;
	pkt->head = calloc(1, TEST_PAGE_SIZE);
	if (!pkt->head)
		return -ENOMEM;
	pkt->size = TEST_PAGE_SIZE;
	pkt->hard_end = pkt->head + TEST_PAGE_SIZE - tailroom;
	return 0;
}

void sock_addrs_of(int sock, struct sock_addrs *a)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	memset(a, 0, sizeof(*a));
	memset(&ss, 0, sizeof(ss));
	if (!getsockname(sock, (struct sockaddr *)&ss, &len)) {
		a->family = ss.ss_family;
		if (ss.ss_family == AF_INET) {
			const struct sockaddr_in *in = (const struct sockaddr_in *)&ss;
			a->local_ip4 = in->sin_addr.s_addr;
			a->local_port = ntohs(in->sin_port);
		} else if (ss.ss_family == AF_INET6) {
			const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)&ss;
			memcpy(a->local_ip6, &in6->sin6_addr, 16);
			a->local_port = ntohs(in6->sin6_port);
		}
	}
	len = sizeof(ss);
	memset(&ss, 0, sizeof(ss));
	if (!getpeername(sock, (struct sockaddr *)&ss, &len)) {
		if (ss.ss_family == AF_INET) {
			const struct sockaddr_in *in = (const struct sockaddr_in *)&ss;
			a->remote_ip4 = in->sin_addr.s_addr;
			a->remote_port = in->sin_port;
		} else if (ss.ss_family == AF_INET6) {
			const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)&ss;
			memcpy(a->remote_ip6, &in6->sin6_addr, 16);
			a->remote_port = in6->sin6_port;
		}
	}
}

int pkt_alloc_payload(struct pkt_buf *pkt, enum pkt_kind kind, const void *data, u32 len,
		      u32 headroom, u32 tailroom)
{
	static const u8 none[1];
	union bpf_attr attr = { 0 };

	if (len > TEST_PAGE_SIZE - headroom - tailroom)
		return -EINVAL;
	attr.test.data_in = (u64)(uintptr_t)(data ? data : none);
	int err = pkt_alloc(pkt, kind, &attr, tailroom);
	if (err)
		return err;
	u8 *payload = pkt->head + headroom;
	if (copy_from_user(payload, data ? data : none, len))
		return -EFAULT;
	pkt->mac = pkt->net = pkt->data = pkt->meta = payload;
	pkt->data_end = payload + len;
	return 0;
}

bool netdev_exists(u32 ifindex)
{
	char name[IF_NAMESIZE];

	return if_indextoname(ifindex, name) != NULL;
}

int pkt_test_run(struct bpf_prog *prog, const union bpf_attr *attr, void *md, u32 md_size,
		 struct pkt_buf *pkt, u32 *retval, u32 *duration)
{
	struct exec_ctx *x = test_exec_ctx(prog, md, md_size, pkt);

	if (!x)
		return -EBUSY;
	pkt_sync(x, pkt);
	redirect_run_begin();
	int err = test_run_repeat(x, prog, attr->test.repeat, retval, duration);
	redirect_run_end(*retval, pkt->kind == PKT_XDP);
	vm_reset_run(x);
	return err;
}
