/* Allocated objects, kptrs and context casts (tests/bpf/kfunc_obj.bpf.c): each program's
 * return value and results, and an object that lives in a map between runs. */
#include <stdio.h>
#include <string.h>

#include "helpers_common.h"

/* Runs name on a 64-byte packet and prints its results res[0..nres). */
static void run(struct bpf_object *obj, const char *name, uint32_t nres, uint32_t len)
{
	unsigned char pkt[128] = { 0 };
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = pkt, .data_size_in = len, .repeat = 1);

	pkt[12] = 0x08;
	res_clear(obj);
	int err = bpf_prog_test_run_opts(prog_fd(obj, name), &o);
	out("%s: run %d ret %u", name, err, o.retval);
	res_print(obj, nres);
}

int main(void)
{
	struct bpf_object *obj = load_obj("kfunc_obj");

	if (!obj)
		return finish();
	run(obj, "obj_basic", 7, 64);
	run(obj, "obj_many", 1, 64);
	run(obj, "cast_skb", 5, 64);
	run(obj, "cast_xdp", 3, 64);
	bpf_object__close(obj);
	return finish();
}
