// SPDX-License-Identifier: GPL-2.0
/* procs_timer.bpf.c with names of its own (solo_*) for tests/cli/test_runtime.sh, which
 * checks that none of them reaches the kernel while other tests load procs_timer there. */
#define PROCS(x) solo_##x
#include "procs_timer.bpf.c"
