// SPDX-License-Identifier: GPL-2.0
/* Unit tests of the idle-timeout example (flow_idle.bpf.c), written in BPF C and run by
 * `bpfrun test` (see README: "Tests as BPF programs"):
 *
 *   bpfrun test build/examples/flow_idle_test.bpf.o
 *
 * The file includes the example, so the tests share its maps and call its program
 * through bpf_sys_bpf (bpfrun_test.h's bpfrun_test_run).  Each SEC("test/NAME") program
 * is one test and passes when it returns 0; a non-zero value says which check failed. */
#include "flow_idle.bpf.c"
#include "bpfrun_test.h"

BPFRUN_PROG_FD(track_flows); /* filled in by bpfrun test */

/* The flow of 10.0.0.9:1009 -> 10.0.0.100:53 over UDP, and a packet of it. */
static const struct flow_key flow9 = {
	.saddr = bpf_htonl(0x0a000009),
	.daddr = bpf_htonl(0x0a000064),
	.sport = bpf_htons(1009),
	.dport = bpf_htons(53),
	.proto = IPPROTO_UDP,
};

static void packet(__u8 *p, __u16 ethertype)
{
	__builtin_memset(p, 0, 64);
	p[12] = ethertype >> 8;
	p[13] = ethertype & 0xff;
	p[14] = 0x45;
	p[23] = IPPROTO_UDP;
	__builtin_memcpy(p + 26, &flow9.saddr, 4);
	__builtin_memcpy(p + 30, &flow9.daddr, 4);
	__builtin_memcpy(p + 34, &flow9.sport, 2);
	__builtin_memcpy(p + 36, &flow9.dport, 2);
}

SEC("test/first_packet_creates_the_flow")
int first_packet(void *ctx)
{
	__u8 pkt[64];
	__u32 verdict;

	packet(pkt, ETH_P_IP);
	if (bpfrun_test_run(BPFRUN_FD(track_flows), pkt, sizeof(pkt), &verdict))
		return 1;
	if (verdict != XDP_PASS)
		return 2;
	struct flow *f = bpf_map_lookup_elem(&flows, &flow9);
	if (!f)
		return 3;
	return f->packets == 1 && f->bytes == 64 ? 0 : 4;
}

SEC("test/next_packet_is_counted")
int next_packet(void *ctx)
{
	__u8 pkt[64];
	__u32 verdict;

	packet(pkt, ETH_P_IP);
	if (bpfrun_test_run(BPFRUN_FD(track_flows), pkt, sizeof(pkt), &verdict))
		return 1;
	struct flow *f = bpf_map_lookup_elem(&flows, &flow9);
	return f && f->packets == 2 ? 0 : 2;
}

SEC("test/non_ip_is_not_tracked")
int non_ip(void *ctx)
{
	__u8 pkt[64];
	__u32 verdict, zero = 0;

	bpf_map_delete_elem(&flows, &flow9);
	packet(pkt, ETH_P_ARP);
	if (bpfrun_test_run(BPFRUN_FD(track_flows), pkt, sizeof(pkt), &verdict))
		return 1;
	return verdict == XDP_PASS && !bpf_map_lookup_elem(&flows, &flow9) ? 0 : 2;
}
