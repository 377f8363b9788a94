/* BPF timers (bpf_timer_init/set_callback/start/cancel), see ../shared/spec/bpf-timers.md.
 * The 16 bytes of a struct bpf_timer in a map value are owned by this module: programs
 * cannot touch them (the VM refuses loads/stores overlapping map special fields) and map
 * updates never copy them. */
#ifndef BPFRUN_TIMER_H
#define BPFRUN_TIMER_H

#include "../lib/common.h"
#include "../vm/vm.h"

u64 helper_timer_init(struct exec_ctx *x, u64 timer, u64 map, u64 flags, u64 r4, u64 r5);
u64 helper_timer_set_callback(struct exec_ctx *x, u64 timer, u64 fn, u64 r3, u64 r4, u64 r5);
u64 helper_timer_start(struct exec_ctx *x, u64 timer, u64 nsecs, u64 flags, u64 r4, u64 r5);
u64 helper_timer_cancel(struct exec_ctx *x, u64 timer, u64 r2, u64 r3, u64 r4, u64 r5);

/* Called by the interpreter when a fresh run (not a nested callback) ends: timers the
 * run armed may fire from now on (the kernel's softirq waits for the program too). */
extern __thread u32 timers_held_by_thread;
void timer_release_held(void);
static inline void timer_run_end(void)
{
	if (unlikely(timers_held_by_thread))
		timer_release_held();
}

#endif
