/* tests/bpf/procs_timer.bpf.c under names of its own, solo_*: tests/cli/test_runtime.sh
 * checks that no object of that name reaches the kernel, so this one is built apart from
 * tests/bpf/, whose objects other tests load into the kernel (build/tests/procs/). */
#define PROCS(name) solo_##name
#include "procs_timer.bpf.c"
