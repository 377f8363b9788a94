/* The runtime's clocks: the host's, or a virtual clock that only moves when told.
 *
 * The virtual clock is one CLOCK_MONOTONIC counter; the other clocks are fixed offsets
 * from it, so that every reading is deterministic.  No locks: the mode and the counter
 * are atomics.  The counter moves only under the engine's advance lock (virtual.c), and
 * only forward.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bpfrun.h"
#include "clock.h"
#include "engine.h"

#define NSEC_PER_SEC 1000000000LL
/* Virtual instants: monotonic starts at 1000 s; the machine "booted" 1 s before the
 * monotonic clock's zero; wall clock 2023-11-14 22:13:20 UTC; TAI 37 s ahead of UTC. */
#define VIRT_MONO_START (1000 * NSEC_PER_SEC)
#define VIRT_BOOT_OFFSET (1 * NSEC_PER_SEC)
#define VIRT_REAL_OFFSET (1700000000LL * NSEC_PER_SEC)
#define VIRT_TAI_OFFSET (VIRT_REAL_OFFSET + 37 * NSEC_PER_SEC)

static bool virtual_mode;
static u64 virtual_mono = VIRT_MONO_START;

static u64 host_now(int clockid)
{
	struct timespec ts;

	if (clock_gettime(clockid, &ts))
		return 0;
	return (u64)ts.tv_sec * NSEC_PER_SEC + (u64)ts.tv_nsec;
}

static s64 virtual_offset(int clockid)
{
	switch (clockid) {
	case CLOCK_BOOTTIME:
		return VIRT_BOOT_OFFSET;
	case CLOCK_REALTIME:
		return VIRT_REAL_OFFSET;
	case CLOCK_TAI:
		return VIRT_TAI_OFFSET;
	default:
		return 0;
	}
}

bool clock_is_virtual(void)
{
	return __atomic_load_n(&virtual_mode, __ATOMIC_ACQUIRE);
}

u64 clock_now(int clockid)
{
	if (clock_is_virtual())
		return __atomic_load_n(&virtual_mono, __ATOMIC_ACQUIRE) +
		       (u64)virtual_offset(clockid);
	return host_now(clockid);
}

s64 clock_offset_from_mono(int clockid)
{
	if (clockid == CLOCK_MONOTONIC)
		return 0;
	if (clock_is_virtual())
		return virtual_offset(clockid);
	return (s64)(host_now(clockid) - host_now(CLOCK_MONOTONIC));
}

void clock_virtual_move(u64 mono)
{
	if (mono > __atomic_load_n(&virtual_mono, __ATOMIC_RELAXED))
		__atomic_store_n(&virtual_mono, mono, __ATOMIC_RELEASE);
}

int bpfrun_clock_set_virtual(void)
{
	if (clock_is_virtual())
		return 0;
	if (engine_ever_armed()) {
		errno = EBUSY;
		return -1;
	}
	__atomic_store_n(&virtual_mode, true, __ATOMIC_RELEASE);
	return 0;
}

int bpfrun_clock_is_virtual(void)
{
	return clock_is_virtual();
}

uint64_t bpfrun_clock_now(int clockid)
{
	return clock_now(clockid);
}

static int advance_to(u64 target)
{
	if (!clock_is_virtual()) {
		errno = EINVAL;
		return -1;
	}
	int err = engine_advance_to(target);
	if (err) {
		errno = -err;
		return -1;
	}
	return 0;
}

int bpfrun_clock_advance(uint64_t ns)
{
	u64 now = clock_now(CLOCK_MONOTONIC);

	return advance_to(now + ns < now ? UINT64_MAX : now + ns);
}

int bpfrun_clock_advance_to(uint64_t ns)
{
	return advance_to(ns);
}

__attribute__((constructor)) static void clock_from_environment(void)
{
	const char *mode = getenv("BPFRUN_CLOCK");

	if (mode && !strcmp(mode, "virtual"))
		bpfrun_clock_set_virtual();
}
