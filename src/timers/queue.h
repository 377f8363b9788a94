/* The per-CPU timer queues and the engine state the engine's pieces share, in the role
 * of the kernel's hrtimer softirq.  Not for the rest of the timers module (engine.h).
 *   queue.c    one engine per CPU id: its queue (a min-heap by (expiry, arming sequence)),
 *              arming, cancelling, and firing one due timer
 *   softirq.c  on the real clock, a thread per engine that sleeps until the earliest
 *              expiry and fires; shutdown
 *   hold.c     timers held until the run that armed them ends, and firing the due
 *              timers of the thread's CPU at that end
 *   virtual.c  on the virtual clock, firing due timers on the advancing thread
 *   stats.c    bpfrun_timer_stats()
 *
 * Locking:
 *   engine->lock protects the heap, every queued or running timer's heap_idx, expires,
 *   seq and cpu fields, engine->running(_x) and the statistics.  It nests inside the timer
 *   lock (timer.c): timer lock -> engine lock.  Never two engine locks at once.
 *   A timer's callback (prog, start) is written under both its timer lock and the lock
 *   of the engine that owns it, so the firing engine reads it under its own lock only.
 *   No lock is held while a callback runs: the engine marks the timer running, takes a
 *   reference on it and on the program, unlocks, runs, relocks.  Cancellers wait on
 *   engine->idle without any lock of theirs held.
 *   A timer changes engine (t->cpu) only under its timer lock while holding the old
 *   engine's lock, and never while its callback runs, so "lock engine t->cpu, then
 *   re-check t->cpu" finds the owner.
 *   advance_lock serializes virtual-clock advances (one thread fires at a time).
 */
#ifndef BPFRUN_TIMER_QUEUE_H
#define BPFRUN_TIMER_QUEUE_H

#include <pthread.h>

#include "engine.h"
#include "../lib/heap.h"

struct exec_ctx;

struct engine {
	pthread_mutex_t lock;
	pthread_cond_t wake;          /* for the thread: new earliest timer, or stop */
	pthread_cond_t idle;          /* for cancellers: a callback finished */
	struct heap q;                /* of struct bpfrun_timer, by fires_before() */
	struct bpfrun_timer *running; /* callback running now (any thread) */
	struct exec_ctx *running_x;   /* ... and the context it runs in */
	u32 cpu;
	u32 kicks; /* atomic: bumped with each signal of wake */
	bool thread_started;
	bool stop;
	pthread_t thread;
	u64 armed, fired, cancelled;
	u32 dropped; /* timers in q marked dropped (engine_drop_deferred) */
};

/* queue.c */
extern struct engine *engines;
extern u32 nr_engines;
/* Engine of CPU id `cpu` (creates the engines on first use). */
struct engine *engine_at(u32 cpu);
/* Locks the engine that owns t (works without t's timer lock held). */
struct engine *lock_owner(struct bpfrun_timer *t);
/* Removes t from e's queue (a dropped timer too). */
void queue_remove(struct engine *e, struct bpfrun_timer *t);
/* Pops the head of e (due) and runs its callback in x.  Called and returns with e->lock
 * held; drops it around the callback. */
void fire_head_locked(struct engine *e, struct exec_ctx *x);

/* The queue's order: expiry, then arming sequence (deterministic ties). */
static inline bool fires_before(const struct bpfrun_timer *a, const struct bpfrun_timer *b)
{
	return a->expires < b->expires || (a->expires == b->expires && a->seq < b->seq);
}

static inline struct bpfrun_timer *queue_head(const struct engine *e)
{
	return e->q.a[0];
}

/* A thread's runs, which hold the timers they arm until they end (hold.c). */
struct hold_run {
	u64 epoch; /* atomic: bumped at each run's end */
	s64 until; /* atomic: when the hold lapses if the run never ends (CLOCK_MONOTONIC) */
	struct hold_run *next_free;
};

/* Until when t is held (0: not held). */
static inline s64 timer_hold_until(const struct bpfrun_timer *t)
{
	const struct hold_run *h = t->hold;

	if (!h || __atomic_load_n(&h->epoch, __ATOMIC_SEQ_CST) != t->hold_epoch)
		return 0;
	return __atomic_load_n(&h->until, __ATOMIC_RELAXED);
}

/* When the head may fire: its expiry, unless a run still holds it. */
static inline s64 head_due(const struct engine *e)
{
	return MAX(queue_head(e)->expires, timer_hold_until(queue_head(e)));
}

/* Tells e's thread that the head changed or it must stop: it may be asleep on e->wake or
 * spinning towards a near expiry with no lock held (softirq.c).  Under e->lock. */
static inline void engine_kick_locked(struct engine *e)
{
	__atomic_add_fetch(&e->kicks, 1, __ATOMIC_RELEASE);
	pthread_cond_signal(&e->wake);
}

/* Spins until `due` (CLOCK_MONOTONIC) or until e is kicked.  Called and returns with
 * e->lock held; drops it meanwhile. */
void spin_locked(struct engine *e, s64 due);

/* walk.c: what the listing shows of t, queued on or running in e (under e->lock). */
struct bpfrun_timer_info;
void timer_info_locked(struct bpfrun_timer_info *i, const struct engine *e,
		       const struct bpfrun_timer *t, u32 state, s64 now);

/* softirq.c: starts e's thread if the real clock needs one.  Under e->lock. */
void start_thread_locked(struct engine *e);

/* hold.c: holds t, which is being queued on e (under e->lock), until this thread's run
 * ends, at the latest HOLD_MAX_NS after the run's latest arming (`now`).  False when out
 * of memory (no hold).  The bound is wall-clock time, so it must exceed what a run may
 * be descheduled on a loaded machine (10 ms did not, under TSan with the CPUs busy: a
 * start+cancel run then saw its callback fire); a run reports its end in every case but
 * a thread's death, so the bound rarely acts. */
#define HOLD_MAX_NS 200000000LL
bool hold_timer(struct bpfrun_timer *t, const struct engine *e, s64 now);

#endif
