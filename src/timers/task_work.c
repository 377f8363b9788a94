/* bpf_task_work (Linux 6.18): the kfuncs bpf_task_work_schedule_signal_impl and
 * bpf_task_work_schedule_resume_impl (bound through helpers/task_work.c, which checks the
 * task argument) and cancel-and-free, with the kernel's semantics (docs/bpf-async.md).
 *
 * The kernel adds the work to the task with task_work_add(): its callback (map, key,
 * value) runs in that task's context when it next returns to user space (TWA_RESUME),
 * or interrupts it to get there (TWA_SIGNAL).  The only task a program here can name is
 * the thread that runs it (bpf_get_current_task_btf), and that thread "returns to user
 * space" when the run ends: the run-end hook runs the thread's scheduled works there,
 * before the bpf() call returns, on the same thread, as measured on the kernel (both
 * modes alike: the thread is not asleep).  A work scheduled by a timer callback runs when
 * that callback ends, on its thread.
 *
 * The 8 bytes of a struct bpf_task_work in a map value point to the work's state (struct
 * bpfrun_task_work), allocated by its first schedule, as in the kernel; it goes back to
 * STANDBY after each callback and can be scheduled again.  Freeing the value (element
 * deleted or overwritten, map released) detaches it and marks it FREED: a pending work
 * then never runs, a running one finishes.
 *
 * Locking: tw_lock (a spinlock word, a leaf) covers attaching a state to a value and
 * detaching it, so that a schedule takes its reference before a concurrent free can put
 * the last one.  Otherwise atomics: a state's `state` and `refcnt`; its callback fields
 * are written by the thread that won STANDBY -> PENDING and read by the same thread when
 * it runs the work (the pending list is thread-local).
 */
#include <pthread.h>
#include <stdlib.h>

#include "bpfrun.h"
#include "engine.h"
#include "task_work.h"
#include "../lib/spinlock.h"
#include "../maps/map.h"
#include "../obj/prog.h"
#include "../vm/vm.h"

/* The most callbacks one return runs (each may schedule more): the kernel's task would
 * loop for ever on work that keeps rescheduling itself; here the rest waits for the
 * thread's next run end. */
#define TW_PER_RETURN 4096

enum tw_state { TW_STANDBY, TW_PENDING, TW_RUNNING, TW_FREED };

struct bpfrun_task_work {
	int state;  /* enum tw_state, atomic */
	int refcnt; /* atomic: the value's + while pending or running */
	/* Written by the thread that made it PENDING, read by it (thread-local list). */
	struct bpf_map *map; /* holds a reference while pending or running */
	void *value;
	struct bpf_prog *prog; /* holds a reference while pending or running */
	u32 start;
	struct bpfrun_task_work *next;
};

struct tw_kern {
	struct bpfrun_task_work *w;
};
_Static_assert(sizeof(struct tw_kern) == 8, "bpf_task_work layout");

/* This thread's scheduled works, in scheduling order; and how many are pending in all
 * threads (atomic), so that a run's end looks at no thread-local variable when none is. */
static __thread struct bpfrun_task_work *pending_head, *pending_tail;
static u32 pending_total;
static __thread bool draining;
static u32 tw_lock; /* a spinlock word: attaching and detaching values' states */
static pthread_key_t exit_key;
static pthread_once_t exit_key_once = PTHREAD_ONCE_INIT;

static u64 err_ret(int err)
{
	return (u64)(s64)err;
}

static void tw_put(struct bpfrun_task_work *w)
{
	if (__atomic_sub_fetch(&w->refcnt, 1, __ATOMIC_ACQ_REL) == 0)
		free(w);
}

static bool tw_tryget(struct bpfrun_task_work *w)
{
	int n = __atomic_load_n(&w->refcnt, __ATOMIC_RELAXED);

	while (n > 0)
		if (__atomic_compare_exchange_n(&w->refcnt, &n, n + 1, false, __ATOMIC_ACQUIRE,
						__ATOMIC_RELAXED))
			return true;
	return false;
}

static bool tw_move(struct bpfrun_task_work *w, int from, int to)
{
	return __atomic_compare_exchange_n(&w->state, &from, to, false, __ATOMIC_ACQ_REL,
					   __ATOMIC_ACQUIRE);
}

/* Ends a pending or running work: back to STANDBY (unless freed), then drops what it
 * held.  The fields are cleared first: once on standby, another run may schedule it. */
static void tw_finish(struct bpfrun_task_work *w)
{
	struct bpf_prog *prog = w->prog;
	struct bpf_map *map = w->map;

	w->prog = NULL;
	w->map = NULL;
	tw_move(w, TW_RUNNING, TW_STANDBY);
	prog_put(prog);
	map_put(map);
	tw_put(w);
}

/* The value's state with a reference for the caller, attached on first use: NULL with
 * *err -ENOMEM, or -EBUSY when it is being freed.  Under tw_lock, a state read from the
 * value cannot be freed before the reference is taken (the kernel relies on RCU). */
static struct bpfrun_task_work *acquire(struct tw_kern *k, int *err)
{
	struct bpfrun_task_work *fresh = NULL, *w;
	bool got;

	if (!__atomic_load_n(&k->w, __ATOMIC_ACQUIRE)) {
		fresh = calloc(1, sizeof(*fresh));
		if (!fresh) {
			*err = -ENOMEM;
			return NULL;
		}
		fresh->refcnt = 1; /* the value's */
	}
	spin_lock_word(&tw_lock);
	w = k->w;
	if (!w && fresh) {
		__atomic_store_n(&k->w, fresh, __ATOMIC_RELEASE);
		w = fresh;
		fresh = NULL;
	}
	got = w && tw_tryget(w);
	spin_unlock_word(&tw_lock);
	free(fresh); /* another run attached one first */
	*err = -EBUSY;
	return got ? w : NULL;
}

static void tw_cancel_and_free(void *map, void *field)
{
	struct tw_kern *k = field;
	struct bpfrun_task_work *w;

	(void)map;
	if (!__atomic_load_n(&k->w, __ATOMIC_ACQUIRE))
		return; /* most freed values never had one */
	spin_lock_word(&tw_lock);
	w = __atomic_exchange_n(&k->w, NULL, __ATOMIC_ACQ_REL);
	spin_unlock_word(&tw_lock);
	if (!w)
		return;
	/* A pending work stays on its thread's list, which sees FREED and drops it; a
	 * running one finishes (the kernel does not wait for it either). */
	__atomic_store_n(&w->state, TW_FREED, __ATOMIC_RELEASE);
	tw_put(w);
}

/* Takes the head of this thread's list. */
static struct bpfrun_task_work *pop_pending(void)
{
	struct bpfrun_task_work *w = pending_head;

	pending_head = w->next;
	if (!pending_head)
		pending_tail = NULL;
	__atomic_sub_fetch(&pending_total, 1, __ATOMIC_RELAXED);
	return w;
}

static void drop_pending(void *unused)
{
	(void)unused;
	while (pending_head) {
		struct bpfrun_task_work *w = pop_pending();

		tw_move(w, TW_PENDING, TW_RUNNING); /* never run: as if it had */
		tw_finish(w);
	}
}

static void exit_key_init(void)
{
	pthread_key_create(&exit_key, drop_pending);
}

static void push_pending(struct bpfrun_task_work *w)
{
	if (!pending_head) {
		pthread_once(&exit_key_once, exit_key_init);
		pthread_setspecific(exit_key, &pending_head); /* a thread's exit drops them */
	}
	w->next = NULL;
	__atomic_add_fetch(&pending_total, 1, __ATOMIC_RELAXED);
	if (pending_tail)
		pending_tail->next = w;
	else
		pending_head = w;
	pending_tail = w;
}

u64 task_work_schedule(struct exec_ctx *x, u64 tw, u64 map_reg, u64 fn)
{
	struct bpf_map *map = vm_map_arg(x, map_reg);
	struct tw_kern *k = map ? async_field_arg(x, tw, map, FIELD_TASK_WORK) : NULL;
	s64 start = k ? vm_func_arg(x, fn) : -1;
	struct bpfrun_task_work *w;
	int err;

	if (start < 0)
		return err_ret(-EFAULT);
	if (!map_has_user_refs(map))
		return err_ret(-EBUSY);
	w = acquire(k, &err);
	if (!w)
		return err_ret(err);
	if (!tw_move(w, TW_STANDBY, TW_PENDING)) { /* pending, running, or freed */
		tw_put(w);
		return err_ret(-EBUSY);
	}
	/* The user references may have gone meanwhile: undo as their release would. */
	if (!map_has_user_refs(map)) {
		tw_put(w);
		tw_cancel_and_free(map, k);
		return err_ret(-EBUSY);
	}
	w->map = map;
	map_get(map); /* an inner map is not among the program's maps */
	w->value = (char *)k - map_field_off(map, FIELD_TASK_WORK);
	w->prog = (struct bpf_prog *)x->prog;
	prog_get(w->prog);
	w->start = (u32)start;
	push_pending(w);
	return 0;
}

static void run_work(struct exec_ctx *x, struct bpfrun_task_work *w)
{
	struct bpf_map *map = w->map;
	u32 index;
	void *key = map->ops->key_of_value(map, w->value, &index);

	vm_reset_run(x);
	vm_grant(x, key, map->key_size, false);
	vm_call(x, w->prog, w->start, (u64)(uintptr_t)map, (u64)(uintptr_t)key,
		(u64)(uintptr_t)w->value, 0, 0);
	if (x->fault)
		bpfrun_warn("bpf_task_work callback of program %s: %s", w->prog->name,
			    x->fault_msg);
	vm_reset_run(x);
}

bool task_work_any_pending(void)
{
	return __atomic_load_n(&pending_total, __ATOMIC_RELAXED);
}

void task_work_run_pending(void)
{
	if (draining || !pending_head)
		return;
	draining = true;
	struct exec_ctx *x = exec_ctx_softirq();

	for (u32 n = 0; pending_head && n < TW_PER_RETURN; n++) {
		struct bpfrun_task_work *w = pop_pending();

		if (tw_move(w, TW_PENDING, TW_RUNNING)) /* else freed: never runs */
			run_work(x, w);
		tw_finish(w);
	}
	draining = false;
}

__attribute__((constructor)) static void tw_register_field(void)
{
	static const struct field_kind_ops ops = { .destroy = tw_cancel_and_free };

	field_kind_register(FIELD_TASK_WORK, &ops);
}
