/* bpf_skb_pull_data, bpf_skb_load_bytes_relative and bpf_csum_update (tc, with and without
 * CHECKSUM_COMPLETE), bpf_xdp_get_buff_len and bpf_xdp_load/store_bytes on a linear and on
 * a multi-buffer frame (tests/bpf/pkt_more.bpf.c): results and the packet out. */
#include <string.h>

#include "helpers_common.h"

static unsigned char in[6000], outb[8000];

static void run(struct bpf_object *obj, const char *prog, unsigned size, unsigned flags,
		unsigned nres)
{
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = in, .data_size_in = size, .data_out = outb,
		    .data_size_out = sizeof(outb), .repeat = 1, .flags = flags);

	res_clear(obj);
	memset(outb, 0, sizeof(outb));
	int err = bpf_prog_test_run_opts(prog_fd(obj, prog), &o);
	unsigned sum = 0;
	for (unsigned i = 0; i < o.data_size_out && i < sizeof(outb); i++)
		sum = sum * 31 + outb[i];
	out("%s %u flags %u: run %d, data out %u bytes, sum %08x", prog, size, flags, err,
	    o.data_size_out, sum);
	res_print(obj, nres);
}

int main(void)
{
	struct bpf_object *obj = load_obj("pkt_more");

	for (unsigned i = 0; i < sizeof(in); i++)
		in[i] = (unsigned char)(i * 7 + 1);
	/* Ethernet + IPv4 (version 4, IHL 5, UDP) so that the network header is IPv4 */
	in[12] = 0x08;
	in[13] = 0x00;
	in[14] = 0x45;
	in[23] = 17;
	run(obj, "skb_more", 64, 0, 14);
	run(obj, "skb_more", 64, BPF_F_TEST_SKB_CHECKSUM_COMPLETE, 14);
	run(obj, "csum_change", 64, 0, 1);
	run(obj, "csum_change", 64, BPF_F_TEST_SKB_CHECKSUM_COMPLETE, 1);
	run(obj, "xdp_linear", 64, 0, 14);
	run(obj, "xdp_linear", 3000, 0, 14);
	run(obj, "xdp_frags", 6000, 0, 14);
	run(obj, "xdp_frags", 64, 0, 14);
	bpf_object__close(obj);
	return finish();
}
