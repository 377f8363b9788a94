/* Dynptrs over local memory, skbs and XDP buffers (tests/bpf/kfunc_dynptr.bpf.c): each
 * program's results and the packet it leaves. */
#include <stdio.h>
#include <string.h>

#include "helpers_common.h"

static void run(struct bpf_object *obj, const char *name, uint32_t nres)
{
	unsigned char pkt[64], outp[64] = { 0 };
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = pkt, .data_size_in = sizeof(pkt),
		    .data_out = outp, .data_size_out = sizeof(outp), .repeat = 1);

	for (unsigned i = 0; i < sizeof(pkt); i++)
		pkt[i] = (unsigned char)(0x10 + i);
	pkt[12] = 0x08;
	pkt[13] = 0x00;
	res_clear(obj);
	int err = bpf_prog_test_run_opts(prog_fd(obj, name), &o);
	out("%s: run %d ret %u", name, err, o.retval);
	res_print(obj, nres);
	char line[200];
	int n = 0;
	for (unsigned i = 14; i < 56; i++)
		n += snprintf(line + n, sizeof(line) - n, "%02x", outp[i]);
	out("  packet[14..56) = %s", line);
}

int main(void)
{
	struct bpf_object *obj = load_obj("kfunc_dynptr");

	run(obj, "local", 21);
	run(obj, "skb_buf", 13);
	run(obj, "xdp_buf", 9);
	run(obj, "cg", 4);
	bpf_object__close(obj);
	return finish();
}
