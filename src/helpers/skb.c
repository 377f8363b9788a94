/* Helpers that reshape a tc program's skb or change its metadata, with the kernel's
 * checks, errors and header bookkeeping (net/core/filter.c, skbuff.c): skb_adjust_room,
 * skb_change_tail/head/proto/type, skb_vlan_push/pop, get_hash_recalc, set_hash,
 * set_hash_invalid, csum_level, skb_ecn_set_ce, check_mtu (skb and XDP) and
 * skb_set/get_tunnel_key/opt (the run's tunnel metadata); fib_lookup is fib.c's.
 *
 * The packet starts in one page (pkt/pkt.h); in tc programs data is the link-layer
 * header, as in the kernel's tc path.  Growing moves the packet further into the page
 * when the headroom is short; growing past the page reallocates the head once, to hold
 * the largest skb (BPF_SKB_MAX_LEN, 16064 bytes), as the kernel's pskb_expand_head would.
 * An encapsulating skb_adjust_room sets skb->encapsulation, which stays for the test run
 * (its repetitions included): a second encapsulation is -EALREADY and change_tail
 * -ENOTSUPP, as in the kernel.  Device MTUs are the host's (SIOCGIFMTU).
 * No locking: the packet belongs to the running thread.  The one state shared by all
 * threads, dev_mtu()'s ioctl socket, is created on first use and published with a
 * compare-and-swap (a thread that loses the race closes its own).
 */
#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>

#include "internal.h"
#include "../lib/sys.h"
#include "../pkt/pkt.h"

#define SKB_MAX_LEN 16064u /* BPF_SKB_MAX_LEN: SKB_MAX_ALLOC on 4 KiB pages */
#define VLAN_HLEN 4u
#define IPV4_HLEN 20u
#define IPV6_HLEN 40u
#define SKB_MAX_CSUM_LEVEL 3
#define DEV_HARD_HEADER_LEN 14 /* Ethernet and loopback devices */

/* The flags of skb_adjust_room (BPF_F_ADJ_ROOM_*, Linux 6.18). */
#define ADJ_FIXED_GSO (1ull << 0)
#define ADJ_ENCAP_L3_IPV4 (1ull << 1)
#define ADJ_ENCAP_L3_IPV6 (1ull << 2)
#define ADJ_ENCAP_L4_GRE (1ull << 3)
#define ADJ_ENCAP_L4_UDP (1ull << 4)
#define ADJ_NO_CSUM_RESET (1ull << 5)
#define ADJ_ENCAP_L2_ETH (1ull << 6)
#define ADJ_DECAP_L3_IPV4 (1ull << 7)
#define ADJ_DECAP_L3_IPV6 (1ull << 8)
#define ADJ_ENCAP_L2_SHIFT 56
#define ADJ_ENCAP_L3 (ADJ_ENCAP_L3_IPV4 | ADJ_ENCAP_L3_IPV6)
#define ADJ_DECAP_L3 (ADJ_DECAP_L3_IPV4 | ADJ_DECAP_L3_IPV6)
#define ADJ_ENCAP_MASK \
	(ADJ_ENCAP_L3 | ADJ_ENCAP_L4_GRE | ADJ_ENCAP_L4_UDP | ADJ_ENCAP_L2_ETH | 0xffull << 56)
#define ADJ_MASK (ADJ_FIXED_GSO | ADJ_ENCAP_MASK | ADJ_DECAP_L3 | ADJ_NO_CSUM_RESET)

#ifndef BPF_F_MTU_CHK_SEGS
#define BPF_F_MTU_CHK_SEGS 1u
#endif

/* The run's skb when R1 is the program's context; NULL with a fault otherwise. */
static struct skb_state *skb_of(struct exec_ctx *x, u64 ctx)
{
	struct skb_state *st = pkt_state(x, PKT_SKB);

	if (!st || ctx != (u64)(uintptr_t)x->ctx) {
		vm_fault(x, "helper expects the program's __sk_buff context in R1");
		return NULL;
	}
	return st;
}

/* Is the skb's protocol (network byte order) eth_p? */
static bool proto_is(const struct skb_state *st, u16 eth_p)
{
	return st->md.protocol == (u32)htons(eth_p);
}

static u32 skb_len(const struct skb_state *st)
{
	return (u32)(st->pkt.data_end - st->pkt.data);
}

/* After a change of the packet: the length programs read, and the run's pointers. */
static void skb_changed(struct exec_ctx *x, struct skb_state *st)
{
	st->md.len = skb_len(st);
	pkt_sync(x, &st->pkt);
}

/* The skb's head reallocated to hold the largest skb (pskb_expand_head), the packet at
 * the same offsets; -ENOMEM when it already does.  Pointers into the old head are
 * rebased; the run's pointers follow with skb_changed. */
static int skb_expand(struct skb_state *st)
{
	struct pkt_buf *p = &st->pkt;
	size_t tailroom = (size_t)(p->head + p->size - p->hard_end);
	u32 size = TEST_PAGE_SIZE + SKB_MAX_LEN;

	if (p->size >= size)
		return -ENOMEM;
	u8 *head = calloc(1, size);
	if (!head)
		return -ENOMEM;
	memcpy(head, p->head, p->size);
	p->meta = head + (p->meta - p->head);
	p->data = head + (p->data - p->head);
	p->data_end = head + (p->data_end - p->head);
	p->mac = head + (p->mac - p->head);
	p->net = head + (p->net - p->head);
	free(p->head);
	p->head = head;
	p->size = size;
	p->hard_end = head + size - tailroom;
	return 0;
}

/* skb_cow_head: room for len more bytes before data, moving the packet (and its headers)
 * further into the buffer when the headroom is short. */
static int make_headroom(struct skb_state *st, u32 len)
{
	struct pkt_buf *p = &st->pkt;
	u8 *start = MIN(p->mac, p->data);

	if ((u64)(start - p->head) >= len)
		return 0;
	size_t shift = ROUND_UP(len - (size_t)(start - p->head), 16);
	if ((size_t)(p->hard_end - p->data_end) < shift) {
		if (skb_expand(st))
			return -ENOMEM;
		start = MIN(p->mac, p->data);
	}
	memmove(start + shift, start, (size_t)(p->data_end - start));
	memset(start, 0, shift);
	p->mac += shift;
	p->net += shift;
	p->data += shift;
	p->data_end += shift;
	p->meta = p->data;
	return 0;
}

/* Inserts len zero bytes at off from data (the first off bytes move to the front): the
 * kernel's bpf_skb_generic_push.  Headers before the gap move with data. */
static int insert_room(struct skb_state *st, u32 off, u32 len)
{
	struct pkt_buf *p = &st->pkt;
	int err = make_headroom(st, len);

	if (err)
		return err;
	p->data -= len;
	p->meta = p->data;
	memmove(p->data, p->data + len, off);
	memset(p->data + off, 0, len);
	return 0;
}

/* Removes len bytes at off from data (bpf_skb_generic_pop): -ENOMEM past the end. */
static int remove_room(struct skb_state *st, u32 off, u32 len)
{
	struct pkt_buf *p = &st->pkt;

	if ((u64)off + len > skb_len(st))
		return -ENOMEM;
	memmove(p->data + len, p->data, off);
	p->data += len;
	p->meta = p->data;
	return 0;
}

static void reset_csum_unnecessary(struct skb_state *st)
{
	st->csum_unnecessary = false;
	st->csum_level = 0;
}

static void clear_hash(struct skb_state *st)
{
	st->md.hash = 0;
	st->sw_hash = false;
}

/* ---- skb_adjust_room ---- */

static u32 net_base_len(const struct skb_state *st)
{
	return proto_is(st, ETH_P_IP) ? IPV4_HLEN : proto_is(st, ETH_P_IPV6) ? IPV6_HLEN : 0;
}

static long net_grow(struct skb_state *st, u32 off, u32 len, u64 flags)
{
	u32 inner_mac_len = (u32)(flags >> ADJ_ENCAP_L2_SHIFT);

	if (flags & ADJ_ENCAP_MASK) {
		if ((flags & ADJ_ENCAP_L3) == ADJ_ENCAP_L3 ||
		    ((flags & ADJ_ENCAP_L4_GRE) && (flags & ADJ_ENCAP_L4_UDP)) ||
		    ((flags & ADJ_ENCAP_L2_ETH) && inner_mac_len != ETH_HLEN) ||
		    inner_mac_len > len)
			return -EINVAL;
		if (st->encapsulation)
			return -EALREADY;
	}
	int err = insert_room(st, off, len);
	if (err)
		return err;
	st->pkt.mac -= len;
	st->pkt.net -= len;
	if (flags & ADJ_ENCAP_MASK)
		st->encapsulation = true;
	if ((flags & ADJ_ENCAP_L3_IPV6) && proto_is(st, ETH_P_IP))
		st->md.protocol = htons(ETH_P_IPV6);
	else if ((flags & ADJ_ENCAP_L3_IPV4) && proto_is(st, ETH_P_IPV6))
		st->md.protocol = htons(ETH_P_IP);
	return 0;
}

static long net_shrink(struct skb_state *st, u32 off, u32 len, u64 flags)
{
	int err = remove_room(st, off, len);

	if (err)
		return err;
	st->pkt.mac += len;
	st->pkt.net += len;
	if (flags & ADJ_DECAP_L3_IPV4)
		st->md.protocol = htons(ETH_P_IP);
	else if (flags & ADJ_DECAP_L3_IPV6)
		st->md.protocol = htons(ETH_P_IPV6);
	return 0;
}

HELPER(skb_adjust_room)
{
	struct skb_state *st = skb_of(x, r1);
	s32 diff = (s32)r2;
	u32 mode = (u32)r3, abs_diff = diff < 0 ? -(u32)diff : (u32)diff;
	u64 flags = r4;
	bool shrink = diff < 0;

	if (!st)
		return 0;
	if (flags & ~ADJ_MASK)
		return (u64)-EINVAL;
	if (abs_diff > 0xfff)
		return (u64)-EFAULT;
	u32 len_min = net_base_len(st);
	if (!len_min)
		return (u64)-ENOTSUPP;
	u32 off = (u32)(st->pkt.net - st->pkt.mac);
	if (mode == BPF_ADJ_ROOM_NET)
		off += len_min;
	else if (mode != BPF_ADJ_ROOM_MAC)
		return (u64)-ENOTSUPP;
	if (flags & ADJ_DECAP_L3) {
		if (!shrink || (flags & ADJ_DECAP_L3) == ADJ_DECAP_L3)
			return (u64)-EINVAL;
		len_min = flags & ADJ_DECAP_L3_IPV4 ? IPV4_HLEN : IPV6_HLEN;
	}
	u32 len_cur = (u32)(st->pkt.data_end - st->pkt.net);
	if ((shrink && (abs_diff >= len_cur || len_cur - abs_diff < len_min)) ||
	    (!shrink && skb_len(st) + abs_diff > SKB_MAX_LEN))
		return (u64)-ENOTSUPP;
	long err = shrink ? net_shrink(st, off, abs_diff, flags) :
			    net_grow(st, off, abs_diff, flags);
	if (!err && !(flags & ADJ_NO_CSUM_RESET))
		reset_csum_unnecessary(st);
	skb_changed(x, st);
	return (u64)err;
}

/* ---- change_tail, change_head, change_proto, change_type ---- */

HELPER(skb_change_tail)
{
	struct skb_state *st = skb_of(x, r1);
	u32 new_len = (u32)r2;

	if (!st)
		return 0;
	/* the minimum is the network header's offset (no transport header in a test run) */
	if (r3 || new_len > SKB_MAX_LEN || new_len < (u32)(st->pkt.net - st->pkt.data))
		return (u64)-EINVAL;
	if (st->encapsulation)
		return (u64)-ENOTSUPP;
	u32 len = skb_len(st);
	if (new_len > len) {
		if ((u64)(st->pkt.hard_end - st->pkt.data) < new_len && skb_expand(st))
			return (u64)-ENOMEM;
		memset(st->pkt.data_end, 0, new_len - len);
	}
	st->pkt.data_end = st->pkt.data + new_len;
	skb_changed(x, st);
	return 0;
}

HELPER(skb_change_head)
{
	struct skb_state *st = skb_of(x, r1);
	u32 room = (u32)r2, len;

	if (!st)
		return 0;
	len = skb_len(st);
	if (r3 || len + room > SKB_MAX_LEN || len + room < len)
		return (u64)-EINVAL;
	int err = make_headroom(st, room);
	if (err)
		return (u64)err;
	st->pkt.data -= room;
	st->pkt.meta = st->pkt.data;
	memset(st->pkt.data, 0, room);
	st->pkt.mac = st->pkt.data; /* the network header stays where it is */
	skb_changed(x, st);
	return 0;
}

HELPER(skb_change_proto)
{
	struct skb_state *st = skb_of(x, r1);
	u16 to = (u16)r2;
	u32 off;
	long err;

	if (!st)
		return 0;
	if (r3)
		return (u64)-EINVAL;
	off = (u32)(st->pkt.net - st->pkt.mac);
	if (proto_is(st, ETH_P_IP) && to == htons(ETH_P_IPV6))
		err = net_grow(st, off, IPV6_HLEN - IPV4_HLEN, 0);
	else if (proto_is(st, ETH_P_IPV6) && to == htons(ETH_P_IP))
		err = net_shrink(st, off, IPV6_HLEN - IPV4_HLEN, 0);
	else
		return (u64)-ENOTSUPP;
	if (!err) {
		st->md.protocol = to;
		clear_hash(st);
	}
	skb_changed(x, st);
	return (u64)err;
}

HELPER(skb_change_type)
{
	struct skb_state *st = skb_of(x, r1);

	if (!st)
		return 0;
	if (st->md.pkt_type > PACKET_OTHERHOST || (u32)r2 > PACKET_OTHERHOST)
		return (u64)-EINVAL;
	st->md.pkt_type = (u32)r2;
	return 0;
}

/* ---- VLAN tags: the outer one in the skb's metadata (vlan_present/tci/proto), the
 * others in the packet after the MAC addresses ---- */

static bool is_vlan_proto(u16 proto)
{
	return proto == htons(ETH_P_8021Q) || proto == htons(ETH_P_8021AD);
}

/* Moves the metadata tag into the packet (__vlan_insert_inner_tag). */
static int vlan_insert(struct skb_state *st)
{
	int err = make_headroom(st, VLAN_HLEN);
	u16 proto = (u16)st->md.vlan_proto, tci = htons((u16)st->md.vlan_tci);

	if (err)
		return err;
	u8 *d = st->pkt.data -= VLAN_HLEN;
	st->pkt.meta = d;
	memmove(d, d + VLAN_HLEN, 2 * ETH_ALEN);
	memcpy(d + 2 * ETH_ALEN, &proto, 2);
	memcpy(d + 2 * ETH_ALEN + 2, &tci, 2);
	st->pkt.mac = d;
	st->md.protocol = proto;
	return 0;
}

/* Pulls the packet's outer tag out (__skb_vlan_pop); its TCI in *tci. */
static int vlan_remove(struct skb_state *st, u16 *tci)
{
	u8 *d = st->pkt.data;
	u16 inner;

	if (skb_len(st) < ETH_HLEN + VLAN_HLEN)
		return -ENOMEM;
	memcpy(tci, d + ETH_HLEN, 2);
	*tci = ntohs(*tci);
	memcpy(&inner, d + ETH_HLEN + 2, 2);
	memmove(d + VLAN_HLEN, d, 2 * ETH_ALEN);
	st->pkt.data = st->pkt.meta = st->pkt.mac = d + VLAN_HLEN;
	st->md.protocol = ntohs(inner) >= ETH_P_802_3_MIN ? inner : htons(ETH_P_802_2);
	if (st->pkt.net < st->pkt.data + ETH_HLEN)
		st->pkt.net = st->pkt.data + ETH_HLEN;
	return 0;
}

HELPER(skb_vlan_push)
{
	struct skb_state *st = skb_of(x, r1);
	u16 proto = (u16)r2;

	if (!st)
		return 0;
	if (!is_vlan_proto(proto))
		proto = htons(ETH_P_8021Q);
	int err = st->md.vlan_present ? vlan_insert(st) : 0;
	if (!err) {
		st->md.vlan_present = 1;
		st->md.vlan_proto = proto;
		st->md.vlan_tci = (u16)r3;
	}
	skb_changed(x, st);
	return (u64)(s64)err;
}

HELPER(skb_vlan_pop)
{
	struct skb_state *st = skb_of(x, r1);
	u16 tci;
	int err = 0;

	if (!st)
		return 0;
	if (st->md.vlan_present) {
		st->md.vlan_present = st->md.vlan_tci = st->md.vlan_proto = 0;
	} else if (is_vlan_proto((u16)st->md.protocol)) {
		err = vlan_remove(st, &tci);
	} else {
		return 0;
	}
	/* the next tag in the packet becomes the metadata tag */
	if (!err && is_vlan_proto((u16)st->md.protocol)) {
		u16 proto = (u16)st->md.protocol;
		err = vlan_remove(st, &tci);
		if (!err) {
			st->md.vlan_present = 1;
			st->md.vlan_proto = proto;
			st->md.vlan_tci = tci;
		}
	}
	skb_changed(x, st);
	return (u64)(s64)err;
}

/* ---- hashes, checksum level, ECN ---- */

/* The flow hash the kernel computes from the flow's addresses and ports: bpfrun's own
 * mix of the same fields (the kernel's seed is random per boot), never 0. */
static u32 flow_hash(const struct skb_state *st)
{
	const u8 *l3 = st->pkt.net;
	u32 h = 0x9e3779b9u ^ st->md.protocol, n = 0;

	if (proto_is(st, ETH_P_IP))
		n = IPV4_HLEN + 4;
	else if (proto_is(st, ETH_P_IPV6))
		n = IPV6_HLEN + 4;
	n = (u32)MIN((u64)n, (u64)(st->pkt.data_end - l3));
	for (u32 i = l3 == st->pkt.data_end ? n : 0; i < n; i++) {
		if (i < 9 && proto_is(st, ETH_P_IP))
			continue; /* version .. ttl: not part of the flow */
		h = (h ^ l3[i]) * 0x01000193u;
	}
	h ^= h >> 16;
	return h ? h : 1;
}

HELPER(get_hash_recalc)
{
	struct skb_state *st = skb_of(x, r1);

	if (!st)
		return 0;
	if (!st->sw_hash)
		st->md.hash = flow_hash(st);
	return st->md.hash;
}

HELPER(set_hash)
{
	struct skb_state *st = skb_of(x, r1);

	if (st) {
		st->md.hash = (u32)r2;
		st->sw_hash = true;
	}
	return 0;
}

HELPER(set_hash_invalid)
{
	struct skb_state *st = skb_of(x, r1);

	if (st)
		clear_hash(st);
	return 0;
}

HELPER(csum_level)
{
	struct skb_state *st = skb_of(x, r1);

	if (!st)
		return 0;
	switch (r2) {
	case BPF_CSUM_LEVEL_QUERY:
		return st->csum_unnecessary ? st->csum_level : (u64)-EACCES;
	case BPF_CSUM_LEVEL_INC:
		if (!st->csum_unnecessary && !st->csum_complete)
			st->csum_unnecessary = true; /* from CHECKSUM_NONE, at level 0 */
		else if (st->csum_unnecessary && st->csum_level < SKB_MAX_CSUM_LEVEL)
			st->csum_level++;
		return 0;
	case BPF_CSUM_LEVEL_DEC:
		if (st->csum_unnecessary && !st->csum_level--)
			reset_csum_unnecessary(st);
		return 0;
	case BPF_CSUM_LEVEL_RESET:
		reset_csum_unnecessary(st);
		return 0;
	}
	return (u64)-EINVAL;
}

/* INET_ECN_set_ce: marks ECT packets Congestion Experienced; 1 when the packet is (now)
 * CE, 0 for not-ECT packets and other protocols. */
HELPER(skb_ecn_set_ce)
{
	struct skb_state *st = skb_of(x, r1);
	u8 *ip;

	if (!st)
		return 0;
	ip = st->pkt.net;
	if (proto_is(st, ETH_P_IP) && st->pkt.data_end - ip >= IPV4_HLEN) {
		u32 ecn = (ip[1] + 1u) & 3;
		if (!(ecn & 2))
			return !ecn;
		u16 check, add = (u16)(htons(0xfffb) + htons((u16)ecn));
		memcpy(&check, ip + 10, 2);
		u32 sum = (u32)check + add;
		check = (u16)(sum + (sum >> 16));
		memcpy(ip + 10, &check, 2);
		ip[1] |= 3;
		return 1;
	}
	if (proto_is(st, ETH_P_IPV6) && st->pkt.data_end - ip >= IPV6_HLEN) {
		if (!(ip[1] & 0x30)) /* the traffic class's ECN bits: not-ECT */
			return 0;
		ip[1] |= 0x30;
		return 1;
	}
	return 0;
}

/* ---- check_mtu ---- */

/* MTU of device ifindex in the caller's network namespace, or -ENODEV. */
static int dev_mtu(u32 ifindex)
{
	static int sock = -1;
	struct ifreq ifr = { 0 };
	int s = __atomic_load_n(&sock, __ATOMIC_ACQUIRE);

	if (s < 0) {
		int fresh = sys_socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		if (fresh < 0)
			return -ENODEV;
		if (!__atomic_compare_exchange_n(&sock, &s, fresh, false, __ATOMIC_ACQ_REL,
						 __ATOMIC_ACQUIRE))
			sys_close(fresh); /* another thread made one: s holds it */
		else
			s = fresh;
	}
	if (!if_indextoname(ifindex, ifr.ifr_name) || sys_ioctl(s, SIOCGIFMTU, &ifr))
		return -ENODEV;
	return ifr.ifr_mtu;
}

/* bpf_skb_check_mtu / bpf_xdp_check_mtu: len is the packet's length; *mtu_len, when not
 * 0, gives the L3 length to check instead, and receives the device's MTU. */
static long check_mtu(struct exec_ctx *x, u32 dev, u32 ifindex, u64 mtu_addr, s32 diff, u64 flags,
		      u32 len, u64 flags_ok)
{
	u32 *m = vm_mem(x, mtu_addr, 4, true);
	long ret = 0;
	int mtu = 0;

	if (!m)
		return 0;
	if ((flags & ~flags_ok) || ((flags & BPF_F_MTU_CHK_SEGS) && (diff || *m))) {
		ret = -EINVAL;
	} else if ((mtu = dev_mtu(ifindex ? ifindex : dev)) < 0) {
		ret = -ENODEV;
		mtu = 0;
	} else {
		s64 l = *m ? (s64)*m + DEV_HARD_HEADER_LEN : (s64)len;
		ret = l + diff > (s64)mtu + DEV_HARD_HEADER_LEN ? BPF_MTU_CHK_RET_FRAG_NEEDED : 0;
	}
	*m = (u32)mtu;
	return ret;
}

HELPER(check_mtu)
{
	struct skb_state *st = pkt_state(x, PKT_SKB);
	struct xdp_state *xs = pkt_state(x, PKT_XDP);

	if (r1 != (u64)(uintptr_t)x->ctx || (!st && !xs)) {
		vm_fault(x, "helper expects the program's context in R1");
		return 0;
	}
	if (st)
		return (u64)check_mtu(x, st->md.ifindex, (u32)r2, r3, (s32)r4, r5, skb_len(st),
				      BPF_F_MTU_CHK_SEGS);
	return (u64)check_mtu(x, xs->md.ingress_ifindex ? xs->md.ingress_ifindex : 1, (u32)r2, r3,
			      (s32)r4, r5, (u32)(xs->pkt.data_end - xs->pkt.data), 0);
}

/* ---- tunnel metadata: set_tunnel_key/opt then get_tunnel_key/opt, as a tc program on a
 * collect_md tunnel device would set and read them ---- */

#define TUN_CSUM 0x0001
#define TUN_KEY 0x0004
#define TUN_SEQ 0x0008
#define TUN_DONT_FRAGMENT 0x0100
#define TUN_NOCACHE 0x2000
#define TUN_OPTIONS_PRESENT 0xd800 /* GENEVE, VXLAN, ERSPAN and GTP options */
#define TUNINFO_FLAGS (1ull << 4)  /* BPF_F_TUNINFO_FLAGS (get) */
#define NO_TUNNEL_KEY (1ull << 4)  /* BPF_F_NO_TUNNEL_KEY (set) */
#define IPV6_FLOWLABEL_MASK 0xfffffu
#define KEY_SIZE ((u32)sizeof(struct bpf_tunnel_key))
#define KEY_OFF(f) ((u32)offsetof(struct bpf_tunnel_key, f))

HELPER(skb_set_tunnel_key)
{
	struct skb_state *st = skb_of(x, r1);
	struct bpf_tunnel_key k = { 0 };
	u32 size = (u32)r3;
	u64 flags = r4;

	if (!st)
		return 0;
	if (flags & ~(u64)(BPF_F_TUNINFO_IPV6 | BPF_F_ZERO_CSUM_TX | BPF_F_DONT_FRAGMENT |
			   BPF_F_SEQ_NUMBER | NO_TUNNEL_KEY))
		return (u64)-EINVAL;
	if (size != KEY_SIZE && size != KEY_OFF(local_ipv4) && size != KEY_OFF(tunnel_label) &&
	    size != KEY_OFF(tunnel_ext) && size != KEY_OFF(remote_ipv6[1]))
		return (u64)-EINVAL;
	const void *from = vm_mem(x, r2, size, false);
	if (!from)
		return 0;
	memcpy(&k, from, size); /* older, shorter layouts: the rest is zero */
	if ((!(flags & BPF_F_TUNINFO_IPV6) && k.tunnel_label) || k.tunnel_ext)
		return (u64)-EINVAL;
	struct skb_tunnel *t = &st->tunnel;
	memset(t, 0, sizeof(*t));
	t->set = true;
	t->ipv6 = flags & BPF_F_TUNINFO_IPV6;
	t->flags = TUN_NOCACHE | (flags & BPF_F_DONT_FRAGMENT ? TUN_DONT_FRAGMENT : 0) |
		   (flags & BPF_F_ZERO_CSUM_TX ? 0 : TUN_CSUM) |
		   (flags & BPF_F_SEQ_NUMBER ? TUN_SEQ : 0) | (flags & NO_TUNNEL_KEY ? 0 : TUN_KEY);
	t->id = k.tunnel_id;
	t->tos = k.tunnel_tos;
	t->ttl = k.tunnel_ttl;
	if (t->ipv6) {
		memcpy(t->remote, k.remote_ipv6, 16);
		memcpy(t->local, k.local_ipv6, 16);
		t->label = k.tunnel_label & IPV6_FLOWLABEL_MASK;
	} else {
		t->remote[0] = k.remote_ipv4;
		t->local[0] = k.local_ipv4;
	}
	return 0;
}

/* The key read back: the metadata's source (what the program set as local) is the
 * remote end, as for a received packet. */
static long get_key(const struct skb_tunnel *t, struct bpf_tunnel_key *k, u32 size, u64 flags)
{
	if (!t->set || (flags & ~(u64)(BPF_F_TUNINFO_IPV6 | TUNINFO_FLAGS)))
		return -EINVAL;
	if (t->ipv6 != !!(flags & BPF_F_TUNINFO_IPV6))
		return -EPROTO;
	if (size != KEY_SIZE && size != KEY_OFF(tunnel_label) && size != KEY_OFF(tunnel_ext) &&
	    (size != KEY_OFF(remote_ipv6[1]) || t->ipv6))
		return -EINVAL;
	k->tunnel_id = t->id;
	k->tunnel_tos = t->tos;
	k->tunnel_ttl = t->ttl;
	k->tunnel_ext = flags & TUNINFO_FLAGS ? htons(t->flags) : 0;
	if (t->ipv6) {
		memcpy(k->remote_ipv6, t->local, 16);
		memcpy(k->local_ipv6, t->remote, 16);
		k->tunnel_label = t->label;
	} else {
		k->remote_ipv4 = t->local[0];
		k->local_ipv4 = t->remote[0];
	}
	return 0;
}

HELPER(skb_get_tunnel_key)
{
	struct skb_state *st = skb_of(x, r1);
	struct bpf_tunnel_key k = { 0 };
	u32 size = (u32)r3;
	u8 *to = vm_mem(x, r2, size, true);

	if (!st || !to)
		return 0;
	long err = get_key(&st->tunnel, &k, size, r4);
	if (err)
		memset(to, 0, size);
	else
		memcpy(to, &k, MIN(size, KEY_SIZE));
	return (u64)err;
}

HELPER(skb_set_tunnel_opt)
{
	struct skb_state *st = skb_of(x, r1);
	u32 size = (u32)r3;
	const u8 *from = vm_mem(x, r2, size, false);

	if (!st || (!from && size))
		return 0;
	if (!st->tunnel.set || (size & 3))
		return (u64)-EINVAL;
	if (size > SKB_TUNNEL_OPTS_MAX)
		return (u64)-ENOMEM;
	memcpy(st->tunnel.opts, from, size);
	st->tunnel.opts_len = size;
	if (size)
		st->tunnel.flags |= TUN_OPTIONS_PRESENT;
	return 0;
}

HELPER(skb_get_tunnel_opt)
{
	struct skb_state *st = skb_of(x, r1);
	u32 size = (u32)r3;
	u8 *to = vm_mem(x, r2, size, true);
	long err = -ENOENT;

	if (!st || (!to && size))
		return 0;
	if (st->tunnel.set && (st->tunnel.flags & TUN_OPTIONS_PRESENT)) {
		if (size >= st->tunnel.opts_len) {
			memcpy(to, st->tunnel.opts, st->tunnel.opts_len);
			memset(to + st->tunnel.opts_len, 0, size - st->tunnel.opts_len);
			return st->tunnel.opts_len;
		}
		err = -ENOMEM;
	}
	if (size)
		memset(to, 0, size);
	return (u64)err;
}
