/* Red-black trees of allocated objects in a map value (tests/bpf/kfunc_rbtree.bpf.c):
 * objects added by key (equal keys keep their order of arrival), the first looked at and
 * removed in order, objects removed from the middle, a map update and the map's end
 * freeing what the tree holds, and a few hundred objects added in increasing and
 * decreasing order. */
#include <stdio.h>
#include <string.h>

#include "difftest.h"

static struct bpf_object *obj;

static int run(const char *name, unsigned key, unsigned len)
{
	unsigned char pkt[128] = { [12] = 0x08 };
	struct __sk_buff ctx = { .mark = key };
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = pkt, .data_size_in = len, .ctx_in = &ctx,
		    .ctx_size_in = sizeof(ctx), .repeat = 1);
	int err = bpf_prog_test_run_opts(prog_fd(obj, name), &o);

	return err ? err : (int)o.retval;
}

static void show(const char *name, unsigned key, unsigned len)
{
	out("%-10s key %u len %3u: %d", name, key, len, run(name, key, len));
}

int main(void)
{
	static const unsigned keys[] = { 5, 3, 8, 3, 1 };

	obj = load_obj("kfunc_rbtree");
	if (!obj)
		return finish();
	show("peek_first", 0, 64);
	show("pop_first", 0, 64);
	for (unsigned i = 0; i < 5; i++)
		show("add", keys[i], 64 + i);
	show("peek_first", 0, 64);
	for (unsigned i = 0; i < 6; i++)
		show("pop_first", 0, 64);
	for (unsigned i = 0; i < 40; i++) /* objects taken out of the middle */
		run(i % 2 ? "add" : "add_remove", (i * 7) % 40, 64 + i % 7);
	for (unsigned i = 0; i < 21; i++)
		show("pop_first", 0, 64);
	for (unsigned i = 0; i < 300; i++) /* increasing, then decreasing keys */
		run("add", i < 150 ? i : 450 - i, 64);
	int sorted = 1, last = -1;
	for (unsigned i = 0; i < 300; i++) {
		int r = run("pop_first", 0, 64);
		sorted &= r / 1000 >= last;
		last = r / 1000;
	}
	out("300 keys popped in order: %d, last key %d", sorted, last);
	show("add", 7, 70);
	uint32_t k = 0;
	char zero[32] = { 0 };
	out("update of the value: %d", bpf_map_update_elem(map_fd(obj, "trees"), &k, zero, 0));
	show("pop_first", 0, 64);
	show("add", 9, 90);
	bpf_object__close(obj); /* the map goes with an object in its tree */
	return finish();
}
