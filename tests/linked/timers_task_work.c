/* bpf_task_work where bpfrun decides what the kernel leaves to its tasks: a work that a
 * timer callback schedules for its own thread runs when that callback ends (here on the
 * thread advancing the virtual clock); works that keep scheduling each other (on the
 * kernel, a task that never returns to user space) run 4096 per return, so the run
 * returns, and the rest at the thread's next return. */
#include "bpfrun.h"
#include "difftest.h"

struct telem {
	__u64 t[2], tw, ran;
};

static struct bpf_object *obj;

static struct telem elem(__u32 k)
{
	struct telem v = { 0 };

	bpf_map_lookup_elem(map_fd(obj, "tw_timer"), &k, &v);
	return v;
}

static __u64 pings(void)
{
	__u64 n = 0;
	__u32 zero = 0;

	bpf_map_lookup_elem(map_fd(obj, "tw_pings"), &zero, &n);
	return n;
}

int main(void)
{
	__u32 ret = 1;

	if (bpfrun_clock_set_virtual()) {
		out("cannot select the virtual clock");
		return 1;
	}
	obj = load_obj("timers_task_work");
	CHECK(!run_prog(prog_fd(obj, "timer_schedules"), NULL, 0, &ret) && !ret, "arm");
	CHECK(elem(0).ran == 0, "nothing before the timer fires");
	CHECK(bpfrun_clock_advance(1000) == 0, "advance");
	CHECK(elem(0).ran == 1, "the callback's work ran when it ended: %llu",
	      (unsigned long long)elem(0).ran);

	CHECK(!run_prog(prog_fd(obj, "ping_pong"), NULL, 0, &ret) && !ret, "ping-pong returns");
	CHECK(pings() == 4096, "4096 callbacks in one return: %llu", (unsigned long long)pings());
	CHECK(!run_prog(prog_fd(obj, "ping_pong"), NULL, 0, &ret), "the next run");
	CHECK(pings() == 8192, "4096 more at the next return: %llu", (unsigned long long)pings());
	bpf_object__close(obj);
	bpfrun_shutdown();
	return finish();
}
