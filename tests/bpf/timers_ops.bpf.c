/* Timer operations driven from user space, one program per (operation, map), and
 * callbacks whose behaviour is chosen per element through the `ctl` map.  Results go to
 * `res` (a map without timers, so they survive element updates and deletes).
 * Slot of an element = map id * 256 + key.  See tests/diff/timers_driver.h. */
#include <linux/bpf.h>
#include <time.h>
#include <errno.h>
#include <stdbool.h>
#include <bpf/bpf_helpers.h>

#ifndef BPF_F_TIMER_ABS
#define BPF_F_TIMER_ABS (1ULL << 0)
#endif

struct elem {
	struct bpf_timer t;
	__u32 slot;
	__u32 pad;
	__u64 data;
};

struct args {
	__u32 key;
	__u32 cb; /* 0: cb_main, 1: cb_other */
	__u64 flags;
	__u64 nsecs;
	__u64 fill; /* pattern written over the whole value by update ops */
};

enum action {
	ACT_NONE,
	ACT_REARM,        /* re-arm while fired < arg (nsecs, flags) */
	ACT_CANCEL_SELF,  /* bpf_timer_cancel(own) -> cb_result; re-arm once */
	ACT_DELETE_SELF,  /* delete own element -> cb_result */
	ACT_UPDATE_SELF,  /* update own element -> cb_result */
	ACT_SET_OTHER_CB, /* set_callback(cb_other) + start(nsecs) -> cb_result */
	ACT_CANCEL_OTHER, /* cancel the timer of key arg -> cb_result */
	ACT_SPIN,         /* busy for nsecs, then done = 1 */
	ACT_PRINT,        /* bpf_printk */
	ACT_MUTUAL,       /* started = 1, wait for slot arg to start, cancel key arg2 */
	ACT_INIT_OTHER,   /* init+set_callback+start the timer of key arg -> cb_result */
};

struct ctl {
	__u32 action;
	__u32 arg;
	__u32 arg2;
	__u32 pad;
	__u64 nsecs;
	__u64 flags;
};

struct res {
	__u64 fired;
	__u64 other;     /* runs of cb_other */
	__u64 fired_at;  /* ktime of the last run */
	__u64 start_at;  /* ktime of the last op_start */
	__u32 cpu;       /* CPU of the last run */
	__u32 start_cpu; /* CPU of the last op_start */
	__u32 key_ok;
	__u32 value_ok;
	__s64 cb_result;
	__s64 cb_result2;
	__u32 done;
	__u32 started;
	__u64 order; /* value of the global run counter at the last run */
};

#define SLOTS 1024

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct args);
} args SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, SLOTS);
	__type(key, __u32);
	__type(value, struct ctl);
} ctl SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, SLOTS);
	__type(key, __u32);
	__type(value, struct res);
} res SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 16);
	__type(key, __u32);
	__type(value, struct elem);
} arr SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16);
	__type(key, __u32);
	__type(value, struct elem);
} hash SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, __u32);
	__type(value, struct elem);
} hashnp SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16);
	__type(key, __u32);
	__type(value, struct elem);
} lru SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} runs SEC(".maps");

static __always_inline struct args *get_args(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&args, &zero);
}

static __always_inline struct res *res_of(__u32 slot)
{
	return bpf_map_lookup_elem(&res, &slot);
}

struct spin_ctx {
	__u64 until;
	__u32 watch; /* slot whose `started` ends the wait, or SLOTS for none */
};

static long spin_step(__u32 i, struct spin_ctx *c)
{
	if (bpf_ktime_get_ns() >= c->until)
		return 1;
	if (c->watch < SLOTS) {
		struct res *w = res_of(c->watch);

		if (w && *(volatile __u32 *)&w->started)
			return 1;
	}
	return 0;
}

static __always_inline void spin(__u64 ns, __u32 watch)
{
	struct spin_ctx c = { .until = bpf_ktime_get_ns() + ns, .watch = watch };

	bpf_loop(1 << 23, spin_step, &c, 0);
}

/* The callbacks' common body; `m` is the map (a constant after inlining). */
static __always_inline int on_timer(void *m, __u32 *key, struct elem *val, int which, void *cb2)
{
	__u32 slot = val->slot, k = *key;
	struct res *r = res_of(slot);
	struct ctl *c = bpf_map_lookup_elem(&ctl, &slot);
	struct elem *other;

	if (!r || !c)
		return 0;
	if (which)
		r->other++;
	else
		r->fired++;
	r->fired_at = bpf_ktime_get_ns();
	r->cpu = bpf_get_smp_processor_id();
	r->key_ok = k == (slot & 255);
	r->value_ok = bpf_map_lookup_elem(m, &k) == (void *)val;
	__u32 zero = 0;
	__u64 *n = bpf_map_lookup_elem(&runs, &zero);

	if (n)
		r->order = ++*n;
	if (which && c->action != ACT_REARM)
		return 0; /* cb_other only records (and re-arms) */

	switch (c->action) {
	case ACT_REARM:
		if (r->fired + r->other < c->arg)
			r->cb_result = bpf_timer_start(&val->t, c->nsecs, c->flags);
		break;
	case ACT_CANCEL_SELF:
		r->cb_result = bpf_timer_cancel(&val->t);
		if (r->fired < 2)
			r->cb_result2 = bpf_timer_start(&val->t, c->nsecs, 0);
		break;
	case ACT_DELETE_SELF:
		r->cb_result = bpf_map_delete_elem(m, &k);
		r->cb_result2 = bpf_timer_start(&val->t, c->nsecs, 0);
		break;
	case ACT_UPDATE_SELF: {
		struct elem fresh = { .slot = slot };

		r->cb_result = bpf_map_update_elem(m, &k, &fresh, BPF_ANY);
		r->cb_result2 = bpf_timer_start(&val->t, c->nsecs, 0);
		break;
	}
	case ACT_SET_OTHER_CB:
		r->cb_result = bpf_timer_set_callback(&val->t, cb2);
		r->cb_result2 = bpf_timer_start(&val->t, c->nsecs, 0);
		break;
	case ACT_CANCEL_OTHER:
		k = c->arg;
		other = bpf_map_lookup_elem(m, &k);
		r->cb_result = other ? bpf_timer_cancel(&other->t) : -ENOENT;
		break;
	case ACT_SPIN:
		spin(c->nsecs, SLOTS);
		r->done = 1;
		break;
	case ACT_PRINT:
		bpf_printk("timer slot %u fired", slot);
		break;
	case ACT_MUTUAL:
		*(volatile __u32 *)&r->started = 1;
		spin(c->nsecs, c->arg);
		k = c->arg2;
		other = bpf_map_lookup_elem(m, &k);
		r->cb_result = other ? bpf_timer_cancel(&other->t) : -ENOENT;
		r->done = 1;
		break;
	case ACT_INIT_OTHER:
		k = c->arg;
		other = bpf_map_lookup_elem(m, &k);
		if (!other) {
			r->cb_result = -ENOENT;
			break;
		}
		other->slot = (slot & ~255u) | k;
		r->cb_result = bpf_timer_init(&other->t, m, CLOCK_MONOTONIC);
		r->cb_result2 = bpf_timer_set_callback(&other->t, cb2);
		r->cb_result2 |= bpf_timer_start(&other->t, c->nsecs, 0);
		break;
	}
	return 0;
}

static __always_inline struct elem *elem_of(void *m, __u32 mid, __u32 key, bool create)
{
	struct elem *e = bpf_map_lookup_elem(m, &key);

	if (!e && create) {
		struct elem fresh = {};

		bpf_map_update_elem(m, &key, &fresh, BPF_NOEXIST);
		e = bpf_map_lookup_elem(m, &key);
	}
	if (e && create)
		e->slot = mid * 256 + key;
	return e;
}

#define NO_ELEM (-1000)

static __always_inline void note_start(__u32 slot)
{
	struct res *r = res_of(slot);

	if (r) {
		r->start_cpu = bpf_get_smp_processor_id();
		r->start_at = bpf_ktime_get_ns();
	}
}

/* One set of callbacks and operation programs per map. */
#define TIMER_OPS(NAME, MID)                                                              \
	static int cb_other_##NAME(void *m, __u32 *key, struct elem *val)                 \
	{                                                                                 \
		return on_timer(&NAME, key, val, 1, cb_other_##NAME);                     \
	}                                                                                 \
	static int cb_main_##NAME(void *m, __u32 *key, struct elem *val)                  \
	{                                                                                 \
		return on_timer(&NAME, key, val, 0, cb_other_##NAME);                     \
	}                                                                                 \
	SEC("tc") int init_##NAME(void *ctx)                                              \
	{                                                                                 \
		struct args *a = get_args();                                              \
		struct elem *e = a ? elem_of(&NAME, MID, a->key, true) : 0;               \
                                                                                          \
		return a && e ? bpf_timer_init(&e->t, &NAME, a->flags) : NO_ELEM;         \
	}                                                                                 \
	SEC("tc") int setcb_##NAME(void *ctx)                                             \
	{                                                                                 \
		struct args *a = get_args();                                              \
		struct elem *e = a ? elem_of(&NAME, MID, a->key, false) : 0;              \
                                                                                          \
		if (!a || !e)                                                             \
			return NO_ELEM;                                                   \
		if (a->cb)                                                                \
			return bpf_timer_set_callback(&e->t, cb_other_##NAME);            \
		return bpf_timer_set_callback(&e->t, cb_main_##NAME);                     \
	}                                                                                 \
	SEC("tc") int start_##NAME(void *ctx)                                             \
	{                                                                                 \
		struct args *a = get_args();                                              \
		struct elem *e = a ? elem_of(&NAME, MID, a->key, false) : 0;              \
                                                                                          \
		if (!a || !e)                                                             \
			return NO_ELEM;                                                   \
		note_start(MID * 256 + a->key);                                           \
		return bpf_timer_start(&e->t, a->nsecs, a->flags);                        \
	}                                                                                 \
	SEC("tc") int cancel_##NAME(void *ctx)                                            \
	{                                                                                 \
		struct args *a = get_args();                                              \
		struct elem *e = a ? elem_of(&NAME, MID, a->key, false) : 0;              \
                                                                                          \
		return a && e ? bpf_timer_cancel(&e->t) : NO_ELEM;                        \
	}                                                                                 \
	SEC("tc") int update_##NAME(void *ctx)                                            \
	{                                                                                 \
		struct args *a = get_args();                                              \
		struct elem v;                                                            \
                                                                                          \
		if (!a)                                                                   \
			return NO_ELEM;                                                   \
		__builtin_memset(&v, 0, sizeof(v));                                       \
		v.slot = MID * 256 + a->key;                                              \
		v.data = a->fill;                                                         \
		return bpf_map_update_elem(&NAME, &a->key, &v, a->flags);                 \
	}                                                                                 \
	SEC("tc") int delete_##NAME(void *ctx)                                            \
	{                                                                                 \
		struct args *a = get_args();                                              \
                                                                                          \
		return a ? bpf_map_delete_elem(&NAME, &a->key) : NO_ELEM;                 \
	}                                                                                 \
	SEC("tc") int arm_##NAME(void *ctx)                                               \
	{                                                                                 \
		/* init (EBUSY tolerated) + set_callback + start: 0 or the first error */ \
		struct args *a = get_args();                                              \
		struct elem *e = a ? elem_of(&NAME, MID, a->key, true) : 0;               \
		long err;                                                                 \
                                                                                          \
		if (!a || !e)                                                             \
			return NO_ELEM;                                                   \
		err = bpf_timer_init(&e->t, &NAME, CLOCK_MONOTONIC);                      \
		if (err && err != -EBUSY)                                                 \
			return err;                                                       \
		err = bpf_timer_set_callback(&e->t, cb_main_##NAME);                      \
		if (err)                                                                  \
			return err;                                                       \
		note_start(MID * 256 + a->key);                                           \
		return bpf_timer_start(&e->t, a->nsecs, a->flags);                        \
	}

TIMER_OPS(arr, 0)
TIMER_OPS(hash, 1)
TIMER_OPS(hashnp, 2)
TIMER_OPS(lru, 3)

char _license[] SEC("license") = "GPL";
