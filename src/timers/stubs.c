/* TEMPORARY stubs so the library links while timers are written. Delete when done. */
#include <time.h>
#include "clock.h"
#include "timer.h"
#include "bpfrun.h"
u64 clock_now(int clockid) { struct timespec ts; clock_gettime(clockid, &ts); return (u64)ts.tv_sec * 1000000000ull + (u64)ts.tv_nsec; }
bool clock_is_virtual(void) { return false; }
u64 helper_timer_init(struct exec_ctx *x, u64 timer, u64 map, u64 flags, u64 r4, u64 r5) { return (u64)-ENOSYS; }
u64 helper_timer_set_callback(struct exec_ctx *x, u64 timer, u64 fn, u64 r3, u64 r4, u64 r5) { return (u64)-ENOSYS; }
u64 helper_timer_start(struct exec_ctx *x, u64 timer, u64 nsecs, u64 flags, u64 r4, u64 r5) { return (u64)-ENOSYS; }
u64 helper_timer_cancel(struct exec_ctx *x, u64 timer, u64 r2, u64 r3, u64 r4, u64 r5) { return (u64)-ENOSYS; }
void timer_cancel_and_free(struct bpf_map *map, void *timer) {}
int bpfrun_clock_set_virtual(void) { return -1; }
int bpfrun_clock_is_virtual(void) { return 0; }
int bpfrun_clock_advance(uint64_t ns) { return -1; }
int bpfrun_clock_advance_to(uint64_t ns) { return -1; }
uint64_t bpfrun_clock_now(int clockid) { return clock_now(clockid); }
void bpfrun_timer_stats(struct bpfrun_timer_stats *out) { (void)out; }
void bpfrun_shutdown(void) {}
