/* A run that arms a timer with a 0 ns delay: the callback fires when the run ends, on the
 * same thread, before BPF_PROG_TEST_RUN returns.  The run's own results must survive it:
 * a fault after the arm is still reported (EFAULT), and every repetition of a repeated run
 * still reads its context.  And a callback that keeps re-arming itself at an absolute time
 * in the past (always due) does not keep the run's end firing it: the run returns. */
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "bpfrun.h"
#include "difftest.h"

static int run(int fd, unsigned repeat, unsigned *retval)
{
	char pkt[64] = { 0 };
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = pkt, .data_size_in = sizeof(pkt),
		    .repeat = repeat);
	int err = bpf_prog_test_run_opts(fd, &opts);

	*retval = opts.retval;
	return err ? -errno : 0;
}

/* The run's end fires due timers for RUN_END_NEAR_NS at most; then the engine thread takes
 * over.  past_cb lasts longer than that window, so the run's thread (main) runs it once at
 * most per run.  Before the mend the run's end kept firing it until the engine thread
 * happened to take the engine's lock (thousands of runs on main, in most runs of this test,
 * more often with the engine thread at normal priority; had it never, no return at all:
 * alarm() turns that into a failure). */
#define PAST_ABS_TRIES 16

static void past_abs_run_returns(struct bpf_object *obj)
{
	struct {
		int stop_rearm, pad;
		__u64 fired_on_main;
	} b;
	int bss = map_fd(obj, "timers_r.bss");
	__u32 zero = 0, retval;

	for (int i = 0; i < PAST_ABS_TRIES; i++) {
		alarm(60);
		CHECK(run(prog_fd(obj, "arm_past_abs"), 1, &retval) == 0 && retval == 0,
		      "the run arming a timer that re-arms in the past returns (try %d)", i);
		alarm(0);
		CHECK(bpf_map_lookup_elem(bss, &zero, &b) == 0, "read the bss");
		b.stop_rearm = 1;
		CHECK(bpf_map_update_elem(bss, &zero, &b, BPF_ANY) == 0, "stop the re-arming");
		usleep(20000); /* past_cb's last run ends */
		CHECK(bpf_map_lookup_elem(bss, &zero, &b) == 0, "read the bss");
		b.stop_rearm = 0;
		CHECK(bpf_map_update_elem(bss, &zero, &b, BPF_ANY) == 0, "allow re-arming");
	}
	CHECK(b.fired_on_main <= PAST_ABS_TRIES,
	      "each run's end stops firing after its window: %llu runs on main in %d tries",
	      (unsigned long long)b.fired_on_main, PAST_ABS_TRIES);
}

int main(void)
{
	/* fault_after_arm reads through NULL: the kernel's verifier refuses it, this test
	 * wants its run-time fault. */
	bpfrun_set_verifier(0);
	setenv("BPFRUN_TIMER_RT", "0", 1); /* see past_abs_run_returns */
	struct bpf_object *obj = load_obj("timers_run_end");
	struct bpfrun_timer_stats before, after;
	unsigned retval;

	bpfrun_timer_stats(&before);
	for (int i = 0; i < 3; i++)
		CHECK(run(prog_fd(obj, "fault_after_arm"), 1, &retval) == -EFAULT,
		      "a fault after arming a timer is reported (run %d)", i);
	CHECK(run(prog_fd(obj, "ctx_after_arm"), 3, &retval) == 0 && retval == 64,
	      "each repetition reads skb->len: retval %u", retval);
	bpfrun_timer_stats(&after);
	CHECK(after.fired > before.fired, "the callbacks did fire (%llu)",
	      (unsigned long long)(after.fired - before.fired));
	past_abs_run_returns(obj);
	bpf_object__close(obj);
	return finish();
}
