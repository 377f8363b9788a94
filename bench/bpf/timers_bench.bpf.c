/* Timer benchmarks: set_callback+start+cancel loops, the cost of each operation (loops
 * that differ by one operation), firing lateness, many timers firing at one instant.
 * Driven by bench/timers_bench.c. */
#include <linux/bpf.h>
#include <time.h>
#include <errno.h>
#include <bpf/bpf_helpers.h>

#ifndef BPF_F_TIMER_ABS
#define BPF_F_TIMER_ABS (1ULL << 0)
#endif

#define SAMPLES 4096

struct belem {
	struct bpf_timer t;
	__u64 expected; /* lateness: when the callback is due */
	__u64 nsecs;    /* lateness: period */
	__u32 left;     /* lateness: samples still to take */
	__u32 pad;
};

struct bargs {
	__u32 count;
	__u32 first;
	__u64 nsecs;
	__u64 ok;
	__u64 failed;
};

struct bstats {
	__u64 fired;
	__u64 last;
	__u64 nsamples;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct bargs);
} bargs SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct bstats);
} bstats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, SAMPLES);
	__type(key, __u32);
	__type(value, __u64);
} samples SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct belem);
} one SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024); /* resized before load */
	__type(key, __u32);
	__type(value, struct belem);
} burst SEC(".maps");

static __always_inline struct bstats *stats(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&bstats, &zero);
}

static __always_inline struct bargs *args(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&bargs, &zero);
}

static __always_inline struct belem *one_elem(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&one, &zero);
}

static int nop_cb(void *map, __u32 *key, struct belem *v)
{
	return 0;
}

/* ---- set_callback + start + cancel pairs on one timer ---- */

struct pair_ctx {
	struct belem *e;
};

static long pair(__u32 i, struct pair_ctx *c)
{
	struct belem *e = c->e;

	bpf_timer_set_callback(&e->t, nop_cb);
	bpf_timer_start(&e->t, 1000000000, 0);
	bpf_timer_cancel(&e->t);
	return 0;
}

SEC("tc")
int pairs(void *ctx)
{
	struct bargs *a = args();
	struct belem *e = one_elem();

	if (!a || !e)
		return 1;
	struct pair_ctx c = { e };

	bpf_timer_init(&e->t, &one, CLOCK_MONOTONIC);
	bpf_loop(a->count, pair, &c, 0);
	return 0;
}

/* ---- one operation at a time: programs that differ by one call, so that user space
 * subtracts their times ---- */

#define OPS_TIMERS 64

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, OPS_TIMERS);
	__type(key, __u32);
	__type(value, struct belem);
} fresh SEC(".maps");

static long lookup_fresh(__u32 i, void *unused)
{
	return bpf_map_lookup_elem(&fresh, &i) ? 0 : 1;
}

static long init_fresh(__u32 i, void *unused)
{
	struct belem *e = bpf_map_lookup_elem(&fresh, &i);

	if (!e)
		return 1;
	bpf_timer_init(&e->t, &fresh, CLOCK_MONOTONIC);
	return 0;
}

/* Baseline of op_init: the same loop and lookups, no init. */
SEC("tc")
int op_lookup(void *ctx)
{
	bpf_loop(OPS_TIMERS, lookup_fresh, NULL, 0);
	return 0;
}

/* Initializes the OPS_TIMERS timers of `fresh` (user space frees them between runs by
 * updating the elements). */
SEC("tc")
int op_init(void *ctx)
{
	bpf_loop(OPS_TIMERS, init_fresh, NULL, 0);
	return 0;
}

static long op_nothing(__u32 i, struct pair_ctx *c)
{
	return 0;
}

static long op_setcb_one(__u32 i, struct pair_ctx *c)
{
	bpf_timer_set_callback(&c->e->t, nop_cb);
	return 0;
}

static long op_start_one(__u32 i, struct pair_ctx *c)
{
	bpf_timer_start(&c->e->t, 1000000000, 0);
	return 0;
}

static long op_setcb_start_one(__u32 i, struct pair_ctx *c)
{
	bpf_timer_set_callback(&c->e->t, nop_cb);
	bpf_timer_start(&c->e->t, 1000000000, 0);
	return 0;
}

/* Runs `fn` count times on the timer of `one`, initialized with a callback; cancels it at
 * the end so that nothing fires later. */
static __always_inline int op_loop(void *fn)
{
	struct bargs *a = args();
	struct belem *e = one_elem();

	if (!a || !e)
		return 1;
	struct pair_ctx c = { e };

	bpf_timer_init(&e->t, &one, CLOCK_MONOTONIC);
	bpf_timer_set_callback(&e->t, nop_cb);
	bpf_loop(a->count, fn, &c, 0);
	bpf_timer_cancel(&e->t);
	return 0;
}

SEC("tc")
int op_empty(void *ctx)
{
	return op_loop(op_nothing);
}

SEC("tc")
int op_setcb(void *ctx)
{
	return op_loop(op_setcb_one);
}

/* Re-arms a pending timer each time. */
SEC("tc")
int op_start(void *ctx)
{
	return op_loop(op_start_one);
}

/* Baseline of pairs (set_callback + start + cancel): the cancel's cost is the difference. */
SEC("tc")
int op_setcb_start(void *ctx)
{
	return op_loop(op_setcb_start_one);
}

/* ---- lateness: a timer re-armed from its callback, each run sampled ---- */

static int late_cb(void *map, __u32 *key, struct belem *v)
{
	__u64 now = bpf_ktime_get_ns();
	struct bstats *s = stats();

	if (!s)
		return 0;
	__u32 idx = s->nsamples++;
	__u64 *slot = bpf_map_lookup_elem(&samples, &idx);

	if (slot)
		*slot = now - v->expected;
	if (v->left > 1) {
		v->left--;
		v->expected = bpf_ktime_get_ns() + v->nsecs;
		bpf_timer_start(&v->t, v->nsecs, 0);
	}
	return 0;
}

SEC("tc")
int lateness(void *ctx)
{
	struct bargs *a = args();
	struct belem *e = one_elem();

	if (!a || !e)
		return 1;
	bpf_timer_init(&e->t, &one, CLOCK_MONOTONIC);
	bpf_timer_set_callback(&e->t, late_cb);
	e->nsecs = a->nsecs;
	e->left = a->count;
	e->expected = bpf_ktime_get_ns() + a->nsecs;
	return bpf_timer_start(&e->t, a->nsecs, 0);
}

/* ---- many timers due at one absolute instant ---- */

static int burst_cb(void *map, __u32 *key, struct belem *v)
{
	struct bstats *s = stats();

	if (s) {
		__sync_fetch_and_add(&s->fired, 1);
		s->last = bpf_ktime_get_ns();
	}
	return 0;
}

static long arm_burst(__u32 i, struct bargs *a)
{
	__u32 key = a->first + i;
	struct belem fresh = {};
	struct belem *v;

	bpf_map_update_elem(&burst, &key, &fresh, BPF_ANY);
	v = bpf_map_lookup_elem(&burst, &key);
	if (v && !bpf_timer_init(&v->t, &burst, CLOCK_MONOTONIC) &&
	    !bpf_timer_set_callback(&v->t, burst_cb) &&
	    !bpf_timer_start(&v->t, a->nsecs, BPF_F_TIMER_ABS))
		a->ok++;
	else
		a->failed++;
	return 0;
}

SEC("tc")
int burst_arm(void *ctx)
{
	struct bargs *m = args();
	struct bargs a;

	if (!m)
		return 1;
	a = *m;
	/* a 32-bit load: the kernel's inlined bpf_loop compares all 64 bits of R1 */
	bpf_loop(*(volatile __u32 *)&m->count, arm_burst, &a, 0);
	m->ok = a.ok;
	m->failed = a.failed;
	return 0;
}

char _license[] SEC("license") = "GPL";
