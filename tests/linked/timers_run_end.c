/* A run that arms a timer with a 0 ns delay: the callback fires when the run ends, on the
 * same thread, before BPF_PROG_TEST_RUN returns.  The run's own results must survive it:
 * a fault after the arm is still reported (EFAULT), and every repetition of a repeated run
 * still reads its context. */
#include <errno.h>
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

int main(void)
{
	/* fault_after_arm reads through NULL: the kernel's verifier refuses it, this test
	 * wants its run-time fault. */
	bpfrun_set_verifier(0);
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
	bpf_object__close(obj);
	return finish();
}
