/* Packet reshaping and metadata helpers on a tc program's skb: adjust_room,
 * change_tail/head/proto/type, vlan_push/pop, hashes, csum_level, ecn_set_ce, check_mtu
 * and fib_lookup.  Results go to res[n] (helpers_common.h); the test prints the packet. */
#include <linux/if_ether.h>
#include <linux/pkt_cls.h>
#include "helpers_common.h"

#define DECAP_L3_IPV4 (1ull << 7) /* BPF_F_ADJ_ROOM_DECAP_L3_IPV4, Linux 6.3 */

#define N(f) (bpf_htons(f))
static __always_inline __u16 bpf_htons(__u16 v)
{
	return __builtin_bswap16(v);
}

SEC("tc")
int adjust_room(struct __sk_buff *skb)
{
	store(0, bpf_skb_adjust_room(skb, 8, BPF_ADJ_ROOM_MAC, 0));
	store(1, skb->len);
	store(2, bpf_skb_adjust_room(skb, -8, BPF_ADJ_ROOM_MAC, 0));
	store(3, bpf_skb_adjust_room(skb, 4, BPF_ADJ_ROOM_NET, 0));
	store(4, skb->len);
	store(5, bpf_skb_adjust_room(skb, -4, BPF_ADJ_ROOM_NET, 0));
	store(6, bpf_skb_adjust_room(skb, 0x1000, BPF_ADJ_ROOM_MAC, 0));
	store(7, bpf_skb_adjust_room(skb, 8, 2, 0));
	store(8, bpf_skb_adjust_room(skb, 8, BPF_ADJ_ROOM_MAC, 1ull << 20));
	store(9, bpf_skb_adjust_room(skb, -40, BPF_ADJ_ROOM_NET, 0));
	store(10, bpf_skb_adjust_room(skb, 100, BPF_ADJ_ROOM_MAC, 0));
	store(11, skb->len);
	store(12, bpf_skb_adjust_room(skb, -100, BPF_ADJ_ROOM_MAC, 0));
	store(13, bpf_skb_adjust_room(skb, 20, BPF_ADJ_ROOM_MAC, BPF_F_ADJ_ROOM_ENCAP_L3_IPV4));
	store(14, bpf_skb_adjust_room(skb, -20, BPF_ADJ_ROOM_MAC, DECAP_L3_IPV4));
	store(15, bpf_skb_adjust_room(skb, 20, BPF_ADJ_ROOM_MAC, DECAP_L3_IPV4));
	store(16, bpf_skb_adjust_room(skb, 6, BPF_ADJ_ROOM_NET, BPF_F_ADJ_ROOM_NO_CSUM_RESET));
	store(17, skb->len);
	return 0;
}

SEC("tc")
int change_tail_head(struct __sk_buff *skb)
{
	store(0, bpf_skb_change_tail(skb, 80, 0));
	store(1, skb->len);
	store(2, bpf_skb_change_tail(skb, 60, 0));
	store(3, skb->len);
	store(4, bpf_skb_change_tail(skb, 10, 0));
	store(5, bpf_skb_change_tail(skb, 60, 1));
	store(6, bpf_skb_change_tail(skb, 70000, 0));
	store(7, bpf_skb_change_tail(skb, 14, 0));
	store(8, skb->len);
	store(9, bpf_skb_change_tail(skb, 64, 0));
	store(10, bpf_skb_change_head(skb, 14, 0));
	store(11, skb->len);
	store(12, bpf_skb_change_head(skb, 14, 1));
	store(13, bpf_skb_change_head(skb, 0, 0));
	store(14, bpf_skb_change_head(skb, 200, 0));
	store(15, skb->len);
	return 0;
}

SEC("tc")
int vlan(struct __sk_buff *skb)
{
	store(0, bpf_skb_vlan_push(skb, N(ETH_P_8021Q), 100));
	store(1, skb->vlan_present);
	store(2, skb->vlan_tci);
	store(3, skb->vlan_proto);
	store(4, skb->len);
	store(5, bpf_skb_vlan_push(skb, N(ETH_P_8021AD), 200));
	store(6, skb->len);
	store(7, skb->vlan_tci);
	store(8, bpf_skb_vlan_push(skb, N(0x1234), 1));
	store(9, bpf_skb_vlan_pop(skb));
	store(10, skb->len);
	store(11, skb->vlan_present);
	store(12, bpf_skb_vlan_pop(skb));
	store(13, skb->len);
	store(14, skb->vlan_present);
	store(15, bpf_skb_vlan_pop(skb));
	store(16, skb->len);
	return 0;
}

SEC("tc")
int change_proto(struct __sk_buff *skb)
{
	store(0, bpf_skb_change_proto(skb, N(ETH_P_IPV6), 0));
	store(1, skb->len);
	store(2, skb->protocol);
	store(3, bpf_skb_change_proto(skb, N(ETH_P_IPV6), 0));
	store(4, bpf_skb_change_proto(skb, N(ETH_P_IP), 1));
	store(5, bpf_skb_change_proto(skb, N(0x1234), 0));
	store(6, bpf_skb_change_proto(skb, N(ETH_P_IP), 0));
	store(7, skb->len);
	store(8, skb->protocol);
	store(9, bpf_skb_change_type(skb, 0));
	store(10, skb->pkt_type);
	store(11, bpf_skb_change_type(skb, 3));
	store(12, skb->pkt_type);
	store(13, bpf_skb_change_type(skb, 4));
	store(14, bpf_skb_change_type(skb, 7));
	return 0;
}

SEC("tc")
int hash(struct __sk_buff *skb)
{
	__u32 h = bpf_get_hash_recalc(skb);

	store(0, h != 0);
	store(1, bpf_get_hash_recalc(skb) == h);
	store(2, skb->hash == h);
	store(3, bpf_set_hash(skb, 0x1234));
	store(4, skb->hash);
	store(5, bpf_get_hash_recalc(skb));
	bpf_set_hash_invalid(skb);
	store(6, skb->hash);
	store(7, bpf_get_hash_recalc(skb) == h);
	return 0;
}

SEC("tc")
int csum_ecn(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data, *end = (void *)(long)skb->data_end;
	__u8 *tos = data + 15;

	store(0, bpf_csum_level(skb, BPF_CSUM_LEVEL_QUERY));
	store(1, bpf_csum_level(skb, BPF_CSUM_LEVEL_INC));
	store(2, bpf_csum_level(skb, BPF_CSUM_LEVEL_QUERY));
	store(3, bpf_csum_level(skb, BPF_CSUM_LEVEL_DEC));
	store(4, bpf_csum_level(skb, BPF_CSUM_LEVEL_RESET));
	store(5, bpf_csum_level(skb, 9));
	store(6, bpf_skb_ecn_set_ce(skb));
	if ((void *)(tos + 1) > end)
		return 1;
	*tos |= 2; /* ECT(0) */
	store(7, bpf_skb_ecn_set_ce(skb));
	data = (void *)(long)skb->data;
	end = (void *)(long)skb->data_end;
	tos = data + 15;
	if ((void *)(tos + 1) > end)
		return 1;
	store(8, *tos);
	store(9, bpf_skb_ecn_set_ce(skb));
	return 0;
}

SEC("tc")
int mtu(struct __sk_buff *skb)
{
	__u32 m = 0;

	store(0, bpf_check_mtu(skb, 0, &m, 0, 0));
	store(1, m);
	m = 0;
	store(2, bpf_check_mtu(skb, 0, &m, 70000, 0));
	store(3, m);
	m = 0;
	store(4, bpf_check_mtu(skb, 999999, &m, 0, 0));
	m = 0;
	store(5, bpf_check_mtu(skb, 0, &m, 0, 4));
	m = 1400;
	store(6, bpf_check_mtu(skb, 0, &m, 0, 0));
	store(7, m);
	m = 0;
	store(8, bpf_check_mtu(skb, 0, &m, -100, 0));
	m = 0;
	store(9, bpf_check_mtu(skb, 0, &m, 0, BPF_MTU_CHK_SEGS));
	return 0;
}

SEC("tc")
int fib(struct __sk_buff *skb)
{
	struct bpf_fib_lookup p = {};

	p.family = 2;
	p.ifindex = 1;
	p.ipv4_dst = 0x0302010a; /* 10.1.2.3 */
	p.ipv4_src = 0x0100007f;
	p.tot_len = 64;
	store(0, bpf_fib_lookup(skb, &p, sizeof(p), 0));
	store(1, bpf_fib_lookup(skb, &p, sizeof(p), BPF_FIB_LOOKUP_DIRECT));
	store(2, bpf_fib_lookup(skb, &p, sizeof(p), BPF_FIB_LOOKUP_OUTPUT));
	store(3, bpf_fib_lookup(skb, &p, sizeof(p), 1u << 20));
	store(4, bpf_fib_lookup(skb, &p, 32, 0));
	p.ifindex = 999999;
	store(5, bpf_fib_lookup(skb, &p, sizeof(p), 0));
	p.ifindex = 1;
	p.family = 10;
	p.ipv6_dst[0] = 0x20010db8;
	store(6, bpf_fib_lookup(skb, &p, sizeof(p), 0));
	store(7, bpf_fib_lookup(skb, &p, sizeof(p), BPF_FIB_LOOKUP_OUTPUT));
	p.family = 7;
	store(8, bpf_fib_lookup(skb, &p, sizeof(p), 0));
	p.family = 2;
	p.ipv4_dst = 0x0100007f; /* 127.0.0.1 */
	store(9, bpf_fib_lookup(skb, &p, sizeof(p), BPF_FIB_LOOKUP_OUTPUT));
	store(10, p.ifindex);
	return 0;
}

SEC("xdp")
int xdp_mtu_fib(struct xdp_md *ctx)
{
	struct bpf_fib_lookup p = {};
	__u32 m = 0;

	store(0, bpf_check_mtu(ctx, 0, &m, 0, 0));
	store(1, m);
	m = 0;
	store(2, bpf_check_mtu(ctx, 0, &m, 0, BPF_MTU_CHK_SEGS));
	m = 0;
	store(3, bpf_check_mtu(ctx, 1, &m, 66000, 0));
	p.family = 2;
	p.ifindex = 1;
	store(4, bpf_fib_lookup(ctx, &p, sizeof(p), 0));
	p.family = 10;
	p.ipv6_dst[0] = 0x000080fe; /* fe80:: */
	store(5, bpf_fib_lookup(ctx, &p, sizeof(p), 0));
	return XDP_PASS;
}

/* ---- tunnel metadata ---- */

#define TUNINFO_FLAGS (1ull << 4) /* BPF_F_TUNINFO_FLAGS, Linux 6.3 */

static __always_inline void store_key(__u32 idx, const struct bpf_tunnel_key *k)
{
	store(idx, k->tunnel_id);
	store(idx + 1, k->remote_ipv4);
	store(idx + 2, k->local_ipv4);
	store(idx + 3, k->tunnel_tos | k->tunnel_ttl << 8 | (__u32)k->tunnel_ext << 16);
	store(idx + 4, k->tunnel_label);
}

SEC("tc")
int tunnel(struct __sk_buff *skb)
{
	struct bpf_tunnel_key k = {}, g = {};
	__u8 opt[8] = { 1, 2, 3, 4, 5, 6, 7, 8 }, back[12];

	store(0, bpf_skb_get_tunnel_key(skb, &g, sizeof(g), 0));
	store(1, bpf_skb_set_tunnel_opt(skb, opt, 8));
	k.tunnel_id = 42;
	k.remote_ipv4 = 0x0a000001;
	k.local_ipv4 = 0x0a000002;
	k.tunnel_tos = 3;
	k.tunnel_ttl = 64;
	store(2, bpf_skb_set_tunnel_key(skb, &k, sizeof(k), 1ull << 9));
	store(3, bpf_skb_set_tunnel_key(skb, &k, 40, 0));
	k.tunnel_label = 5;
	store(4, bpf_skb_set_tunnel_key(skb, &k, sizeof(k), 0));
	k.tunnel_label = 0;
	store(5, bpf_skb_set_tunnel_key(skb, &k, sizeof(k), BPF_F_ZERO_CSUM_TX));
	store(6, bpf_skb_get_tunnel_key(skb, &g, sizeof(g), 0));
	store_key(7, &g);
	store(12, bpf_skb_get_tunnel_key(skb, &g, sizeof(g), TUNINFO_FLAGS));
	store(13, g.tunnel_ext);
	store(14, bpf_skb_get_tunnel_key(skb, &g, sizeof(g), BPF_F_TUNINFO_IPV6));
	store(15, g.tunnel_id);
	store(16, bpf_skb_get_tunnel_key(skb, &g, 24, 0));
	store(17, bpf_skb_get_tunnel_key(skb, &g, 12, 0));
	store(18, bpf_skb_get_tunnel_opt(skb, back, sizeof(back)));
	store(19, bpf_skb_set_tunnel_opt(skb, opt, 6));
	store(20, bpf_skb_set_tunnel_opt(skb, opt, 8));
	bpf_skb_get_tunnel_key(skb, &g, sizeof(g), TUNINFO_FLAGS);
	store(30, g.tunnel_ext);
	store(21, bpf_skb_get_tunnel_opt(skb, back, 4));
	store(22, bpf_skb_get_tunnel_opt(skb, back, sizeof(back)));
	store(23, back[7] | back[8] << 8 | back[0] << 16);
	store(24,
	      bpf_skb_set_tunnel_key(skb, &k, sizeof(k), BPF_F_TUNINFO_IPV6 | BPF_F_SEQ_NUMBER));
	store(25, bpf_skb_get_tunnel_key(skb, &g, sizeof(g), 0));
	store(26, bpf_skb_get_tunnel_key(skb, &g, sizeof(g), BPF_F_TUNINFO_IPV6 | TUNINFO_FLAGS));
	store(27, g.remote_ipv6[0]);
	store(28, g.tunnel_ext);
	store(29, bpf_skb_get_tunnel_opt(skb, back, sizeof(back)));
	return 0;
}
