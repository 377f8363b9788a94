/* Packets: the state of a test run's packet, which the packet program types build
 * (prog/prog_skb.c, prog/prog_xdp.c) and the packet helpers work on (helpers/packet.c).
 * No locking: a run's packet belongs to the thread running it. */
#ifndef BPFRUN_PKT_H
#define BPFRUN_PKT_H

#include <linux/if_ether.h>

#include "../lib/common.h"
#include "../vm/vm.h"

/* A packet starts in one page, as the kernel's test runs give it; an skb's head may be
 * reallocated to hold up to BPF_SKB_MAX_LEN bytes (helpers/skb.c). */
#define TEST_PAGE_SIZE 4096u

enum pkt_kind { PKT_SKB = 1, PKT_XDP };

/* The shared part: a buffer with headroom, the packet between data and data_end. */
struct pkt_buf {
	enum pkt_kind kind;
	u8 *head;     /* start of the allocation */
	u32 size;     /* its bytes: a page, or an skb's head once grown past it */
	u8 *hard_end; /* end of the room the packet may grow into */
	u8 *meta;     /* XDP data_meta (== data when none) */
	u8 *data;
	u8 *data_end;
	u8 *mac, *net; /* skb: link-layer and network headers (NULL for XDP) */
};

/* The tunnel metadata bpf_skb_set_tunnel_key gives the skb (the kernel's ip_tunnel_info
 * in a metadata dst), as the kernel stores it. */
#define SKB_TUNNEL_OPTS_MAX 255u
struct skb_tunnel {
	bool set, ipv6;
	u16 flags; /* TUNNEL_* bits (host order) */
	u8 tos, ttl;
	u32 id, label;
	u32 remote[4], local[4]; /* as the program gave them */
	u32 opts_len;
	u8 opts[SKB_TUNNEL_OPTS_MAX + 1];
};

struct skb_state {
	struct pkt_buf pkt;
	struct __sk_buff md;   /* the fields a program reads; data pointers come from pkt */
	u64 sock_cookie;       /* 0 until bpf_get_socket_cookie asks */
	bool csum_complete;    /* CHECKSUM_COMPLETE (BPF_F_TEST_SKB_CHECKSUM_COMPLETE) */
	u32 csum;              /* then: skb->csum, over the packet from the network header */
	bool sw_hash;          /* md.hash was set by bpf_set_hash (not computed) */
	bool csum_unnecessary; /* CHECKSUM_UNNECESSARY (bpf_csum_level), with csum_level */
	u8 csum_level;
	bool encapsulation; /* skb->encapsulation: set by an encapsulating adjust_room */
	struct skb_tunnel tunnel;
};

/* Fragments of a multi-buffer packet (XDP frames larger than the page's linear room):
 * page-sized buffers after the linear part, which programs reach only through helpers. */
#define PKT_MAX_FRAGS 17u /* MAX_SKB_FRAGS */
struct pkt_frags {
	u32 nr;
	u32 total; /* bytes in all fragments */
	u32 len[PKT_MAX_FRAGS];
	u8 *page[PKT_MAX_FRAGS]; /* TEST_PAGE_SIZE bytes each */
};

struct xdp_state {
	struct pkt_buf pkt;
	struct xdp_md md; /* ingress_ifindex, rx_queue_index, egress_ifindex */
	struct pkt_frags frags;
};

/* x->type_data is a struct skb_state or xdp_state: both start with their pkt_buf. */
_Static_assert(offsetof(struct skb_state, pkt) == 0, "skb_state must start with its pkt_buf");
_Static_assert(offsetof(struct xdp_state, pkt) == 0, "xdp_state must start with its pkt_buf");

/* The run's skb_state (PKT_SKB) or xdp_state (PKT_XDP), or NULL when it has none. */
static inline void *pkt_state(const struct exec_ctx *x, enum pkt_kind kind)
{
	struct pkt_buf *pkt = x->type_data;

	return pkt && pkt->kind == kind ? pkt : NULL;
}

/* Publishes pkt's pointers to the run (x->pkt_start/pkt_end/pkt_meta). */
static inline void pkt_sync(struct exec_ctx *x, const struct pkt_buf *pkt)
{
	x->pkt_start = (u64)(uintptr_t)pkt->data;
	x->pkt_end = (u64)(uintptr_t)pkt->data_end;
	x->pkt_meta = (u64)(uintptr_t)pkt->meta;
	x->pkt_mac = (u64)(uintptr_t)pkt->mac;
	x->pkt_net = (u64)(uintptr_t)pkt->net;
}

#endif
