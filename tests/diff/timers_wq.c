/* bpf_wq (Linux 6.10; kernel/bpf/helpers.c): the return values of bpf_wq_init,
 * bpf_wq_set_callback_impl and bpf_wq_start in each state, the callback on a worker
 * (with the element's key and value), and the work item freed with its element: an
 * array update or a hash delete resets it. */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "difftest.h"

struct elem {
	__u64 w[2];
	__u64 ran;
	__u32 key, value_ok;
	__u64 stamp;
};

struct globals {
	__u32 arg, pad;
	__u64 cb_total;
};

static struct bpf_object *obj;

static int step(const char *prog, __u32 key)
{
	struct bpf_map *bss = bpf_object__find_map_by_name(obj, "timers_w.bss");
	struct globals g = { 0 };
	__u32 zero = 0, ret = 0;

	bpf_map_lookup_elem(bpf_map__fd(bss), &zero, &g);
	g.arg = key;
	bpf_map_update_elem(bpf_map__fd(bss), &zero, &g, BPF_ANY);
	int err = run_prog(prog_fd(obj, prog), NULL, 0, &ret);
	return err ? err : (int)ret;
}

static struct globals globals(void)
{
	struct globals g = { 0 };
	__u32 zero = 0;

	bpf_map_lookup_elem(map_fd(obj, "timers_w.bss"), &zero, &g);
	return g;
}

static void show(const char *map, __u32 key)
{
	struct elem e = { 0 };
	int err = bpf_map_lookup_elem(map_fd(obj, map), &key, &e) ? -errno : 0;

	out("%s[%u]: lookup %d ran %llu key %u value_ok %u wq bytes seen by user space %s", map,
	    key, err, (unsigned long long)e.ran, e.key, e.value_ok,
	    e.w[0] || e.w[1] ? "set" : "zero");
}

static void settle(void)
{
	usleep(100000); /* the worker runs the callback */
}

int main(void)
{
	obj = load_obj("timers_wq");

	out("start before init: %d", step("arr_start", 0));
	out("set_callback before init: %d", step("arr_setcb", 0));
	out("init flags 1: %d", step("arr_init_flags", 0));
	out("init: %d", step("arr_init", 0));
	out("init again: %d", step("arr_init", 0));
	out("start without a callback: %d", step("arr_start", 0));
	out("set_callback flags 1: %d", step("arr_setcb_flags", 0));
	out("set_callback: %d", step("arr_setcb", 0));
	out("start flags 1: %d", step("arr_start_flags", 0));
	out("start: %d", step("arr_start", 0));
	settle();
	show("wq_arr", 0);
	struct globals g = globals();
	out("callbacks %llu", (unsigned long long)g.cb_total);

	out("start again: %d", step("arr_start", 0));
	settle();
	show("wq_arr", 0);

	/* An update of an array element frees its work item: start fails until init. */
	struct elem fresh = { 0 };
	__u32 k0 = 0;
	out("update from user space: %d",
	    bpf_map_update_elem(map_fd(obj, "wq_arr"), &k0, &fresh, BPF_ANY) ? -errno : 0);
	out("start after the update: %d", step("arr_start", 0));
	out("init after the update: %d", step("arr_init", 0));
	out("set_callback: %d", step("arr_setcb", 0));
	out("start: %d", step("arr_start", 0));
	settle();
	show("wq_arr", 0);

	/* Hash: init + set_callback + start + start again in one run; delete, arm anew. */
	out("hash arm: %d", step("hash_arm", 3));
	settle();
	show("wq_hash", 3);
	out("hash delete: %d", step("hash_delete", 3));
	out("hash arm after delete: %d", step("hash_arm", 3));
	settle();
	show("wq_hash", 3);
	g = globals();
	out("callbacks %llu", (unsigned long long)g.cb_total);
	bpf_object__close(obj);
	return finish();
}
