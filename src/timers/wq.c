/* bpf_wq (Linux 6.10): the kfuncs bpf_wq_init, bpf_wq_set_callback_impl and bpf_wq_start,
 * and cancel-and-free, with the kernel's semantics (docs/bpf-async.md).  A work item runs
 * its callback (map, key, value) once per start, in process context: here on a worker
 * thread, the kernel's system workqueue, where a sleepable helper may be called.
 *
 * The 16 bytes of a struct bpf_wq in a map value are a struct wq_kern: the pointer to
 * the hidden state (struct bpfrun_wq) and a lock word, as for timers.
 *
 * As a kworker cannot run on the CPU while a program does, a start takes effect when
 * the run that made it ends: it goes on the thread's list of started items, which the
 * run-end hook (and the thread's exit) hands to the worker.  On the virtual clock no
 * worker runs: bpfrun_clock_advance() runs the started items on its thread (virtual.c).
 *
 * Locking:
 *   wq lock (wq_kern.lock, a spinlock): attach and detach of the state; short sections.
 *   queue_lock (a mutex): every state's callback (prog, start), its `queued` mark and
 *   list link, the started lists and the worker's queue; taken inside the wq lock, never
 *   held while a callback runs.  Freeing never waits for a running callback (the
 *   kernel's cancel_work): the callback holds a reference on the state and the program,
 *   and the value stays mapped until its map is freed.
 */
#include <pthread.h>
#include <stdlib.h>

#include "bpfrun.h"
#include "clock.h"
#include "wq.h"
#include "../lib/spinlock.h"
#include "../maps/map.h"
#include "../obj/prog.h"
#include "../vm/vm.h"

struct bpfrun_wq {
	struct bpf_map *map;
	void *value;
	/* Under queue_lock.  prog holds a reference while set. */
	struct bpf_prog *prog;
	u32 start;
	bool queued; /* on a started list or the worker's queue (which holds a reference) */
	struct bpfrun_wq *next;
	int refcnt; /* atomic: attached + queued + running */
};

struct wq_kern {
	struct bpfrun_wq *w;
	u32 lock;
	u32 pad;
};
_Static_assert(sizeof(struct wq_kern) == 16, "bpf_wq layout");

struct wq_list {
	struct bpfrun_wq *head, *tail;
};

static pthread_mutex_t queue_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t queue_wake = PTHREAD_COND_INITIALIZER;
static struct wq_list queue; /* the worker's, under queue_lock */
static pthread_t worker;
static bool worker_started, worker_stop; /* under queue_lock */
static __thread struct wq_list started;  /* this thread's run's starts, under queue_lock */
__thread bool wq_started_here;           /* started is not empty (maybe) */
static pthread_key_t exit_key;

static u64 err_ret(int err)
{
	return (u64)(s64)err;
}

static void wq_put(struct bpfrun_wq *w)
{
	if (__atomic_sub_fetch(&w->refcnt, 1, __ATOMIC_ACQ_REL) == 0)
		free(w);
}

static struct bpfrun_wq *attached(struct wq_kern *k)
{
	return __atomic_load_n(&k->w, __ATOMIC_ACQUIRE);
}

static void list_add(struct wq_list *l, struct bpfrun_wq *w)
{
	w->next = NULL;
	if (l->tail)
		l->tail->next = w;
	else
		l->head = w;
	l->tail = w;
}

static struct bpfrun_wq *list_pop(struct wq_list *l)
{
	struct bpfrun_wq *w = l->head;

	if (w && !(l->head = w->next))
		l->tail = NULL;
	return w;
}

/* ---- the kfuncs ---- */

u64 kfunc_bpf_wq_init(struct exec_ctx *x, u64 wq, u64 map_reg, u64 flags, u64 r4, u64 r5)
{
	struct bpf_map *map = vm_map_arg(x, map_reg);
	struct wq_kern *k = map ? async_field_arg(x, wq, map, FIELD_WQ) : NULL;
	struct bpfrun_wq *w;
	int err = 0;

	if (!k)
		return err_ret(-EFAULT);
	if ((u32)flags)
		return err_ret(-EINVAL);
	spin_lock_word(&k->lock);
	if (attached(k)) {
		err = -EBUSY;
	} else if (!(w = calloc(1, sizeof(*w)))) {
		err = -ENOMEM;
	} else {
		w->map = map;
		w->value = (char *)k - map_field_off(map, FIELD_WQ);
		w->refcnt = 1;
		/* as for timers: either the user reference release sees w, or we see no user
		 * reference and undo */
		(void)__atomic_exchange_n(&k->w, w, __ATOMIC_SEQ_CST);
		if (__atomic_load_n(&map->obj.usercnt, __ATOMIC_SEQ_CST) <= 0) {
			__atomic_store_n(&k->w, NULL, __ATOMIC_RELEASE);
			wq_put(w);
			err = -EPERM;
		}
	}
	spin_unlock_word(&k->lock);
	return err_ret(err);
}

/* Sets the callback (prog NULL: drops it); returns the program to put, or NULL. */
static struct bpf_prog *set_callback(struct bpfrun_wq *w, struct bpf_prog *prog, u32 start)
{
	struct bpf_prog *old;

	pthread_mutex_lock(&queue_lock);
	old = w->prog;
	w->prog = prog;
	w->start = start;
	pthread_mutex_unlock(&queue_lock);
	return old;
}

u64 kfunc_bpf_wq_set_callback_impl(struct exec_ctx *x, u64 wq, u64 fn, u64 flags, u64 aux, u64 r5)
{
	struct wq_kern *k = async_field_arg(x, wq, NULL, FIELD_WQ);
	s64 start = k ? vm_func_arg(x, fn) : -1;
	struct bpf_prog *prog = (struct bpf_prog *)x->prog, *old = NULL;
	struct bpfrun_wq *w;
	int err = 0;

	if (start < 0)
		return err_ret(-EFAULT);
	if ((u32)flags)
		return err_ret(-EINVAL);
	spin_lock_word(&k->lock);
	w = attached(k);
	if (!w) {
		err = -EINVAL;
	} else if (!map_has_user_refs(w->map)) {
		err = -EPERM;
	} else {
		prog_get(prog);
		old = set_callback(w, prog, (u32)start);
	}
	spin_unlock_word(&k->lock);
	if (old)
		prog_put(old);
	return err_ret(err);
}

u64 kfunc_bpf_wq_start(struct exec_ctx *x, u64 wq, u64 flags, u64 r3, u64 r4, u64 r5)
{
	struct wq_kern *k = async_field_arg(x, wq, NULL, FIELD_WQ);
	struct bpfrun_wq *w;
	int err = 0;

	if (!k)
		return err_ret(-EFAULT);
	if ((u32)flags)
		return err_ret(-EINVAL);
	spin_lock_word(&k->lock);
	w = attached(k);
	pthread_mutex_lock(&queue_lock);
	if (!w || !w->prog) {
		err = -EINVAL;
	} else if (!w->queued) { /* a queued item is not queued twice (schedule_work) */
		w->queued = true;
		__atomic_add_fetch(&w->refcnt, 1, __ATOMIC_RELAXED);
		list_add(&started, w);
		if (!wq_started_here)
			pthread_setspecific(exit_key, &started); /* a thread's exit hands over */
		wq_started_here = true;
	}
	pthread_mutex_unlock(&queue_lock);
	spin_unlock_word(&k->lock);
	return err_ret(err);
}

/* ---- freeing ---- */

static void wq_cancel_and_free(void *map, void *field)
{
	struct wq_kern *k = field;
	struct bpfrun_wq *w;
	struct bpf_prog *old;

	if (!__atomic_load_n(&k->w, __ATOMIC_SEQ_CST))
		return;
	spin_lock_word(&k->lock);
	w = attached(k);
	if (w) {
		__atomic_store_n(&k->w, NULL, __ATOMIC_RELEASE);
		/* a queued item stays queued, with no callback: the worker drops it */
		old = set_callback(w, NULL, 0);
	}
	spin_unlock_word(&k->lock);
	if (!w)
		return;
	if (old)
		prog_put(old);
	wq_put(w);
}

__attribute__((constructor)) static void wq_register_field(void)
{
	static const struct field_kind_ops ops = { .destroy = wq_cancel_and_free };

	field_kind_register(FIELD_WQ, &ops);
}

/* ---- running the work ---- */

static __thread bool wq_running_here;

/* Pops the next item with a callback; NULL when the queue is empty.  Under queue_lock:
 * the program is returned with a reference, the item with the queue's. */
static struct bpfrun_wq *next_work_locked(struct bpf_prog **prog, u32 *start)
{
	struct bpfrun_wq *w;

	while ((w = list_pop(&queue))) {
		w->queued = false; /* a start from now on queues it again */
		if ((*prog = w->prog)) {
			prog_get(*prog);
			*start = w->start;
			return w;
		}
		wq_put(w); /* freed while queued */
	}
	return NULL;
}

static void run_work(struct exec_ctx *x, struct bpfrun_wq *w, struct bpf_prog *prog, u32 start)
{
	struct bpf_map *map = w->map;
	u32 index;
	void *key = map->ops->key_of_value(map, w->value, &index);

	vm_reset_run(x);
	vm_grant(x, key, map->key_size, false);
	wq_running_here = true;
	vm_call(x, prog, start, (u64)(uintptr_t)map, (u64)(uintptr_t)key, (u64)(uintptr_t)w->value,
		0, 0);
	wq_running_here = false;
	if (x->fault)
		bpfrun_warn("bpf_wq callback of program %s: %s", prog->name, x->fault_msg);
	vm_reset_run(x);
	prog_put(prog);
	wq_put(w);
}

static void *worker_main(void *arg)
{
	struct exec_ctx *x = exec_ctx_get();
	struct bpf_prog *prog;
	struct bpfrun_wq *w;
	u32 start;

	(void)arg;
	pthread_mutex_lock(&queue_lock);
	while (!worker_stop) {
		if (!(w = next_work_locked(&prog, &start))) {
			pthread_cond_wait(&queue_wake, &queue_lock);
			continue;
		}
		pthread_mutex_unlock(&queue_lock);
		run_work(x, w, prog, start);
		pthread_mutex_lock(&queue_lock);
	}
	pthread_mutex_unlock(&queue_lock);
	return NULL;
}

/* The run on this thread ended: its starts go to the worker.  Under queue_lock. */
static void hand_over_locked(void)
{
	struct bpfrun_wq *w;

	while ((w = list_pop(&started)))
		list_add(&queue, w);
	if (clock_is_virtual() || worker_stop)
		return; /* bpfrun_clock_advance runs them; or nothing runs any more */
	if (!worker_started) {
		worker_started = !pthread_create(&worker, NULL, worker_main, NULL);
		if (!worker_started)
			bpfrun_warn("cannot start the bpf_wq worker thread");
	}
	pthread_cond_signal(&queue_wake);
}

void wq_hand_over(void)
{
	pthread_mutex_lock(&queue_lock);
	hand_over_locked();
	wq_started_here = false;
	pthread_mutex_unlock(&queue_lock);
}

bool wq_run_one(void)
{
	struct bpf_prog *prog;
	struct bpfrun_wq *w;
	u32 start;

	if (wq_running_here)
		return false;
	pthread_mutex_lock(&queue_lock);
	w = next_work_locked(&prog, &start);
	pthread_mutex_unlock(&queue_lock);
	if (w)
		run_work(exec_ctx_get(), w, prog, start);
	return w != NULL;
}

void wq_shutdown(void)
{
	bool started_worker;
	struct bpf_prog *prog;
	struct bpfrun_wq *w;
	u32 start;

	pthread_mutex_lock(&queue_lock);
	worker_stop = true;
	started_worker = worker_started;
	worker_started = false;
	while ((w = next_work_locked(&prog, &start))) {
		prog_put(prog);
		wq_put(w);
	}
	pthread_cond_signal(&queue_wake);
	pthread_mutex_unlock(&queue_lock);
	if (started_worker && !pthread_equal(worker, pthread_self()))
		pthread_join(worker, NULL);
}

/* A thread that exits in the middle of a run hands its starts over too. */
static void hand_over_at_exit(void *unused)
{
	(void)unused;
	wq_hand_over();
}

__attribute__((constructor)) static void wq_register_exit(void)
{
	pthread_key_create(&exit_key, hand_over_at_exit);
}
