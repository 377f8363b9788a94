/* Programs on socket buffers: SOCKET_FILTER, SCHED_CLS, SCHED_ACT, CGROUP_SKB and SK_SKB.
 *
 * The context is struct __sk_buff.  A test run builds the packet as the kernel's
 * bpf_prog_test_run_skb does: the frame arrives on the loopback device (ifindex 1), the
 * Ethernet header gives protocol and pkt_type and is pulled, so data starts at the network
 * header, except for tc programs, which see it from the L2 header.  Afterwards the header
 * is pushed back (zeroed for the L3 types) and the whole frame is data_out.  SK_SKB has no
 * test run; sk_skb_run gives it a socket's data, headers pulled, and its addresses.  Which
 * fields a
 * type may read or write follows the kernel's *_is_valid_access; an access it refuses
 * ends the run with a fault.  No locking: a run's state belongs to its thread.
 */
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <linux/if_packet.h>
#include <netinet/ip.h>
#include <netinet/ip6.h>
#include <sys/socket.h>

#include "types.h"
#include "test_run.h"
#include "../helpers/helpers.h"
#include "../lib/uaccess.h"
#include "../vm/vm.h"

#define SKB_HEADROOM 64u  /* NET_SKB_PAD + NET_IP_ALIGN */
#define SKB_TAILROOM 320u /* SKB_DATA_ALIGN(sizeof(struct skb_shared_info)) */
#define GSO_MAX_SEGS 65535u
#define GSO_LEGACY_MAX_SIZE 65536u
#define NO_QUEUE_MAPPING 0xffffu

enum skb_flavor { SKB_FILTER, SKB_TC, SKB_CGROUP, SKB_SK_SKB };

#define SKB_OFF(f) offsetof(struct __sk_buff, f)
#define SKB_END(f) (offsetof(struct __sk_buff, f) + sizeof(((struct __sk_buff *)0)->f))
#define IN_FIELD(off, f) ((off) >= SKB_OFF(f) && (off) < SKB_END(f))
#define IN_RANGE(off, a, b) ((off) >= SKB_OFF(a) && (off) < SKB_END(b))

/* bpf_skb_is_valid_access: what every __sk_buff type has in common. */
static bool skb_common_access_ok(u32 off, u32 size, bool write)
{
	if (off >= sizeof(struct __sk_buff) || off % size)
		return false;
	if (IN_RANGE(off, cb[0], cb[4]))
		return off + size <= SKB_END(cb[4]);
	if (IN_RANGE(off, remote_ip6[0], remote_ip6[3]) ||
	    IN_RANGE(off, local_ip6[0], local_ip6[3]) || IN_FIELD(off, remote_ip4) ||
	    IN_FIELD(off, local_ip4) || IN_FIELD(off, data) || IN_FIELD(off, data_meta) ||
	    IN_FIELD(off, data_end))
		return size == 4;
	if (IN_FIELD(off, flow_keys) || IN_FIELD(off, tstamp_type))
		return false;
	if (IN_FIELD(off, hwtstamp))
		return !write && size == 8;
	if (IN_FIELD(off, tstamp))
		return size == 8;
	if (IN_FIELD(off, sk))
		return !write && size == 8;
	if (off >= SKB_END(tstamp_type) && off < SKB_OFF(hwtstamp))
		return false; /* padding */
	/* Other fields are 4 bytes: full writes, narrow reads. */
	return write ? size == 4 : size <= 4;
}

static bool filter_access_ok(u32 off, bool write)
{
	if (IN_FIELD(off, tc_classid) || IN_FIELD(off, data) || IN_FIELD(off, data_meta) ||
	    IN_FIELD(off, data_end) || IN_RANGE(off, family, local_port) || IN_FIELD(off, tstamp) ||
	    IN_FIELD(off, wire_len) || IN_FIELD(off, hwtstamp))
		return false;
	return !write || IN_RANGE(off, cb[0], cb[4]);
}

static bool tc_access_ok(u32 off, bool write)
{
	if (write && !(IN_FIELD(off, mark) || IN_FIELD(off, tc_index) || IN_FIELD(off, priority) ||
		       IN_FIELD(off, tc_classid) || IN_RANGE(off, cb[0], cb[4]) ||
		       IN_FIELD(off, tstamp) || IN_FIELD(off, queue_mapping)))
		return false;
	return !IN_RANGE(off, family, local_port);
}

static bool cgroup_access_ok(u32 off, bool write)
{
	if (IN_FIELD(off, tc_classid) || IN_FIELD(off, data_meta) || IN_FIELD(off, wire_len))
		return false;
	return !write || IN_FIELD(off, mark) || IN_FIELD(off, priority) ||
	       IN_RANGE(off, cb[0], cb[4]) || IN_FIELD(off, tstamp);
}

/* sk_skb_is_valid_access: the socket's fields, tc_index and priority written, no mark. */
static bool sk_skb_access_ok(u32 off, bool write)
{
	if (IN_FIELD(off, tc_classid) || IN_FIELD(off, data_meta) || IN_FIELD(off, tstamp) ||
	    IN_FIELD(off, wire_len) || IN_FIELD(off, hwtstamp) || IN_FIELD(off, mark))
		return false;
	return !write || IN_FIELD(off, tc_index) || IN_FIELD(off, priority);
}

static enum skb_flavor skb_flavor(const struct bpf_prog *prog)
{
	switch (prog->type) {
	case BPF_PROG_TYPE_SOCKET_FILTER:
		return SKB_FILTER;
	case BPF_PROG_TYPE_CGROUP_SKB:
		return SKB_CGROUP;
	case BPF_PROG_TYPE_SK_SKB:
		return SKB_SK_SKB;
	default:
		return SKB_TC; /* SCHED_CLS, SCHED_ACT */
	}
}

static bool skb_access_ok(const struct bpf_prog *prog, u32 off, u32 size, bool write)
{
	enum skb_flavor f = skb_flavor(prog);
	bool ok = f == SKB_FILTER ? filter_access_ok(off, write) :
		  f == SKB_TC     ? tc_access_ok(off, write) :
		  f == SKB_SK_SKB ? sk_skb_access_ok(off, write) :
				    cgroup_access_ok(off, write);
	return ok && skb_common_access_ok(off, size, write);
}

static int skb_ctx_load(struct exec_ctx *x, u32 off, u32 size, u64 *val)
{
	struct skb_state *st = pkt_state(x, PKT_SKB);

	if (!st || !skb_access_ok(x->prog, off, size, false))
		return -EACCES;
	if (off == SKB_OFF(data))
		*val = (u64)(uintptr_t)st->pkt.data;
	else if (off == SKB_OFF(data_end))
		*val = (u64)(uintptr_t)st->pkt.data_end;
	else if (off == SKB_OFF(data_meta))
		*val = (u64)(uintptr_t)st->pkt.meta;
	else if (off == SKB_OFF(sk))
		*val = 0; /* no socket object to point to */
	else
		*val = ctx_read_bytes(&st->md, off, size);
	return 0;
}

/* The same rules at load time (prog_type_ops.ctx_access). */
static int skb_ctx_access(const struct bpf_prog *prog, u32 off, u32 size, bool write, u8 *kind)
{
	if (!skb_access_ok(prog, off, size, write))
		return -EACCES;
	*kind = off == SKB_OFF(data)      ? CTX_PKT :
		off == SKB_OFF(data_end)  ? CTX_PKT_END :
		off == SKB_OFF(data_meta) ? CTX_PKT_META :
		off == SKB_OFF(sk)        ? CTX_PTR :
					    CTX_SCALAR;
	return 0;
}

static int skb_ctx_store(struct exec_ctx *x, u32 off, u32 size, u64 val)
{
	struct skb_state *st = pkt_state(x, PKT_SKB);

	if (!st || !skb_access_ok(x->prog, off, size, true))
		return -EACCES;
	/* queue_mapping, tc_index and tc_classid are 16-bit in the kernel's sk_buff; a
	 * queue_mapping of 0xffff or more is ignored. */
	if (IN_FIELD(off, queue_mapping)) {
		if ((u32)val < NO_QUEUE_MAPPING)
			st->md.queue_mapping = (u16)val;
		return 0;
	}
	ctx_write_bytes(&st->md, off, size, val);
	st->md.tc_index &= 0xffff;
	st->md.tc_classid &= 0xffff;
	return 0;
}

/* ---- test run ---- */

/* eth_type_trans on the loopback device, whose address and broadcast address are both
 * 00:00:00:00:00:00: any group address is multicast, any other foreign one otherhost. */
static void eth_classify(struct skb_state *st, const struct ethhdr *eth)
{
	static const u8 zero[ETH_ALEN];
	u16 proto = ntohs(eth->h_proto);
	const u8 *l3 = (const u8 *)(eth + 1);

	if (memcmp(eth->h_dest, zero, ETH_ALEN)) {
		st->md.pkt_type = eth->h_dest[0] & 1 ? PACKET_MULTICAST : PACKET_OTHERHOST;
	}
	if (proto >= ETH_P_802_3_MIN)
		st->md.protocol = eth->h_proto;
	else if (st->pkt.data_end - l3 >= 2 && l3[0] == 0xff && l3[1] == 0xff)
		st->md.protocol = htons(ETH_P_802_3);
	else
		st->md.protocol = htons(ETH_P_802_2);
}

/* The test run's dummy socket takes its addresses from the IP header (cgroup_skb reads
 * them as family/local_ip4/remote_ip4...). */
static void sock_from_l3(struct skb_state *st, const u8 *l3, size_t len)
{
	if (st->md.protocol == htons(ETH_P_IP)) {
		st->md.family = AF_INET;
		if (len >= sizeof(struct iphdr)) {
			struct iphdr ip; /* the header is not 4-byte aligned in the buffer */
			memcpy(&ip, l3, sizeof(ip));
			st->md.local_ip4 = ip.saddr;
			st->md.remote_ip4 = ip.daddr;
		}
	} else if (st->md.protocol == htons(ETH_P_IPV6)) {
		st->md.family = AF_INET6;
		if (len >= sizeof(struct ip6_hdr)) {
			memcpy(st->md.local_ip6, l3 + offsetof(struct ip6_hdr, ip6_src), 16);
			memcpy(st->md.remote_ip6, l3 + offsetof(struct ip6_hdr, ip6_dst), 16);
		}
	}
}

/* convert___skb_to_skb: only some fields of a given __sk_buff may be set, and the device
 * must exist. */
static int skb_ctx_in(struct skb_state *st, const struct __sk_buff *c)
{
	if (!c)
		return 0;
	if (c->ifindex > LOOPBACK_IFINDEX) {
		if (!netdev_exists(c->ifindex))
			return -ENODEV;
		st->md.ifindex = c->ifindex;
	}
	if (!mem_is_zero(c, 0, SKB_OFF(mark)) ||
	    !mem_is_zero(c, SKB_END(mark), SKB_OFF(priority)) ||
	    !mem_is_zero(c, SKB_END(ifindex), SKB_OFF(cb)) ||
	    !mem_is_zero(c, SKB_END(cb), SKB_OFF(tstamp)) ||
	    !mem_is_zero(c, SKB_END(gso_segs), SKB_OFF(gso_size)) ||
	    !mem_is_zero(c, SKB_END(gso_size), SKB_OFF(hwtstamp)) ||
	    !mem_is_zero(c, SKB_END(hwtstamp), sizeof(struct __sk_buff)))
		return -EINVAL;
	st->md.mark = c->mark;
	st->md.priority = c->priority;
	st->md.ingress_ifindex = c->ingress_ifindex;
	st->md.tstamp = c->tstamp;
	memcpy(st->md.cb, c->cb, sizeof(c->cb));
	if (c->wire_len) {
		if (c->wire_len < st->md.len || c->wire_len > GSO_LEGACY_MAX_SIZE)
			return -EINVAL;
		st->md.wire_len = c->wire_len;
	}
	if (c->gso_segs > GSO_MAX_SEGS)
		return -EINVAL;
	st->md.gso_segs = c->gso_segs;
	st->md.gso_size = c->gso_size;
	st->md.hwtstamp = c->hwtstamp;
	return 0;
}

/* convert_skb_to___skb: what ctx_out reports. */
static void skb_ctx_out(const struct skb_state *st, struct __sk_buff *c)
{
	if (!c)
		return;
	c->mark = st->md.mark;
	c->priority = st->md.priority;
	c->ingress_ifindex = st->md.ingress_ifindex;
	c->ifindex = st->md.ifindex;
	c->tstamp = st->md.tstamp;
	memcpy(c->cb, st->md.cb, sizeof(c->cb));
	c->wire_len = st->md.wire_len;
	c->gso_segs = st->md.gso_segs;
	c->hwtstamp = st->md.hwtstamp;
}

/* Builds the packet: headroom, the frame, tailroom; data at L2 for tc, else at L3. */
static int skb_build(struct skb_state *st, const union bpf_attr *attr, bool l2)
{
	u32 size = attr->test.data_size_in;

	if (size < ETH_HLEN || size > TEST_PAGE_SIZE - SKB_HEADROOM - SKB_TAILROOM)
		return -EINVAL;
	int err = pkt_alloc(&st->pkt, PKT_SKB, attr, SKB_TAILROOM);
	if (err)
		return err;
	u8 *frame = st->pkt.head + SKB_HEADROOM;
	if (copy_from_user(frame, u64_to_ptr(attr->test.data_in), size))
		return -EFAULT;
	st->pkt.data_end = frame + size;
	st->pkt.data = frame + ETH_HLEN;
	st->pkt.mac = frame; /* eth_type_trans, then skb_reset_network_header */
	st->pkt.net = st->pkt.data;
	st->md.ifindex = LOOPBACK_IFINDEX;
	eth_classify(st, (const struct ethhdr *)frame);
	sock_from_l3(st, st->pkt.data, size - ETH_HLEN);
	if (l2)
		st->pkt.data = frame;
	st->pkt.meta = st->pkt.data;
	st->md.len = (u32)(st->pkt.data_end - st->pkt.data);
	st->md.wire_len = st->md.len;
	return 0;
}

/* The checksum of the packet from the network header on (skb_checksum). */
static u32 skb_l3_csum(const struct skb_state *st)
{
	const u8 *l3 = st->pkt.net; /* packet helpers may have moved it */
	return pkt_csum_partial(l3, (u32)(st->pkt.data_end - l3), 0);
}

static int skb_test_run(struct bpf_prog *prog, const union bpf_attr *attr, union bpf_attr *uattr)
{
	bool l2 = skb_flavor(prog) == SKB_TC;
	struct skb_state st = { 0 };
	struct __sk_buff *ctx = NULL;
	u32 retval = 0, duration = 0;

	if ((attr->test.flags & ~BPF_F_TEST_SKB_CHECKSUM_COMPLETE) || attr->test.cpu ||
	    attr->test.batch_size)
		return -EINVAL;
	int err = skb_build(&st, attr, l2);
	if (err)
		goto out;
	ctx = test_ctx_init(attr, sizeof(struct __sk_buff));
	if (IS_ERR(ctx)) {
		err = (int)PTR_ERR(ctx);
		ctx = NULL;
		goto out;
	}
	err = skb_ctx_in(&st, ctx);
	if (err)
		goto out;
	st.csum_complete = attr->test.flags & BPF_F_TEST_SKB_CHECKSUM_COMPLETE;
	if (st.csum_complete)
		st.csum = skb_l3_csum(&st);
	err = pkt_test_run(prog, attr, &st.md, sizeof(st.md), &st.pkt, &retval, &duration);
	if (!err && st.csum_complete && pkt_csum_fold(st.csum) != pkt_csum_fold(skb_l3_csum(&st)))
		err = -EBADMSG;
	if (err)
		goto out;
	if (!l2) {
		st.pkt.data -= ETH_HLEN;
		memset(st.pkt.data, 0, ETH_HLEN);
	}
	skb_ctx_out(&st, ctx);
	err = test_finish(attr, uattr, st.pkt.data, (u32)(st.pkt.data_end - st.pkt.data), NULL,
			  retval, duration);
	if (!err)
		err = test_ctx_finish(attr, uattr, ctx, sizeof(*ctx));
out:
	free(ctx);
	free(st.pkt.head);
	return err;
}

/* ---- sk_skb: data arriving at a socket of a socket map ---- */

/* The socket's addresses as the kernel's __sk_buff shows them: local_port in host
 * order, remote_port in network order (low 16 bits). */
static void skb_sock_fields(struct skb_state *st, int sock)
{
	struct sockaddr_storage a;
	socklen_t len = sizeof(a);

	memset(&a, 0, sizeof(a));
	if (!getsockname(sock, (struct sockaddr *)&a, &len)) {
		st->md.family = a.ss_family;
		if (a.ss_family == AF_INET) {
			const struct sockaddr_in *in = (const struct sockaddr_in *)&a;
			st->md.local_ip4 = in->sin_addr.s_addr;
			st->md.local_port = ntohs(in->sin_port);
		} else if (a.ss_family == AF_INET6) {
			const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)&a;
			memcpy(st->md.local_ip6, &in6->sin6_addr, 16);
			st->md.local_port = ntohs(in6->sin6_port);
		}
	}
	len = sizeof(a);
	memset(&a, 0, sizeof(a));
	if (!getpeername(sock, (struct sockaddr *)&a, &len)) {
		if (a.ss_family == AF_INET) {
			const struct sockaddr_in *in = (const struct sockaddr_in *)&a;
			st->md.remote_ip4 = in->sin_addr.s_addr;
			st->md.remote_port = in->sin_port;
		} else if (a.ss_family == AF_INET6) {
			const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)&a;
			memcpy(st->md.remote_ip6, &in6->sin6_addr, 16);
			st->md.remote_port = in6->sin6_port;
		}
	}
}

int sk_skb_run(struct bpf_prog *prog, int sock, const void *data, u32 len, u32 *retval)
{
	union bpf_attr attr = { 0 };
	struct skb_state st = { 0 };
	u32 duration = 0;

	if (len > TEST_PAGE_SIZE - SKB_HEADROOM - SKB_TAILROOM)
		return -EINVAL;
	static const u8 none[1];

	attr.test.data_in = (u64)(uintptr_t)(data ? data : none); /* no data: an empty skb */
	attr.test.data_size_in = len;
	attr.test.repeat = 1;
	int err = pkt_alloc(&st.pkt, PKT_SKB, &attr, SKB_TAILROOM);
	u8 *payload = st.pkt.head + SKB_HEADROOM;
	if (!err && copy_from_user(payload, data, len))
		err = -EFAULT;
	if (!err) {
		/* the stream's data, no headers: every header pointer is data */
		st.pkt.mac = st.pkt.net = st.pkt.data = st.pkt.meta = payload;
		st.pkt.data_end = payload + len;
		st.md.len = len;
		skb_sock_fields(&st, sock);
		err = pkt_test_run(prog, &attr, &st.md, sizeof(st.md), &st.pkt, retval, &duration);
	}
	free(st.pkt.head);
	return err;
}

static int cgroup_skb_check_attach(u32 *type)
{
	return *type == BPF_CGROUP_INET_INGRESS || *type == BPF_CGROUP_INET_EGRESS ? 0 : -EINVAL;
}

/* The four __sk_buff types differ in their flavor, which each derives from prog->type. */
#define SKB_TYPE(type_name, set)                                                        \
	.name = type_name, .ctx_size = sizeof(struct __sk_buff), .helpers = set,        \
	.ctx_load = skb_ctx_load, .ctx_store = skb_ctx_store, .test_run = skb_test_run, \
	.ctx_access = skb_ctx_access

/* No test run (the kernel has none: ENOTSUPP); bpfrun_fire("sk_skb/...") runs it. */
const struct prog_type_ops sk_skb_ops = {
	.name = "sk_skb",
	.ctx_size = sizeof(struct __sk_buff),
	.helpers = &sk_skb_helpers,
	.ctx_load = skb_ctx_load,
	.ctx_store = skb_ctx_store,
	.ctx_access = skb_ctx_access,
};

const struct prog_type_ops socket_filter_ops = { SKB_TYPE("socket_filter", &sk_filter_helpers),
						 .ld_abs = true };
const struct prog_type_ops sched_cls_ops = { SKB_TYPE("sched_cls", &tc_helpers), .ld_abs = true };
const struct prog_type_ops sched_act_ops = { SKB_TYPE("sched_act", &tc_helpers), .ld_abs = true };
const struct prog_type_ops cgroup_skb_ops = {
	SKB_TYPE("cgroup_skb", &cg_skb_helpers),
	.check_attach = cgroup_skb_check_attach,
	.pkt_readonly = true,
};
