/* Closing a map frees its armed timers in one batch: they stay in their queue, marked,
 * until the batch ends, then leave it all at once (a rebuilt queue) or, when few in a
 * big queue, one by one.  Both ways, on the virtual clock: none of the closed map's
 * timers fires, and every timer of the map still open fires once, at its own expiry. */
#include "bpfrun.h"
#include "difftest.h"

struct relem {
	__u64 t[2];
	__u64 due, fired, times;
};

static struct bpf_object *arm(__u32 count)
{
	struct bpf_object *obj = bpf_object__open_file(obj_path("timers_reap"), NULL);

	bpf_map__set_max_entries(bpf_object__find_map_by_name(obj, "timers"), count);
	CHECK(!bpf_object__load(obj), "load");
	struct {
		__u32 count, pad;
		__u64 base;
	} bss = { count, 0, 0 };
	__u32 zero = 0;
	CHECK(!bpf_map_update_elem(map_fd(obj, ".bss"), &zero, &bss, BPF_ANY), "count");
	__u32 ret = 1;
	CHECK(!run_prog(prog_fd(obj, "arm_all"), NULL, 0, &ret) && !ret, "arm %u timers", count);
	return obj;
}

static __u64 pending(void)
{
	struct bpfrun_timer_stats s;

	bpfrun_timer_stats(&s);
	return s.pending;
}

/* Closes a map of `dropped` armed timers while `kept` others are armed, then checks
 * that exactly the kept ones fire, each at its expiry. */
static void scenario(__u32 kept, __u32 dropped)
{
	__u64 before = pending();
	struct bpf_object *keep = arm(kept), *drop = arm(dropped);

	CHECK(pending() == before + kept + dropped, "all armed");
	bpf_object__close(drop);
	CHECK(pending() == before + kept, "closing %u dropped them all: %llu pending", dropped,
	      (unsigned long long)(pending() - before));
	CHECK(bpfrun_clock_advance(1000ULL * (kept + dropped + 2)) == 0, "advance");
	CHECK(pending() == before, "all fired");
	int fd = map_fd(keep, "timers");
	__u32 bad = 0;
	for (__u32 k = 0; k < kept; k++) {
		struct relem v = { 0 };

		bpf_map_lookup_elem(fd, &k, &v);
		bad += v.times != 1 || v.fired != v.due;
	}
	CHECK(!bad, "%u of %u kept timers fired wrongly", bad, kept);
	bpf_object__close(keep);
}

int main(void)
{
	if (bpfrun_clock_set_virtual()) {
		out("cannot select the virtual clock");
		return 1;
	}
	scenario(64, 4096); /* many dropped: the queue is rebuilt */
	scenario(4096, 64); /* few dropped in a big queue: removed one by one */
	bpfrun_shutdown();
	return finish();
}
