/* bpfrun_timer_walk(): every armed timer and running callback, engine by engine, in
 * firing order (see include/bpfrun.h).  Neither the kernel nor any peer lists armed BPF
 * timers; the runtime has them all in its queues.
 *
 * Locking: each engine's lock in turn (queue.h) while copying its timers into a snapshot
 * (map, key, program and callback stay valid while the timer is queued or running: they
 * are freed only after cancel-and-free has dequeued it under this lock).  The caller's
 * function runs with no lock held.
 */
#include <bpf/btf.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bpfrun.h"
#include "clock.h"
#include "queue.h"
#include "../btf/btf.h"
#include "../maps/map.h"
#include "../obj/prog.h"

struct snap {
	struct bpfrun_timer_info info;
	u64 seq; /* firing order among equal expiries */
};

/* The name of the function starting at instruction `start`, from the program's BTF. */
static void callback_name(const struct bpf_prog *prog, u32 start, char *out, size_t len)
{
	const struct btf *btf = prog->btf ? prog->btf->btf : NULL;

	for (u32 i = 0; btf && i < prog->func_info_cnt; i++) {
		const struct bpf_func_info *fi = (const void *)((const char *)prog->func_info +
								i * prog->func_info_rec_size);
		const struct btf_type *t;

		if (fi->insn_off != start || !(t = btf__type_by_id(btf, fi->type_id)))
			continue;
		snprintf(out, len, "%s", btf__name_by_offset(btf, t->name_off));
		if (*out)
			return;
	}
	snprintf(out, len, "func@%u", start);
}

void timer_info_locked(struct bpfrun_timer_info *i, const struct engine *e,
		       const struct bpfrun_timer *t, u32 state, s64 now)
{
	struct bpf_map *map = t->map;
	u32 index;
	const void *key = map->ops->key_of_value(map, t->value, &index);

	memset(i, 0, sizeof(*i));
	i->state = state;
	i->map_id = map->obj.id;
	snprintf(i->map_name, sizeof(i->map_name), "%s", map->name);
	i->key_size = map->key_size;
	if (key)
		memcpy(i->key, key, MIN(map->key_size, (u32)BPFRUN_TIMER_KEY_MAX));
	if (t->prog) {
		i->prog_id = t->prog->obj.id;
		snprintf(i->prog_name, sizeof(i->prog_name), "%s", t->prog->name);
		callback_name(t->prog, t->start, i->callback, sizeof(i->callback));
	}
	i->clockid = t->user_clockid;
	i->flags = __atomic_load_n(&t->start_flags, __ATOMIC_RELAXED);
	i->cpu = e->cpu;
	i->expires_ns = (u64)(t->expires + clock_offset_from_mono(t->user_clockid));
	i->remaining_ns = t->expires - now;
}

static void snap_timer(struct snap *s, struct engine *e, struct bpfrun_timer *t, u32 state, s64 now)
{
	timer_info_locked(&s->info, e, t, state, now);
	s->seq = t->seq;
}

/* The timers of e, copied into *out (malloc'ed); their number, or -1 (ENOMEM). */
static int snap_engine(struct engine *e, struct snap **out)
{
	s64 now = (s64)clock_now(CLOCK_MONOTONIC);
	struct snap *s;
	u32 n = 0;

	pthread_mutex_lock(&e->lock);
	s = malloc((e->q.nr + 1) * sizeof(*s));
	if (!s) {
		pthread_mutex_unlock(&e->lock);
		return -1;
	}
	if (e->running)
		snap_timer(&s[n++], e, e->running, BPFRUN_TIMER_RUNNING, now);
	for (u32 k = 0; k < e->q.nr; k++) {
		struct bpfrun_timer *t = e->q.a[k];

		if (t->dropped) /* cancelled: leaves the queue at its batch's end */
			continue;
		snap_timer(&s[n++], e, t,
			   timer_hold_until(t) > now ? BPFRUN_TIMER_HELD : BPFRUN_TIMER_ARMED, now);
	}
	pthread_mutex_unlock(&e->lock);
	*out = s;
	return (int)n;
}

/* Running first, then by expiry and arming order: the order they fire in. */
static int snap_cmp(const void *a, const void *b)
{
	const struct snap *x = a, *y = b;
	bool xr = x->info.state == BPFRUN_TIMER_RUNNING, yr = y->info.state == BPFRUN_TIMER_RUNNING;

	if (xr != yr)
		return xr ? -1 : 1;
	if (x->info.remaining_ns != y->info.remaining_ns)
		return x->info.remaining_ns < y->info.remaining_ns ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

int bpfrun_timer_walk(bpfrun_timer_walk_fn fn, void *arg)
{
	int ret = 0;

	engine_at(0);
	for (u32 c = 0; c < nr_engines && !ret; c++) {
		struct snap *s;
		int n = snap_engine(&engines[c], &s);

		if (n < 0) {
			errno = ENOMEM;
			return -1;
		}
		qsort(s, (size_t)n, sizeof(*s), snap_cmp);
		for (int k = 0; k < n && !ret; k++)
			ret = fn(&s[k].info, arg);
		free(s);
	}
	return ret;
}
