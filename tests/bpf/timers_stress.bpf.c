/* Random timer traffic on shared elements: each run picks an element and an operation
 * (arm, start, cancel, set_callback, replace, delete); callbacks pick one too (re-arm,
 * cancel another element's timer, delete or replace their own element, cancel
 * themselves).  Only robustness is checked: no crash, no hang, no sanitizer report. */
#include <linux/bpf.h>
#include <time.h>
#include <errno.h>
#include <bpf/bpf_helpers.h>

#ifndef BPF_F_TIMER_CPU_PIN
#define BPF_F_TIMER_CPU_PIN (1ULL << 1)
#endif

#define NKEYS 32

struct selem {
	struct bpf_timer t;
	__u64 n;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, NKEYS);
	__type(key, __u32);
	__type(value, struct selem);
} shash SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, NKEYS);
	__type(key, __u32);
	__type(value, struct selem);
} sarr SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u64);
} scount SEC(".maps"); /* 0: callbacks, 1: ops, 2: -EDEADLK seen */

static __always_inline void count(__u32 i)
{
	__u64 *c = bpf_map_lookup_elem(&scount, &i);

	if (c)
		__sync_fetch_and_add(c, 1);
}

static __always_inline void note(long err)
{
	if (err == -EDEADLK)
		count(2);
}

static int cb_hash(void *map, __u32 *key, struct selem *v);
static int cb_arr(void *map, __u32 *key, struct selem *v);

/* What a callback does to its own element or another one of the same map. */
#define CALLBACK_BODY(MAP, CB)                                               \
	__u32 r = bpf_get_prandom_u32(), k = *key, other = (r >> 8) % NKEYS; \
	struct selem *o, fresh = {};                                         \
                                                                             \
	count(0);                                                            \
	v->n++;                                                              \
	switch (r % 7) {                                                     \
	case 0:                                                              \
	case 1:                                                              \
		bpf_timer_start(&v->t, (r >> 16) % 50000, 0);                \
		break;                                                       \
	case 2:                                                              \
		o = bpf_map_lookup_elem(&MAP, &other);                       \
		if (o)                                                       \
			note(bpf_timer_cancel(&o->t));                       \
		break;                                                       \
	case 3:                                                              \
		bpf_map_delete_elem(&MAP, &k);                               \
		break;                                                       \
	case 4:                                                              \
		bpf_map_update_elem(&MAP, &k, &fresh, BPF_ANY);              \
		break;                                                       \
	case 5:                                                              \
		note(bpf_timer_cancel(&v->t));                               \
		break;                                                       \
	case 6:                                                              \
		bpf_timer_set_callback(&v->t, CB);                           \
		bpf_timer_start(&v->t, 0, BPF_F_TIMER_CPU_PIN);              \
		break;                                                       \
	}                                                                    \
	return 0;

static int cb_hash(void *map, __u32 *key, struct selem *v)
{
	CALLBACK_BODY(shash, cb_hash)
}
static int cb_arr(void *map, __u32 *key, struct selem *v){ CALLBACK_BODY(sarr, cb_arr) }

#define OP_BODY(MAP, CB)                                                                \
	__u32 r = bpf_get_prandom_u32(), k = r % NKEYS;                                 \
	struct selem *e, fresh = {};                                                    \
                                                                                        \
	count(1);                                                                       \
	switch ((r >> 8) % 8) {                                                         \
	case 0:                                                                         \
	case 1:                                                                         \
	case 2:                                                                         \
		bpf_map_update_elem(&MAP, &k, &fresh, BPF_NOEXIST);                     \
		e = bpf_map_lookup_elem(&MAP, &k);                                      \
		if (!e)                                                                 \
			break;                                                          \
		bpf_timer_init(&e->t, &MAP, CLOCK_MONOTONIC);                           \
		bpf_timer_set_callback(&e->t, CB);                                      \
		bpf_timer_start(&e->t, (r >> 12) % 100000, 0);                          \
		break;                                                                  \
	case 3:                                                                         \
		e = bpf_map_lookup_elem(&MAP, &k);                                      \
		if (e)                                                                  \
			bpf_timer_cancel(&e->t);                                        \
		break;                                                                  \
	case 4:                                                                         \
		bpf_map_delete_elem(&MAP, &k);                                          \
		break;                                                                  \
	case 5:                                                                         \
		bpf_map_update_elem(&MAP, &k, &fresh, BPF_ANY);                         \
		break;                                                                  \
	case 6:                                                                         \
		e = bpf_map_lookup_elem(&MAP, &k);                                      \
		if (e)                                                                  \
			bpf_timer_start(&e->t, (r >> 12) % 20000, BPF_F_TIMER_CPU_PIN); \
		break;                                                                  \
	case 7:                                                                         \
		e = bpf_map_lookup_elem(&MAP, &k);                                      \
		if (e)                                                                  \
			bpf_timer_set_callback(&e->t, CB);                              \
		break;                                                                  \
	}                                                                               \
	return 0;

SEC("tc") int chaos_hash(void *ctx){ OP_BODY(shash, cb_hash) } SEC("tc") int chaos_arr(void *ctx)
{
	OP_BODY(sarr, cb_arr)
}

char _license[] SEC("license") = "GPL";
