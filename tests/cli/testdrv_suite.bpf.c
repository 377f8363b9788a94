/* A test suite in BPF C for `bpfrun test` (tests/cli/test_cli_testdrv.sh), over the
 * idle-timeout example's program: it includes the example and tests track_flows through
 * bpf_sys_bpf.  One test fails on purpose (unless --set expect_fail=0). */
#include "../../examples/flow_idle.bpf.c"
#include "bpfrun_test.h"

BPFRUN_PROG_FD(track_flows);
const volatile int expect_fail = 1; /* --set expect_fail=0 makes the last test pass */

/* Ethernet + IPv4 + UDP 10.0.0.9:1009 -> 10.0.0.100:53 */
static void udp_packet(__u8 *p)
{
	__builtin_memset(p, 0, 64);
	p[12] = 0x08;
	p[14] = 0x45;
	p[23] = IPPROTO_UDP;
	p[26] = 10;
	p[29] = 9;
	p[30] = 10;
	p[33] = 100;
	p[34] = 0x03;
	p[35] = 0xf1;
	p[37] = 53;
}

/* Test-runs track_flows on udp_packet's packet: 0 with the verdict and the packet's flow
 * entry after the run (NULL: none), or 1 when the test run failed. */
static __always_inline int send_udp(__u32 *verdict, struct flow **f)
{
	struct flow_key key = { .saddr = bpf_htonl(0x0a000009),
				.daddr = bpf_htonl(0x0a000064),
				.sport = bpf_htons(1009),
				.dport = bpf_htons(53),
				.proto = IPPROTO_UDP };
	__u8 pkt[64];

	udp_packet(pkt);
	if (bpfrun_test_run(BPFRUN_FD(track_flows), pkt, sizeof(pkt), verdict))
		return 1;
	*f = bpf_map_lookup_elem(&flows, &key);
	return 0;
}

SEC("test/new_flow_passes_and_is_tracked")
int new_flow(void *ctx)
{
	__u32 verdict = 0;
	struct flow *f;

	if (send_udp(&verdict, &f))
		return 1;
	if (verdict != XDP_PASS)
		return 2;
	if (!f || f->packets != 1 || f->bytes != 64)
		return 3;
	return 0;
}

SEC("test/second_packet_counts")
int second_packet(void *ctx)
{
	__u32 verdict = 0;
	struct flow *f;

	if (send_udp(&verdict, &f))
		return 1;
	return f && f->packets == 2 ? 0 : 4;
}

SEC("test/fails_on_purpose")
int fails(void *ctx)
{
	return expect_fail ? 7 : 0;
}
