/* The runtime's clocks: the host's, or a virtual clock that only moves when told.
 * Reading is lock-free. */
#ifndef BPFRUN_CLOCK_H
#define BPFRUN_CLOCK_H

#include "../lib/common.h"

/* Now on clockid (CLOCK_MONOTONIC, CLOCK_BOOTTIME, CLOCK_REALTIME, CLOCK_TAI,
 * CLOCK_MONOTONIC_COARSE), real or virtual. */
u64 clock_now(int clockid);
bool clock_is_virtual(void);

#endif
