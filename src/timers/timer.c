/* bpf_timer_init/set_callback/start/cancel and timer_cancel_and_free, with the kernel's
 * semantics (see ../shared/spec/bpf-timers.md).
 *
 * The 16 bytes of a struct bpf_timer in a map value are a struct timer_kern: the
 * pointer to the hidden state (struct bpfrun_timer, engine.h) and a lock word.
 *
 * Locking:
 *   timer lock (timer_kern.lock, a spinlock): protects the pointer (attach/detach) and
 *   the callback of the state; held only for short sections that never wait for a
 *   callback.  Taken before an engine lock (timer -> engine), never inside one.
 *   pool_lock: the free list of hidden states; a leaf lock.
 *   Waiting for a running callback (cancel, cancel and free) happens after the timer
 *   lock is released, holding a reference on the state.
 *   The pointer is also read without the lock (cancel and free's fast path), so it is
 *   always accessed atomically.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include "clock.h"
#include "engine.h"
#include "task_work.h"
#include "timer.h"
#include "wq.h"
#include "../lib/spinlock.h"
#include "../maps/map.h"
#include "../obj/prog.h"

#if defined(__SANITIZE_ADDRESS__)
#define POOL_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define POOL_ASAN 1
#endif
#endif
#ifdef POOL_ASAN
#include <sanitizer/asan_interface.h>
#endif

struct timer_kern {
	struct bpfrun_timer *t;
	u32 lock;
	u32 pad;
};
_Static_assert(sizeof(struct timer_kern) == sizeof(struct bpf_timer), "bpf_timer layout");

/* ---- hidden state pool ----
 * States come from 2 MiB chunks, handed out in order from the newest chunk, and go back
 * to a free list: chunks are never freed, so the states of one map's timers serve the
 * next map's, warm.  A preallocated map's creation (timer_pool_reserve) faults in, ahead
 * of time, chunks for as many states as the map has values (as many as the live
 * preallocated maps with timers have, less the states in use): programs then arm its
 * timers without touching fresh memory, as the kernel's programs find the map's elements
 * allocated at creation (fresh memory is half the cost of arming a million timers in one
 * run when it must be faulted in then). */

#define POOL_CHUNK_BYTES (2u << 20)
#define POOL_CHUNK ((POOL_CHUNK_BYTES - 64) / sizeof(struct bpfrun_timer))
/* At most this many chunks faulted in ahead (256 MiB: 2.5 million states). */
#define POOL_SPARE_MAX 128u

struct pool_chunk {
	struct pool_chunk *next;
	struct bpfrun_timer states[POOL_CHUNK];
};

struct free_state {
	struct free_state *next;
};

static u32 pool_lock;                  /* a spinlock word: held for a few instructions */
static struct pool_chunk *pool_chunks; /* handing out states: newest first */
static u32 pool_chunk_used;            /* states handed out from pool_chunks */
static struct pool_chunk *pool_spare;  /* faulted in ahead, no state handed out yet */
static u32 pool_nspare;
static struct free_state *pool_free;
static u64 pool_nfree;
static u64 pool_live;     /* states handed out and not freed */
static s64 pool_reserved; /* values of the live preallocated maps with timers */

static void poison_state(struct bpfrun_timer *t, bool poison)
{
#ifdef POOL_ASAN
	/* Everything but the free-list link: use after free is caught. */
	char *rest = (char *)t + sizeof(struct free_state);
	size_t len = sizeof(*t) - sizeof(struct free_state);

	if (poison)
		ASAN_POISON_MEMORY_REGION(rest, len);
	else
		ASAN_UNPOISON_MEMORY_REGION(rest, len);
#else
	(void)t;
	(void)poison;
#endif
}

/* A new chunk, faulted in now with `populate` (in small pages: see
 * map_reserve_prealloc), else in a huge page as its states are handed out. */
static struct pool_chunk *chunk_new(bool populate)
{
	struct pool_chunk *c = NULL;

	if (posix_memalign((void **)&c, POOL_CHUNK_BYTES, sizeof(*c)))
		return NULL;
	if (populate)
		madvise(c, sizeof(*c), MADV_POPULATE_WRITE);
	else
		madvise(c, POOL_CHUNK_BYTES, MADV_HUGEPAGE);
	return c;
}

static struct bpfrun_timer *pool_take_locked(void)
{
	if (pool_free) {
		struct bpfrun_timer *t = (struct bpfrun_timer *)pool_free;

		pool_free = pool_free->next;
		pool_nfree--;
		poison_state(t, false);
		return t;
	}
	if (!pool_chunks || pool_chunk_used == POOL_CHUNK) {
		struct pool_chunk *c = pool_spare;

		if (c) {
			pool_spare = c->next;
			pool_nspare--;
		} else if (!(c = chunk_new(false))) {
			return NULL;
		}
		c->next = pool_chunks;
		pool_chunks = c;
		pool_chunk_used = 0;
	}
	return &pool_chunks->states[pool_chunk_used++];
}

/* States ready to hand out without a page fault. */
static u64 pool_ready_locked(void)
{
	u64 left = pool_chunks ? POOL_CHUNK - pool_chunk_used : 0;

	return pool_nfree + left + (u64)pool_nspare * POOL_CHUNK;
}

/* Counts the values of a preallocated map created (or freed: negative) and faults in
 * chunks until the live maps' values not yet holding a state are ready (up to
 * POOL_SPARE_MAX chunks ahead).  The faults happen without the lock: timers of other
 * maps keep arming meanwhile. */
static void timer_pool_reserve(s64 values)
{
	spin_lock_word(&pool_lock);
	pool_reserved += values;
	spin_unlock_word(&pool_lock);
	while (values > 0) {
		spin_lock_word(&pool_lock);
		s64 want = pool_reserved - (s64)pool_live;
		bool more = want > (s64)pool_ready_locked() && pool_nspare < POOL_SPARE_MAX;
		spin_unlock_word(&pool_lock);
		struct pool_chunk *c = more ? chunk_new(true) : NULL;

		if (!c)
			return;
		spin_lock_word(&pool_lock);
		c->next = pool_spare;
		pool_spare = c;
		pool_nspare++;
		spin_unlock_word(&pool_lock);
	}
}

struct bpfrun_timer *timer_state_alloc(void)
{
	spin_lock_word(&pool_lock);
	struct bpfrun_timer *t = pool_take_locked();
	pool_live += t != NULL;
	spin_unlock_word(&pool_lock);

	if (t)
		memset(t, 0, sizeof(*t));
	return t;
}

static void timer_state_free(struct bpfrun_timer *t)
{
	struct free_state *f = (struct free_state *)t;

	spin_lock_word(&pool_lock);
	f->next = pool_free;
	pool_free = f;
	pool_nfree++;
	pool_live--;
	poison_state(t, true);
	spin_unlock_word(&pool_lock);
}

void timer_get(struct bpfrun_timer *t)
{
	__atomic_add_fetch(&t->refcnt, 1, __ATOMIC_RELAXED);
}

void timer_put(struct bpfrun_timer *t)
{
	if (__atomic_sub_fetch(&t->refcnt, 1, __ATOMIC_ACQ_REL) == 0)
		timer_state_free(t);
}

/* ---- the timer lock ---- */

/* The holder may be waiting for an engine lock: spin_lock_word yields now and then. */
static void timer_lock(struct timer_kern *tk)
{
	spin_lock_word(&tk->lock);
}

static void timer_unlock(struct timer_kern *tk)
{
	spin_unlock_word(&tk->lock);
}

static struct bpfrun_timer *attached(struct timer_kern *tk)
{
	return __atomic_load_n(&tk->t, __ATOMIC_ACQUIRE);
}

/* ---- helper arguments ---- */

static u64 err_ret(int err)
{
	return (u64)(s64)err;
}

/* addr against map m: 0 when it is not in m's values, 1 when it points at m's field of
 * that kind (and m is `only`, if given), -1 after faulting the run. */
static int field_in_map(struct exec_ctx *x, const struct bpf_map *m, u64 addr,
			const struct bpf_map *only, enum field_kind kind)
{
	const char *type = field_kinds[kind].btf_name;
	u64 value, off;

	if (!map_value_at(m, addr, &value, &off))
		return 0;
	s32 field_off = map_field_off(m, kind);
	if (field_off == FIELD_NONE) {
		vm_fault(x, "map '%s' has no valid %s", m->name, type);
		return -1;
	}
	if (off != (u64)field_off) {
		vm_fault(x, "off %llu doesn't point to 'struct %s' that is at %d",
			 (unsigned long long)off, type, field_off);
		return -1;
	}
	if (only && m != only) {
		vm_fault(x, "%s pointer in R1 map '%s' doesn't match map pointer in R2 map '%s'",
			 type + 4 /* without "bpf_" */, m->name, only->name);
		return -1;
	}
	return 1;
}

void *async_field_arg(struct exec_ctx *x, u64 addr, const struct bpf_map *only,
		      enum field_kind kind)
{
	/* The map argument first: where the field almost always is. */
	int found = only ? field_in_map(x, only, addr, only, kind) : 0;

	for (u32 i = 0, n = vm_nr_maps(x); !found && i < n; i++)
		found = field_in_map(x, vm_map_nth(x, i), addr, only, kind);
	if (!found)
		vm_fault(x, "R1 is not a pointer to a struct %s in a map value",
			 field_kinds[kind].btf_name);
	return found > 0 ? u64_to_ptr(addr) : NULL;
}

static struct timer_kern *timer_arg(struct exec_ctx *x, u64 addr, const struct bpf_map *only)
{
	return async_field_arg(x, addr, only, FIELD_TIMER);
}

/* ---- the helpers ---- */

u64 helper_timer_init(struct exec_ctx *x, u64 timer, u64 map_reg, u64 flags, u64 r4, u64 r5)
{
	struct bpf_map *map = vm_map_arg(x, map_reg);
	struct timer_kern *tk = map ? timer_arg(x, timer, map) : NULL;
	int clockid = (int)(flags & 15);
	struct bpfrun_timer *t;
	int err = 0;

	if (!tk)
		return err_ret(-EFAULT);
	if (flags > 15 ||
	    (clockid != CLOCK_REALTIME && clockid != CLOCK_MONOTONIC && clockid != CLOCK_BOOTTIME))
		return err_ret(-EINVAL);
	timer_lock(tk);
	if (attached(tk)) {
		err = -EBUSY;
		goto out;
	}
	t = timer_state_alloc();
	if (!t) {
		err = -ENOMEM;
		goto out;
	}
	t->map = map;
	t->value = (char *)tk - map_field_off(map, FIELD_TIMER);
	/* hrtimer turns a relative-mode CLOCK_REALTIME timer into a CLOCK_MONOTONIC one
	 * (measured: absolute times of REALTIME timers are monotonic instants). */
	t->clockid = clockid == CLOCK_BOOTTIME ? CLOCK_BOOTTIME : CLOCK_MONOTONIC;
	t->user_clockid = (u8)clockid;
	t->cpu = x->cpu;
	t->heap_idx = TIMER_NOT_QUEUED;
	t->refcnt = 1;
	/* Pairs with the user reference release (a read-modify-write, then cancel and
	 * free's sequentially consistent load of the pointer): either it sees t, or we see
	 * no user reference and undo. */
	(void)__atomic_exchange_n(&tk->t, t, __ATOMIC_SEQ_CST);
	if (__atomic_load_n(&map->obj.usercnt, __ATOMIC_SEQ_CST) <= 0) {
		__atomic_store_n(&tk->t, NULL, __ATOMIC_RELEASE);
		timer_put(t);
		err = -EPERM;
	}
out:
	timer_unlock(tk);
	return err_ret(err);
}

u64 helper_timer_set_callback(struct exec_ctx *x, u64 timer, u64 fn, u64 r3, u64 r4, u64 r5)
{
	struct timer_kern *tk = timer_arg(x, timer, NULL);
	s64 start = tk ? vm_func_arg(x, fn) : -1;
	struct bpf_prog *prog = (struct bpf_prog *)x->prog, *old = NULL;
	struct bpfrun_timer *t;
	int err = 0;

	if (start < 0)
		return err_ret(-EFAULT);
	timer_lock(tk);
	t = attached(tk);
	if (!t) {
		err = -EINVAL;
	} else if (!map_has_user_refs(t->map)) {
		err = -EPERM;
	} else {
		if (t->prog != prog)
			prog_get(prog);
		old = engine_set_callback(t, prog, (u32)start);
	}
	timer_unlock(tk);
	if (old)
		prog_put(old);
	return err_ret(err);
}

/* Expiry on the engine's CLOCK_MONOTONIC base (`now` on it), as hrtimer computes it: a
 * relative time that is negative or overflows never fires; an absolute time in the past
 * fires now. */
static s64 expiry_of(const struct bpfrun_timer *t, u64 nsecs, u64 flags, s64 now)
{
	s64 ns = (s64)nsecs, mono;

	if (flags & BPF_F_TIMER_ABS) {
		if (__builtin_sub_overflow(ns, clock_offset_from_mono(t->clockid), &mono))
			return ns < 0 ? 0 : TIMER_NEVER;
		return mono < 0 ? 0 : mono;
	}
	if (ns < 0 || __builtin_add_overflow(now, ns, &mono))
		return TIMER_NEVER;
	return mono;
}

u64 helper_timer_start(struct exec_ctx *x, u64 timer, u64 nsecs, u64 flags, u64 r4, u64 r5)
{
	struct timer_kern *tk = timer_arg(x, timer, NULL);
	struct bpfrun_timer *t;
	s64 now;
	int err;

	if (!tk)
		return err_ret(-EFAULT);
	if (flags & ~(BPF_F_TIMER_ABS | BPF_F_TIMER_CPU_PIN))
		return err_ret(-EINVAL);
	now = (s64)clock_now(CLOCK_MONOTONIC);
	timer_lock(tk);
	t = attached(tk);
	if (!t || !t->prog)
		err = -EINVAL;
	else {
		__atomic_store_n(&t->start_flags, (u8)flags, __ATOMIC_RELAXED);
		err = engine_arm(t, expiry_of(t, nsecs, flags, now), x->cpu, !x->running_timer,
				 now);
	}
	timer_unlock(tk);
	return err_ret(err);
}

u64 helper_timer_cancel(struct exec_ctx *x, u64 timer, u64 r2, u64 r3, u64 r4, u64 r5)
{
	struct timer_kern *tk = timer_arg(x, timer, NULL);
	struct bpfrun_timer *t, *cur = x->running_timer;
	struct bpf_prog *old = NULL;
	bool counted = false;
	int ret = 0;

	if (!tk)
		return err_ret(-EFAULT);
	timer_lock(tk);
	t = attached(tk);
	if (!t) {
		timer_unlock(tk);
		return err_ret(-EINVAL);
	}
	if (cur == t) {
		ret = -EDEADLK; /* waiting for our own callback would never end */
	} else if (cur) {
		/* Cancelling from a callback: if someone is cancelling us meanwhile, one of
		 * the two must give up or both wait forever. */
		__atomic_add_fetch(&t->cancelling, 1, __ATOMIC_SEQ_CST);
		counted = true;
		if (__atomic_load_n(&cur->cancelling, __ATOMIC_SEQ_CST))
			ret = -EDEADLK;
	}
	if (!ret)
		ret = engine_drop(t, &old);
	bool keep = counted || ret == -EINPROGRESS; /* t is used after the unlock */
	if (keep)
		timer_get(t);
	timer_unlock(tk);

	if (ret == -EINPROGRESS) /* its callback runs on another thread: wait for it */
		ret = engine_cancel_sync(t);
	if (counted)
		__atomic_sub_fetch(&t->cancelling, 1, __ATOMIC_SEQ_CST);
	if (keep)
		timer_put(t);
	if (old)
		prog_put(old);
	return err_ret(ret);
}

/* The bpf_timer_cancel_async kfunc (Linux 7.0): hrtimer_try_to_cancel.  Never waits and
 * keeps the callback: 1 if the timer was pending (now stopped), 0 if not, -1 if its
 * callback is running (here or elsewhere; it stays armed if that callback re-arms it),
 * -EINVAL if not initialized. */
u64 kfunc_bpf_timer_cancel_async(struct exec_ctx *x, u64 timer, u64 r2, u64 r3, u64 r4, u64 r5)
{
	struct timer_kern *tk = timer_arg(x, timer, NULL);
	struct bpfrun_timer *t;
	int ret;

	if (!tk)
		return err_ret(-EFAULT);
	timer_lock(tk);
	t = attached(tk);
	ret = t ? engine_drop(t, NULL) : -EINVAL;
	timer_unlock(tk);
	return err_ret(ret == -EINPROGRESS ? -1 : ret);
}

/* A map freeing many timers at once (field batch, thread-local): the queued ones are
 * only marked dropped as each is freed, and leave their queues together at the batch's
 * end (engine_reap), each holding its reference until then. */
static __thread struct {
	u32 depth, n, cap;
	struct bpfrun_timer **ts;
} reap;

/* Room for one more timer to reap, when in a batch. */
static bool reap_room(void)
{
	if (!reap.depth)
		return false;
	if (reap.n < reap.cap)
		return true;
	u32 cap = reap.cap ? reap.cap * 2 : 256;
	struct bpfrun_timer **ts = realloc(reap.ts, cap * sizeof(*ts));

	if (!ts)
		return false;
	reap.ts = ts;
	reap.cap = cap;
	return true;
}

static void timer_batch(bool begin)
{
	if (begin || --reap.depth) {
		reap.depth += begin;
		return;
	}
	engine_reap(reap.ts, reap.n);
	for (u32 i = 0; i < reap.n; i++)
		timer_put(reap.ts[i]);
	free(reap.ts);
	reap.ts = NULL;
	reap.n = reap.cap = 0;
}

/* Cancels and frees the timer stored at `timer` (inside a value of map): stops it without
 * waiting on oneself, forgets the callback, resets the bytes to uninitialized. */
static void timer_cancel_and_free(void *map, void *timer)
{
	struct timer_kern *tk = timer;
	struct bpfrun_timer *t;
	struct bpf_prog *old;
	bool defer;
	int ret;

	if (!__atomic_load_n(&tk->t, __ATOMIC_SEQ_CST))
		return;
	defer = reap_room();
	timer_lock(tk);
	t = attached(tk);
	if (!t) {
		timer_unlock(tk);
		return;
	}
	ret = defer ? engine_drop_deferred(t, &old) : engine_drop(t, &old);
	__atomic_store_n(&tk->t, NULL, __ATOMIC_RELEASE);
	timer_unlock(tk);
	if (defer && ret == 1) { /* left in its queue: reaped, then put, at the batch's end */
		reap.ts[reap.n++] = t;
		if (old)
			prog_put(old);
		return;
	}

	/* Detached: nothing can arm it again.  A callback of t still running elsewhere
	 * keeps the state alive until it returns; wait for it, except from inside a
	 * callback (its own or another timer's), where waiting could deadlock. */
	if (ret == -EINPROGRESS && !timer_running_here())
		engine_cancel_sync(t);
	if (old)
		prog_put(old);
	timer_put(t);
}

/* The bpf_timer kind of map value fields is ours: maps free a value's timer through
 * this registration without knowing about timers. */
__attribute__((constructor)) static void timer_register_field(void)
{
	static const struct field_kind_ops ops = { .destroy = timer_cancel_and_free,
						   .batch = timer_batch,
						   .reserve = timer_pool_reserve };

	field_kind_register(FIELD_TIMER, &ops);
}

static void timers_run_end(void)
{
	timer_run_end();
	wq_run_end();
	/* a timer callback's thread runs its task works once the callback has ended */
	if (unlikely(task_work_any_pending()) && !timer_running_here())
		task_work_run_pending();
}

/* The timers' work in the vm below: letting the timers a run armed fire when it ends. */
__attribute__((constructor)) static void timers_register_run_end(void)
{
	vm_on_run_end(timers_run_end);
}
