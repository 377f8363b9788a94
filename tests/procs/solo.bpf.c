// SPDX-License-Identifier: GPL-2.0
/* procs_timer.bpf.c with names of its own (solo_*) for tests/cli/test_runtime.sh, which
 * checks that none of them reaches the kernel.  Built outside tests/bpf/, whose objects
 * other tests load into the kernel, to build/tests/procs/solo.bpf.o. */
#define PROCS(x) solo_##x
#include "procs_timer.bpf.c"
