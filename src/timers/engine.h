/* Internal interface of the timers module: the hidden timer state and the engine that
 * queues and fires timers (queue.h and its files).  Not for other modules: they use
 * timer.h/clock.h.
 *
 * Locking (see queue.h and timer.c for the details):
 *   timer lock  - the lock word in the 16 bytes of struct bpf_timer (timer.c)
 *   engine lock - one mutex per CPU id (queue.h)
 *   order: timer lock -> engine lock; never two engine locks at once; no lock is held
 *   while a callback runs or while waiting for one.
 */
#ifndef BPFRUN_TIMER_ENGINE_H
#define BPFRUN_TIMER_ENGINE_H

#include "../btf/fields.h"
#include "../lib/common.h"

struct bpf_map;
struct bpf_prog;

#define TIMER_NOT_QUEUED UINT32_MAX
#define TIMER_NEVER INT64_MAX /* expiry of a timer that can never fire */

/* The state bpf_timer_init attaches to a struct bpf_timer. */
struct bpfrun_timer {
	/* Constant after init. */
	struct bpf_map *map;
	void *value; /* the map value holding the timer */

	/* Callback: written under the timer lock AND the lock of engine `cpu`, so it may
	 * be read under either.  prog holds a reference while set.  (Fields are ordered
	 * and sized so that the struct has no holes: a preallocated map of a million
	 * values sets aside 80 MB of them at its creation.) */
	struct bpf_prog *prog;
	u32 start; /* first instruction of the callback function */

	/* Engine state, under the lock of engine `cpu`. */
	u32 cpu;     /* engine owning the timer (atomic: read to find the lock) */
	s64 expires; /* CLOCK_MONOTONIC ns (virtual or real) */
	u64 seq;     /* arming order: breaks expiry ties deterministically */
	/* Not before the end of the run that armed it (hold.c): that run's thread, or
	 * NULL, and the run, which has ended once hold->epoch has moved past it. */
	struct hold_run *hold;
	u64 hold_epoch;
	u32 heap_idx; /* index in that engine's heap, or TIMER_NOT_QUEUED */

	int refcnt;      /* atomic: 1 while attached + 1 per callback running */
	u16 cancelling;  /* atomic: callbacks (one per engine at most) now cancelling it */
	u8 clockid;      /* constant: base clock, CLOCK_MONOTONIC or CLOCK_BOOTTIME */
	u8 user_clockid; /* constant: as bpf_timer_init was given it (for the listing) */
	/* bpf_timer_start's flags, for the listing (atomic: written under the timer lock,
	 * read under the engine lock). */
	u8 start_flags;
	bool dropped;    /* under the engine lock: cancelled, left queued until engine_reap() */
	bool armed_once; /* written under the timer and engine locks: ever queued */
};
_Static_assert(sizeof(struct bpfrun_timer) <= 80, "no holes in struct bpfrun_timer");

/* The struct bpf_timer or bpf_wq (kind) a program passed in R1: it must point exactly at
 * that field of a value of a map the program uses (of `only` when not NULL), as the
 * kernel's verifier checks.  Anything else faults the run (NULL). */
struct exec_ctx;
void *async_field_arg(struct exec_ctx *x, u64 addr, const struct bpf_map *only,
		      enum field_kind kind);

/* Callback of the timer running on this thread, or NULL (thread-local). */
struct bpfrun_timer *timer_running_here(void);

/* Hidden state allocation (pooled so that the states stay reachable for leak checkers
 * while only map memory points at them). */
struct bpfrun_timer *timer_state_alloc(void);
void timer_get(struct bpfrun_timer *t);
void timer_put(struct bpfrun_timer *t);

/* Sets (or, with prog NULL, drops) the callback under the engine lock; the caller holds
 * the timer lock.  Returns the program whose reference the caller now owns and must
 * put after unlocking (the old one), or NULL. */
struct bpf_prog *engine_set_callback(struct bpfrun_timer *t, struct bpf_prog *prog, u32 start);
/* Queues t to fire at `expires` (CLOCK_MONOTONIC ns) on engine `cpu`, or re-arms it.
 * A timer whose callback is running stays on that callback's engine.  `hold`: armed by
 * a program run (not a callback), so it waits for the run's end (timer_run_end); `now`
 * is the monotonic time the caller read.  The caller holds the timer lock.  0 or
 * -ENOMEM. */
int engine_arm(struct bpfrun_timer *t, s64 expires, u32 cpu, bool hold, s64 now);
/* Drops t's callback (*old: the program whose reference the caller now owns, or NULL;
 * with old NULL the callback stays: hrtimer_try_to_cancel) and dequeues t, in one
 * section under the engine lock; the caller holds the timer lock.
 * 1 if t was queued, 0 if not, -EINPROGRESS if its callback is running now (the caller
 * may wait for it with engine_cancel_sync once it has let go of the timer lock). */
int engine_drop(struct bpfrun_timer *t, struct bpf_prog **old);
/* engine_drop(t, old) for a map freeing many timers (field batch): a queued timer stays
 * in its queue, marked dropped (it never fires), until engine_reap(), which removes them
 * all in one pass when they are many.  The caller keeps a reference on t until then. */
int engine_drop_deferred(struct bpfrun_timer *t, struct bpf_prog **old);
/* Removes the dropped timers among ts[n] from their queues. */
void engine_reap(struct bpfrun_timer **ts, u32 n);
/* hrtimer_cancel: removes t from its queue and waits until no callback of t runs on
 * another thread.  Returns 1 if it was queued, else 0.  No lock held by the caller. */
int engine_cancel_sync(struct bpfrun_timer *t);

/* Virtual clock: fires every timer due up to `target` in (expiry, seq) order on the
 * calling thread, moving the clock to each expiry, then to target.  -ELOOP on a storm:
 * more than VIRT_STORM_FIRES callbacks due within VIRT_STORM_WINDOW_NS of virtual time
 * (faster than CPUs could run them); the clock then stays at the storm's instant. */
#define VIRT_STORM_FIRES (1u << 20)
#define VIRT_STORM_WINDOW_NS 1000000LL
int engine_advance_to(u64 target);
/* True once any timer has been armed (the clock can no longer change kind). */
bool engine_ever_armed(void);

/* Clock internals (clock.c). */
void clock_virtual_move(u64 mono);
/* Offset of clockid from CLOCK_MONOTONIC now (clock - monotonic). */
s64 clock_offset_from_mono(int clockid);

#endif
