/* Linked lists of allocated objects in map values (tests/bpf/kfunc_list.bpf.c): pushes
 * at both ends, pops from both ends (each pop returns the object's key, the packet length
 * it was pushed with, + 1000 when its data survived), two lists kept apart, and a map
 * update and the map's end freeing what its lists hold. */
#include <stdio.h>
#include <string.h>

#include "difftest.h"

static struct bpf_object *obj;

/* Runs name on a len-byte packet with skb->mark = list (the map key) and prints it. */
static void run(const char *name, unsigned list, unsigned len)
{
	unsigned char pkt[128] = { [12] = 0x08 };
	struct __sk_buff ctx = { .mark = list };
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = pkt, .data_size_in = len, .ctx_in = &ctx,
		    .ctx_size_in = sizeof(ctx), .repeat = 1);
	int err = bpf_prog_test_run_opts(prog_fd(obj, name), &o);

	out("%-10s list %u len %3u: run %d ret %d", name, list, len, err, (int)o.retval);
}

int main(void)
{
	obj = load_obj("kfunc_list");
	if (!obj)
		return finish();
	run("pop_front", 0, 64);
	run("push_back", 0, 64);
	run("push_back", 0, 70);
	run("push_front", 0, 80);
	run("push_back", 1, 90);
	run("pop_front", 0, 64);
	run("pop_back", 0, 64);
	run("pop_back", 0, 64);
	run("pop_back", 0, 64);
	run("pop_front", 1, 64);
	run("pop_front", 1, 64);
	run("push_front", 0, 100);
	run("push_front", 0, 110);
	uint32_t k = 0;
	char zero[32] = { 0 };
	out("update of the value: %d", bpf_map_update_elem(map_fd(obj, "lists"), &k, zero, 0));
	run("pop_front", 0, 64);
	run("push_front", 1, 120);
	bpf_object__close(obj); /* the map goes with an object in its list */
	return finish();
}
