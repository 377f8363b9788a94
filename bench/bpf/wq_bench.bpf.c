/* bpf_wq benchmarks: the latency from bpf_wq_start to its callback, and the cost of a
 * start (of an item already queued, and of init + set_callback + start on fresh
 * elements).  Driven by bench/wq_bench.c. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct bpf_wq {
	__u64 __opaque[2];
} __attribute__((aligned(8)));

extern int bpf_wq_init(struct bpf_wq *wq, void *p__map, unsigned int flags) __ksym;
extern int bpf_wq_start(struct bpf_wq *wq, unsigned int flags) __ksym;
extern int bpf_wq_set_callback_impl(struct bpf_wq *wq,
				    int (*callback_fn)(void *map, int *key, void *value),
				    unsigned int flags__k, void *aux__ign) __ksym;

#define SAMPLES 4096
#define FRESH 64

struct welem {
	struct bpf_wq w;
	__u64 started_at;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct welem);
} one SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, FRESH);
	__type(key, __u32);
	__type(value, struct welem);
} fresh SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, SAMPLES);
	__type(key, __u32);
	__type(value, __u64);
} samples SEC(".maps");

__u64 nsamples, loops;

static int lat_cb(void *map, int *key, void *value)
{
	struct welem *e = value;
	__u32 i = nsamples;
	__u64 *slot = bpf_map_lookup_elem(&samples, &i);

	if (slot)
		*slot = bpf_ktime_get_ns() - e->started_at;
	nsamples = i + 1;
	return 0;
}

static int nop_cb(void *map, int *key, void *value)
{
	return 0;
}

/* One start; the callback samples how long it took to run. */
SEC("tc")
int latency(void *ctx)
{
	__u32 zero = 0;
	struct welem *e = bpf_map_lookup_elem(&one, &zero);

	if (!e)
		return 1;
	bpf_wq_init(&e->w, &one, 0);
	bpf_wq_set_callback_impl(&e->w, lat_cb, 0, NULL);
	e->started_at = bpf_ktime_get_ns();
	return bpf_wq_start(&e->w, 0);
}

struct loop_ctx {
	struct welem *e;
};

static long start_again(__u32 i, struct loop_ctx *c)
{
	bpf_wq_start(&c->e->w, 0);
	return 0;
}

static long nothing(__u32 i, struct loop_ctx *c)
{
	return 0;
}

static __always_inline int start_loop(void *fn)
{
	__u32 zero = 0;
	struct welem *e = bpf_map_lookup_elem(&one, &zero);

	if (!e)
		return 1;
	bpf_wq_init(&e->w, &one, 0);
	bpf_wq_set_callback_impl(&e->w, nop_cb, 0, NULL);

	struct loop_ctx c = { e }; /* the kernel wants bpf_loop's context on the stack */

	bpf_loop(loops, fn, &c, 0);
	return 0;
}

/* Starts of an item already queued (all but the first), against the empty loop. */
SEC("tc")
int starts(void *ctx)
{
	return start_loop(start_again);
}

SEC("tc")
int empty(void *ctx)
{
	return start_loop(nothing);
}

static long arm_fresh(__u32 i, void *unused)
{
	struct welem *e = bpf_map_lookup_elem(&fresh, &i);

	if (!e)
		return 1;
	bpf_wq_init(&e->w, &fresh, 0);
	bpf_wq_set_callback_impl(&e->w, nop_cb, 0, NULL);
	bpf_wq_start(&e->w, 0);
	return 0;
}

static long look_fresh(__u32 i, void *unused)
{
	return bpf_map_lookup_elem(&fresh, &i) ? 0 : 1;
}

/* init + set_callback + start on FRESH elements, against their lookups alone. */
SEC("tc")
int arm(void *ctx)
{
	bpf_loop(FRESH, arm_fresh, NULL, 0);
	return 0;
}

SEC("tc")
int look(void *ctx)
{
	bpf_loop(FRESH, look_fresh, NULL, 0);
	return 0;
}

char _license[] SEC("license") = "GPL";
