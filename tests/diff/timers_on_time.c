/* Timers armed for under 50 us (1, 10, 25 us) have fired when a caller who slept 50 us
 * looks, 1000 runs in a row, as the kernel's timer selftest assumes (prog_tests/timer.c
 * sleeps 50 us after arming short timers and checks their callbacks).  Prints how many
 * runs had a timer that had not fired yet: 0 on the kernel, and it must be 0 under bpfrun
 * too.  Sanitizer builds (bpfrun alone, its engine several times slower) are checked for
 * what they are for, memory and races, and may miss the bound in 1 run of 100. */
#include <stdlib.h>
#include <unistd.h>

#include "difftest.h"

#define RUNS 1000
#define SHORT_TIMERS 3

struct elem {
	__u64 timer[2];
	__u64 armed_run, fired_run;
};

/* Timers of this run whose callback has not run yet. */
static unsigned not_fired(int map)
{
	unsigned late = 0;

	for (__u32 k = 0; k < SHORT_TIMERS; k++) {
		struct elem e = { 0 };

		bpf_map_lookup_elem(map, &k, &e);
		late += e.fired_run != e.armed_run;
	}
	return late;
}

int main(void)
{
	struct bpf_object *obj = load_obj("timers_on_time");
	int map = map_fd(obj, "short_timers");
	int prog = prog_fd(obj, "arm_short");
	unsigned late_runs = 0, late_timers = 0, bad_runs = 0;

	for (int i = 0; i < RUNS; i++) {
		unsigned retval = 1, late;

		if (run_prog(prog, NULL, 0, &retval) || retval)
			bad_runs++;
		usleep(50); /* as the selftest: with the default timer slack, 50 to 100 us */
		late = not_fired(map);
		late_runs += late > 0;
		late_timers += late;
	}
	out("runs %d failed %u", RUNS, bad_runs);
	out("runs where a timer armed under 50 us had not fired 50 us later: %u", late_runs);
	const char *san = getenv("BPFRUN_SANITIZE");
	unsigned allowed = san && *san ? RUNS / 100 : 0;
	CHECK(late_runs <= allowed, "%u late runs, %u late timers", late_runs, late_timers);
	return finish();
}
