/* A tc test run's packet grown past its first page by skb_change_tail, skb_change_head and
 * skb_adjust_room (the kernel reallocates the head up to BPF_SKB_MAX_LEN, 16064 bytes), the
 * data it gives back, and an skb encapsulated again over repetitions of one test run
 * (tests/bpf/pkt_grow.bpf.c). */
#include <string.h>

#include "helpers_common.h"

/* Ethernet + IPv4 + UDP, 64 bytes. */
static unsigned char pkt[64] = {
	[12] = 0x08, [14] = 0x45, [16] = 0, [17] = 50, [22] = 64, [23] = 17
};
static unsigned char outbuf[20000];

static struct bpf_object *open_with(unsigned size)
{
	struct bpf_object *obj = bpf_object__open_file(obj_path("pkt_grow"), NULL);
	struct bpf_map *ro = NULL, *m;

	bpf_object__for_each_map(m, obj) if (strstr(bpf_map__name(m), ".rodata")) ro = m;
	if (ro)
		bpf_map__set_initial_value(ro, &size, sizeof(size));
	if (bpf_object__load(obj)) {
		out("load failed");
		return NULL;
	}
	return obj;
}

static void grow(const char *prog, unsigned size, unsigned repeat, unsigned nres)
{
	struct bpf_object *obj = open_with(size);
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = pkt, .data_size_in = sizeof(pkt),
		    .data_out = outbuf, .data_size_out = sizeof(outbuf), .repeat = repeat);

	if (!obj)
		return;
	res_clear(obj);
	memset(outbuf, 0xee, sizeof(outbuf));
	int err = bpf_prog_test_run_opts(prog_fd(obj, prog), &o);
	unsigned sum = 0;
	for (unsigned i = 0; i < o.data_size_out && i < sizeof(outbuf); i++)
		sum = sum * 31 + outbuf[i];
	out("%s %u x%u: run %d, data out %u bytes, sum %08x", prog, size, repeat, err,
	    o.data_size_out, sum);
	res_print(obj, nres);
	bpf_object__close(obj);
}

int main(void)
{
	static const unsigned tails[] = { 4000, 4096, 8000, 16000, 16064, 16065 };
	static const unsigned heads[] = { 3000, 4000, 8000, 15990, 16001 };

	for (unsigned i = 0; i < sizeof(tails) / sizeof(tails[0]); i++)
		grow("change_tail", tails[i], 1, 3);
	for (unsigned i = 0; i < sizeof(heads) / sizeof(heads[0]); i++)
		grow("change_head", heads[i], 1, 3);
	for (unsigned i = 0; i < sizeof(heads) / sizeof(heads[0]); i++)
		grow("adjust_room", heads[i], 1, 3);
	grow("encap_repeat", 0, 1, 2);
	grow("encap_repeat", 0, 3, 6);
	grow("encap_repeat", 0, 15, 30);
	grow("encap_then", 0, 1, 7);
	return finish();
}
