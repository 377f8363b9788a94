/* A timer storm on the virtual clock: a callback re-arming its timer 0 ns ahead is always
 * due at the same virtual instant.  Advancing must do bounded work and say so (-1/ELOOP)
 * instead of running callbacks for ever; the clock stays at the storm's instant. */
#include <errno.h>
#include <time.h>

#include "bpfrun.h"
#include "difftest.h"

#define MS 1000000ULL
#define STORM (1ULL << 20) /* callbacks within 1 ms of virtual time: a storm */

static uint64_t fired(struct bpf_object *obj)
{
	struct {
		uint64_t t[2], fired;
	} v = { 0 };
	uint32_t zero = 0;

	bpf_map_lookup_elem(map_fd(obj, "storm"), &zero, &v);
	return v.fired;
}

int main(void)
{
	if (bpfrun_clock_set_virtual()) {
		out("cannot select the virtual clock");
		return 1;
	}
	struct bpf_object *obj = load_obj("timers_storm");
	uint64_t start = bpfrun_clock_now(CLOCK_MONOTONIC), n;
	uint32_t ret = 1;

	CHECK(run_prog(prog_fd(obj, "arm_storm"), NULL, 0, &ret) == 0 && ret == 0, "arm");
	errno = 0;
	CHECK(bpfrun_clock_advance(MS) == -1 && errno == ELOOP, "a storm stops the advance: %d",
	      errno);
	n = fired(obj);
	CHECK(n > 1000 && n <= STORM, "the callback ran a bounded number of times: %llu",
	      (unsigned long long)n);
	CHECK(bpfrun_clock_now(CLOCK_MONOTONIC) == start, "the clock stays at the storm");
	errno = 0;
	CHECK(bpfrun_clock_advance_to(start + MS) == -1 && errno == ELOOP, "again: %d", errno);
	CHECK(fired(obj) > n && fired(obj) <= 2 * n, "bounded again: %llu",
	      (unsigned long long)fired(obj));

	bpf_object__close(obj); /* frees the map: its timer is cancelled */
	CHECK(bpfrun_clock_advance(MS) == 0, "without the storm the clock moves");
	CHECK(bpfrun_clock_now(CLOCK_MONOTONIC) == start + MS, "to its target");
	return finish();
}
