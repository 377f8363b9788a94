/* On the virtual clock: a self-re-arming timer living in a deleted hash element fires
 * until the map loses its last user reference, then never again. */
#include "bpfrun.h"
#include "difftest.h"

int main(void)
{
	struct bpfrun_timer_stats s0, s1, s2;
	unsigned retval;

	CHECK(bpfrun_clock_set_virtual() == 0, "virtual clock");
	struct bpf_object *obj = load_obj("timers_deleted_elem");
	CHECK(run_prog(prog_fd(obj, "arm_in_deleted"), NULL, 0, &retval) == 0 && retval == 0,
	      "armed: retval %u", retval);
	bpfrun_timer_stats(&s0);
	bpfrun_clock_advance(10 * 1000000ull);
	bpfrun_timer_stats(&s1);
	CHECK(s1.fired - s0.fired == 10, "fires every 1 ms: %llu",
	      (unsigned long long)(s1.fired - s0.fired));
	bpf_object__close(obj);
	bpfrun_clock_advance(10 * 1000000ull);
	bpfrun_timer_stats(&s2);
	CHECK(s2.fired == s1.fired && s2.pending == 0,
	      "freed with the map: fired %llu more, pending %llu",
	      (unsigned long long)(s2.fired - s1.fired), (unsigned long long)s2.pending);
	return finish();
}
