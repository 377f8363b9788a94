/* bpf_task_work (Linux 6.18; kernel/bpf/helpers.c): what bpf_task_work_schedule_resume_impl
 * and _signal_impl return (0, -EBUSY while the work is pending or running), when the
 * callback runs (before the bpf() call that ran the program returns, on the calling
 * thread, with the element's key and value), and the work dying with its element (an
 * array update or a hash delete in the same run: the callback never runs). */
#include <errno.h>
#include <string.h>

#include "difftest.h"

struct elem {
	__u64 tw;
	__u64 ran;
	__u32 key, tid_ok;
};

struct globals {
	__u32 arg, tid;
	__s64 ret[2];
	__s64 cb_ret;
	__u64 callbacks;
};

static struct bpf_object *obj;

static int bss_fd(void)
{
	return map_fd(obj, "timers_t.bss");
}

static struct globals globals(void)
{
	struct globals g = { 0 };
	__u32 zero = 0;

	bpf_map_lookup_elem(bss_fd(), &zero, &g);
	return g;
}

/* Runs prog with key `key`; prints what its schedules returned and the callbacks that
 * ran by the time the bpf() call returned. */
static void step(const char *prog, __u32 key)
{
	struct globals g = globals();
	__u32 zero = 0, ret = 0;
	__u64 before = g.callbacks;

	g.arg = key;
	g.ret[0] = g.ret[1] = g.cb_ret = 99;
	bpf_map_update_elem(bss_fd(), &zero, &g, BPF_ANY);
	int err = run_prog(prog_fd(obj, prog), NULL, 0, &ret);
	g = globals();
	out("%s(%u): run %d ret %u, schedules returned %lld %lld, callback's %lld, "
	    "callbacks run by the return %llu",
	    prog, key, err, ret, (long long)g.ret[0], (long long)g.ret[1], (long long)g.cb_ret,
	    (unsigned long long)(g.callbacks - before));
}

static void show(const char *map, __u32 key)
{
	struct elem e = { 0 };
	int err = bpf_map_lookup_elem(map_fd(obj, map), &key, &e) ? -errno : 0;

	out("%s[%u]: lookup %d ran %llu key %u on the calling thread %u, task work bytes seen "
	    "by user space %s",
	    map, key, err, (unsigned long long)e.ran, e.key, e.tid_ok, e.tw ? "set" : "zero");
}

int main(void)
{
	obj = load_obj("timers_task_work");

	step("resume_twice", 1);
	show("tw_arr", 1);
	step("resume_twice", 1); /* again: the work is back on standby */
	show("tw_arr", 1);
	step("signal_once", 1);
	show("tw_arr", 1);
	step("arr_then_update", 2);
	show("tw_arr", 2);
	step("signal_once", 2); /* the overwritten element's work is usable again */
	show("tw_arr", 2);
	step("arr_chain", 3);
	show("tw_arr", 3);
	show("tw_arr", 0);
	step("hash_sched_keep", 7);
	show("tw_hash", 7);
	step("hash_sched_delete", 8);
	show("tw_hash", 8);
	step("lru_sched_keep", 5);
	show("tw_lru", 5);
	bpf_object__close(obj);
	return 0;
}
