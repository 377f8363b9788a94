/* Packet reshaping and metadata helpers in tc test runs (tests/bpf/pkt_helpers.bpf.c):
 * results and the packet each program leaves.  The test runs in a network namespace of
 * its own, so that fib_lookup and check_mtu answer from empty routing tables and a
 * loopback device at its defaults, as bpfrun models them. */
#include <sched.h>
#include <stdio.h>
#include <string.h>

#include "helpers_common.h"

/* Ethernet, IPv4 (tos 0, protocol UDP, 10.0.0.1 -> 10.0.0.2), UDP 1000 -> 2000. */
static void make_packet(unsigned char *p, unsigned len)
{
	static const unsigned char hdr[] = {
		0,    0, 0,  0,  0, 0, 0,    0,    0,    0,    0, 0,  0x08, 0x00,
		0x45, 0, 0,  50, 0, 1, 0x40, 0,    64,   17,   0, 0,  10,   0,
		0,    1, 10, 0,  0, 2, 0x03, 0xe8, 0x07, 0xd0, 0, 30, 0,    0,
	};
	memset(p, 0, len);
	memcpy(p, hdr, sizeof(hdr));
	for (unsigned i = sizeof(hdr); i < len; i++)
		p[i] = (unsigned char)i;
}

static void run(struct bpf_object *obj, const char *name, unsigned nres)
{
	unsigned char pkt[64], outp[512] = { 0 };
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = pkt, .data_size_in = sizeof(pkt),
		    .data_out = outp, .data_size_out = sizeof(outp), .repeat = 1);

	make_packet(pkt, sizeof(pkt));
	res_clear(obj);
	int err = bpf_prog_test_run_opts(prog_fd(obj, name), &o);
	out("%s: run %d ret %u size out %u", name, err, o.retval, o.data_size_out);
	res_print(obj, nres);
	char line[1100];
	int n = 0;
	for (unsigned i = 0; i < o.data_size_out && i < sizeof(outp); i++)
		n += snprintf(line + n, sizeof(line) - n, "%02x", outp[i]);
	out("  packet %s", line);
}

int main(void)
{
	if (unshare(CLONE_NEWNET)) {
		out("unshare: no new network namespace");
		return 1;
	}
	struct bpf_object *obj = load_obj("pkt_helpers");

	run(obj, "adjust_room", 18);
	run(obj, "change_tail_head", 16);
	run(obj, "vlan", 17);
	run(obj, "change_proto", 15);
	run(obj, "hash", 8);
	run(obj, "csum_ecn", 10);
	run(obj, "mtu", 10);
	run(obj, "fib", 11);
	run(obj, "xdp_mtu_fib", 6);
	run(obj, "tunnel", 31);
	bpf_object__close(obj);
	return finish();
}
