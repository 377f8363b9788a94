/* The idle-timeout example's unit tests (flow_idle.bpf.c), in BPF C, for `bpfrun test`
 * (README, "Tests as BPF programs"):
 *
 *   bpfrun test build/examples/flow_idle_test.bpf.o
 *
 * Including the example gives the tests its maps and its program; they feed it packets
 * through bpf_sys_bpf (bpfrun_test_run, include/bpfrun_test.h) and look at the flow table
 * afterwards.  Every SEC("test/NAME") program is a test: 0 passes, any other value is the
 * number of the check that failed.  The tests run in file order and share the table. */
#include "flow_idle.bpf.c"
#include <linux/udp.h>
#include "bpfrun_test.h"

BPFRUN_PROG_FD(track_flows); /* bpfrun test fills it in after the load */

/* Every test uses one UDP flow, 10.0.0.9:1009 -> 10.0.0.100:53. */
#define CLIENT_IP 0x0a000009
#define SERVER_IP 0x0a000064
#define CLIENT_PORT 1009
#define SERVER_PORT 53
#define PKT_LEN 64

static const struct flow_key the_flow = {
	.saddr = bpf_htonl(CLIENT_IP),
	.daddr = bpf_htonl(SERVER_IP),
	.sport = bpf_htons(CLIENT_PORT),
	.dport = bpf_htons(SERVER_PORT),
	.proto = IPPROTO_UDP,
};

/* Header fields of the frame, by offset: the IP header starts at byte 14, so its 4-byte
 * fields are not aligned, and the stack takes no misaligned store (the verifier refuses
 * one): they are written byte by byte. */
#define IP_AT sizeof(struct ethhdr)
#define UDP_AT (IP_AT + sizeof(struct iphdr))
#define PUT(frame, at, field) __builtin_memcpy((frame) + (at), &(field), sizeof(field))

/* Runs the example on one packet of the flow, framed as `ethertype`: 0 and the verdict,
 * or non-zero when the test run itself failed. */
static int send(__u16 ethertype, __u32 *verdict)
{
	__u8 frame[PKT_LEN] = {};
	__be16 proto = bpf_htons(ethertype);

	PUT(frame, offsetof(struct ethhdr, h_proto), proto);
	frame[IP_AT] = 0x45; /* version 4, header of 5 words */
	frame[IP_AT + offsetof(struct iphdr, protocol)] = IPPROTO_UDP;
	PUT(frame, IP_AT + offsetof(struct iphdr, saddr), the_flow.saddr);
	PUT(frame, IP_AT + offsetof(struct iphdr, daddr), the_flow.daddr);
	PUT(frame, UDP_AT + offsetof(struct udphdr, source), the_flow.sport);
	PUT(frame, UDP_AT + offsetof(struct udphdr, dest), the_flow.dport);
	return bpfrun_test_run(BPFRUN_FD(track_flows), frame, sizeof(frame), verdict);
}

SEC("test/first_packet_creates_the_flow")
int first_packet(void *ctx)
{
	struct flow *f;
	__u32 verdict;

	if (send(ETH_P_IP, &verdict))
		return 1;
	if (verdict != XDP_PASS)
		return 2;
	f = bpf_map_lookup_elem(&flows, &the_flow);
	if (!f)
		return 3;
	return f->packets == 1 && f->bytes == PKT_LEN ? 0 : 4;
}

SEC("test/next_packet_is_counted")
int next_packet(void *ctx)
{
	struct flow *f;
	__u32 verdict;

	if (send(ETH_P_IP, &verdict))
		return 1;
	f = bpf_map_lookup_elem(&flows, &the_flow);
	return f && f->packets == 2 ? 0 : 2;
}

SEC("test/non_ip_is_not_tracked")
int non_ip(void *ctx)
{
	__u32 verdict;

	bpf_map_delete_elem(&flows, &the_flow);
	if (send(ETH_P_ARP, &verdict))
		return 1;
	if (verdict != XDP_PASS)
		return 2;
	return bpf_map_lookup_elem(&flows, &the_flow) ? 3 : 0;
}
