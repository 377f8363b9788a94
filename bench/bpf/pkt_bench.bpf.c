/* Packet helpers per run: an XDP redirect through a devmap, 20 bytes pushed after the MAC
 * header and popped again (skb_adjust_room), a VLAN push/pop pair, and LD_ABS reads at
 * the network header. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_DEVMAP);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u32);
} devmap SEC(".maps");

SEC("xdp")
int redirect_map(struct xdp_md *ctx)
{
	return bpf_redirect_map(&devmap, 1, XDP_PASS);
}

SEC("tc")
int encap_decap(struct __sk_buff *skb)
{
	if (bpf_skb_adjust_room(skb, 20, BPF_ADJ_ROOM_MAC, 0))
		return 1;
	return bpf_skb_adjust_room(skb, -20, BPF_ADJ_ROOM_MAC, 0) ? 1 : 0;
}

SEC("tc")
int vlan_push_pop(struct __sk_buff *skb)
{
	if (bpf_skb_vlan_push(skb, __builtin_bswap16(0x8100), 7))
		return 1;
	return bpf_skb_vlan_pop(skb) ? 1 : 0;
}

unsigned long long load_byte(void *skb, unsigned long long off) asm("llvm.bpf.load.byte");

/* Sums the IPv4 header's bytes through SKF_NET_OFF (classic-BPF style). */
SEC("socket")
int ld_abs_net(struct __sk_buff *skb)
{
	__u64 sum = 0;

#pragma unroll
	for (int i = 0; i < 20; i++)
		sum += load_byte(skb, -0x100000 + i);
	return (int)sum;
}
