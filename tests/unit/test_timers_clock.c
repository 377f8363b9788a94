/* The clock API without programs: the real clock refuses advances; the virtual clock
 * starts at a fixed instant, keeps fixed offsets between its clocks, moves only forward
 * and only when told; statistics and shutdown with nothing armed. */
#include <errno.h>
#include <stdlib.h>
#include <time.h>

#include "bpfrun.h"
#include "difftest.h"
#include "timers/clock.h"

#define SEC 1000000000ULL

static void real_clock(void)
{
	struct timespec ts;

	CHECK(!bpfrun_clock_is_virtual() && !clock_is_virtual(), "real by default");
	errno = 0;
	CHECK(bpfrun_clock_advance(1) == -1 && errno == EINVAL, "no advance on the real clock");
	errno = 0;
	CHECK(bpfrun_clock_advance_to(1) == -1 && errno == EINVAL, "no advance_to either");
	clock_gettime(CLOCK_MONOTONIC, &ts);
	uint64_t host = (uint64_t)ts.tv_sec * SEC + (uint64_t)ts.tv_nsec,
		 ours = clock_now(CLOCK_MONOTONIC);
	CHECK(ours >= host && ours - host < SEC, "host monotonic time");
}

static void virtual_clock(void)
{
	CHECK(bpfrun_clock_set_virtual() == 0, "select");
	CHECK(bpfrun_clock_is_virtual() && clock_is_virtual(), "virtual");
	uint64_t mono = bpfrun_clock_now(CLOCK_MONOTONIC);
	CHECK(mono == 1000 * SEC, "fixed start: %llu", (unsigned long long)mono);
	CHECK(clock_now(CLOCK_MONOTONIC_COARSE) == mono, "coarse");
	CHECK(clock_now(CLOCK_BOOTTIME) == mono + SEC, "boottime");
	CHECK(clock_now(CLOCK_REALTIME) == mono + 1700000000ULL * SEC, "realtime");
	CHECK(clock_now(CLOCK_TAI) == clock_now(CLOCK_REALTIME) + 37 * SEC, "tai");
	CHECK(bpfrun_clock_advance(5) == 0 && clock_now(CLOCK_MONOTONIC) == mono + 5, "advance");
	CHECK(clock_now(CLOCK_BOOTTIME) == mono + 5 + SEC, "offsets kept");
	CHECK(bpfrun_clock_advance_to(mono) == 0 && clock_now(CLOCK_MONOTONIC) == mono + 5,
	      "not back");
	CHECK(bpfrun_clock_advance_to(mono + 100) == 0 && clock_now(CLOCK_MONOTONIC) == mono + 100,
	      "to");
	CHECK(bpfrun_clock_advance(UINT64_MAX) == 0, "saturates");
	CHECK(clock_now(CLOCK_MONOTONIC) == INT64_MAX - 1, "stops before never");
}

static void stats_and_shutdown(void)
{
	struct bpfrun_timer_stats s = { 1, 1, 1, 1 };

	bpfrun_timer_stats(&s);
	CHECK(!s.armed && !s.fired && !s.cancelled && !s.pending, "nothing armed");
	bpfrun_shutdown();
	bpfrun_shutdown();
	CHECK(1, "shutdown is idempotent");
}

int main(void)
{
	if (!bpfrun_clock_is_virtual()) /* BPFRUN_CLOCK=virtual in the environment */
		real_clock();
	virtual_clock();
	stats_and_shutdown();
	return finish();
}
