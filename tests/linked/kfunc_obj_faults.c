/* Allocated objects are safe whatever a program does with them (tests/bpf/
 * kfunc_obj_faults.bpf.c, programs the kernel's verifier refuses): a run that ends owning
 * an object, reads one after dropping it, drops one twice, reads a runtime-owned spin
 * lock or past an object's end, or drops what no bpf_obj_new returned, faults (EFAULT);
 * a run that allocates without bound meets the cap (OBJHEAP_ARENA, 64 MiB) and gets
 * NULL; the memory of all of them is usable again afterwards.  Lists: pushing without
 * the lock, reading a list node's bytes, pushing an object twice fault; what a list
 * holds is freed with its map.  Trees: a less callback that releases the lock faults. */
#include <errno.h>

#include "difftest.h"

static int run(struct bpf_object *obj, const char *name, uint32_t *ret)
{
	unsigned char pkt[64] = { 0 };

	return run_prog(prog_fd(obj, name), pkt, sizeof(pkt), ret);
}

int main(void)
{
	static const char *const faults[] = {
		"leak",
		"use_after_drop",
		"double_drop",
		"lock_bytes",
		"past_end",
		"drop_stack",
		"list_no_lock",
		"list_node_bytes",
		"list_push_twice",
		"rb_unlock_in_less",
	};
	struct bpf_object *obj = load_obj("kfunc_obj_faults");
	uint32_t ret = 0;

	if (!obj)
		return finish();
	for (unsigned i = 0; i < sizeof(faults) / sizeof(faults[0]); i++) {
		int err = run(obj, faults[i], &ret);
		CHECK(err == -EFAULT, "%s faults: %d", faults[i], err);
	}
	/* a list holding 1000 page-sized objects until its map goes: were they not freed
	 * then, the 20 rounds would need 80 MiB, more than the cap */
	for (int round = 0; round < 20 && obj; round++) {
		CHECK(run(obj, "list_fill", &ret) == 0 && ret == 1000, "list_fill %d: %u", round,
		      ret);
		bpf_object__close(obj);
		obj = load_obj("kfunc_obj_faults");
	}
	for (int round = 0; round < 2 && obj; round++) {
		int err = run(obj, "exhaust", &ret);
		/* 4016-byte objects in 4032-byte slots, 16 in each 64 KiB chunk, but for the
		 * chunks the lists' objects keep (a chunk stays with its first class) */
		CHECK(err == 0 && ret > 14000 && ret <= 16384, "exhaust round %d: %d, %u objects",
		      round, err, ret);
		out("exhaust: %u objects at once", ret);
	}
	CHECK(obj && run(obj, "works", &ret) == 0 && ret == 0, "an object after all that: %u", ret);
	bpf_object__close(obj);
	return finish();
}
