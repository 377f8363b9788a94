/* Growing a tc test run's packet past its first page (the kernel reallocates the head, up
 * to BPF_SKB_MAX_LEN), and encapsulating the same skb again over repetitions
 * (skb->encapsulation).  cfg[0] is the size or length asked for; results go to res[]. */
#include <linux/pkt_cls.h>
#include "helpers_common.h"

#define ENCAP_L3_IPV4 (1ull << 1) /* BPF_F_ADJ_ROOM_ENCAP_L3_IPV4 */
#define ENCAP_L4_UDP (1ull << 4)  /* BPF_F_ADJ_ROOM_ENCAP_L4_UDP */

volatile const __u32 size = 0; /* set by the test before load */
__u32 rep;                     /* which repetition runs */

SEC("tc")
int change_tail(struct __sk_buff *skb)
{
	store(0, bpf_skb_change_tail(skb, size, 0));
	store(1, skb->len);
	store(2, (long)(skb->data_end - skb->data));
	return 0;
}

SEC("tc")
int change_head(struct __sk_buff *skb)
{
	store(0, bpf_skb_change_head(skb, size, 0));
	store(1, skb->len);
	store(2, (long)(skb->data_end - skb->data));
	return 0;
}

SEC("tc")
int adjust_room(struct __sk_buff *skb)
{
	store(0, bpf_skb_adjust_room(skb, size, BPF_ADJ_ROOM_MAC, 0));
	store(1, skb->len);
	store(2, (long)(skb->data_end - skb->data));
	return 0;
}

/* Each repetition encapsulates (IPv4 in IPv4 over UDP at the network header) and records
 * the result and the length. */
SEC("tc")
int encap_repeat(struct __sk_buff *skb)
{
	__u32 r = rep++;

	if (r < 15) {
		store(2 * r,
		      bpf_skb_adjust_room(skb, 28, BPF_ADJ_ROOM_NET, ENCAP_L3_IPV4 | ENCAP_L4_UDP));
		store(2 * r + 1, skb->len);
	}
	return 0;
}

#define DECAP_L3_IPV4 (1ull << 7) /* BPF_F_ADJ_ROOM_DECAP_L3_IPV4 */

/* What an encapsulated skb still allows: change_tail, a decap, another encap, change_head
 * and a plain push. */
SEC("tc")
int encap_then(struct __sk_buff *skb)
{
	store(0, bpf_skb_adjust_room(skb, 28, BPF_ADJ_ROOM_NET, ENCAP_L3_IPV4 | ENCAP_L4_UDP));
	store(1, bpf_skb_change_tail(skb, skb->len + 10, 0));
	store(2, bpf_skb_adjust_room(skb, 8, BPF_ADJ_ROOM_MAC, 0));
	store(3, bpf_skb_adjust_room(skb, -28, BPF_ADJ_ROOM_NET, DECAP_L3_IPV4));
	store(4, bpf_skb_adjust_room(skb, 28, BPF_ADJ_ROOM_NET, ENCAP_L3_IPV4 | ENCAP_L4_UDP));
	store(5, bpf_skb_change_head(skb, 8, 0));
	store(6, skb->len);
	return 0;
}
