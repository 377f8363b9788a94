/* bpf_wq on the virtual clock: no worker thread runs; a work item started by a run runs
 * on the thread that advances the clock, at the next bpfrun_clock_advance(), once per
 * start however often it was started before. */
#include "bpfrun.h"
#include "difftest.h"

struct elem {
	__u64 w[2];
	__u64 ran;
	__u32 key, value_ok;
	__u64 stamp;
};

static struct bpf_object *obj;

static int step(const char *prog)
{
	__u32 ret = 0;
	int err = run_prog(prog_fd(obj, prog), NULL, 0, &ret);

	return err ? err : (int)ret;
}

static __u64 ran(void)
{
	struct elem e = { 0 };
	__u32 k = 0;

	bpf_map_lookup_elem(map_fd(obj, "wq_arr"), &k, &e);
	return e.ran;
}

int main(void)
{
	if (bpfrun_clock_set_virtual()) {
		out("cannot select the virtual clock");
		return 1;
	}
	obj = load_obj("timers_wq");
	CHECK(step("arr_init") == 0 && step("arr_setcb") == 0, "init, set_callback");
	CHECK(step("arr_start") == 0 && step("arr_start") == 0, "start twice");
	CHECK(ran() == 0, "nothing runs before the clock is advanced");
	CHECK(bpfrun_clock_advance(0) == 0, "advance");
	CHECK(ran() == 1, "one run for the two starts: %llu", (unsigned long long)ran());
	CHECK(bpfrun_clock_advance(1000) == 0 && ran() == 1, "nothing more");
	CHECK(step("arr_start") == 0 && bpfrun_clock_advance(0) == 0 && ran() == 2, "again");
	bpf_object__close(obj);
	bpfrun_shutdown();
	return finish();
}
