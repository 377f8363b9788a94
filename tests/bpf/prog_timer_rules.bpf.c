/* Load-time timer rules (tests/diff/prog_timer_rules.c): tracing programs cannot use a
 * map with a bpf_timer; bpf_timer_init needs a map with exactly one valid timer. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

char _license[] SEC("license") = "GPL";

struct one {
	struct bpf_timer t;
	__u64 n;
};
struct two {
	struct bpf_timer a;
	struct bpf_timer b;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct one);
} tmap SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct two);
} twotimers SEC(".maps");

static __always_inline void *first_elem(void *map)
{
	__u32 k = 0;

	return bpf_map_lookup_elem(map, &k);
}

SEC("tc")
int timer_ok(struct __sk_buff *skb)
{
	struct one *v = first_elem(&tmap);

	return v ? bpf_timer_init(&v->t, &tmap, 1) == 0 : 1;
}

SEC("tc")
int timer_two(struct __sk_buff *skb)
{
	struct two *v = first_elem(&twotimers);

	return v ? bpf_timer_init(&v->a, &twotimers, 1) == 0 : 1;
}

/* Tracing programs: only using the timer map matters. */
SEC("kprobe/do_nanosleep")
int timer_in_kprobe(void *ctx)
{
	return first_elem(&tmap) != 0;
}

SEC("raw_tp/sys_enter")
int timer_in_raw_tp(void *ctx)
{
	return first_elem(&tmap) != 0;
}

/* ---- rules the verifier checks (issue 11 item 3) ---- */

static int cb_ok(void *map, __u32 *key, struct one *v)
{
	return 0;
}

static int cb_returns_one(void *map, __u32 *key, struct one *v)
{
	return 1;
}

/* A callback may only return 0: "At async callback return ... [0, 0]". */
SEC("tc")
int cb_ret_ok(struct __sk_buff *skb)
{
	struct one *v = first_elem(&tmap);

	if (v)
		bpf_timer_set_callback(&v->t, cb_ok);
	return 0;
}

SEC("tc")
int cb_ret_bad(struct __sk_buff *skb)
{
	struct one *v = first_elem(&tmap);

	if (v)
		bpf_timer_set_callback(&v->t, cb_returns_one);
	return 0;
}

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct one);
} tmap2 SEC(".maps");

/* bpf_timer_init's map must be the timer's own (map_uid agreement). */
SEC("tc")
int init_other_map(struct __sk_buff *skb)
{
	struct one *v = first_elem(&tmap);

	return v ? bpf_timer_init(&v->t, &tmap2, 1) == 0 : 1;
}

/* An async callback starts a call chain of its own: 8 frames in all, which the kernel
 * allows (it does not count the frame that set the callback). */
#define CHAIN(name, next)                                         \
	static __attribute__((noinline)) int name(volatile int x) \
	{                                                         \
		return next(x + 1) + 1;                           \
	}
static __attribute__((noinline)) int d7(volatile int x)
{
	return x;
}
CHAIN(d6, d7)
CHAIN(d5, d6)
CHAIN(d4, d5)
CHAIN(d3, d4)
CHAIN(d2, d3)
CHAIN(d1, d2)

static int cb_deep(void *map, __u32 *key, struct one *v)
{
	v->n = d1(1);
	return 0;
}

SEC("tc")
int cb_deep_chain(struct __sk_buff *skb)
{
	struct one *v = first_elem(&tmap);

	if (v)
		bpf_timer_set_callback(&v->t, cb_deep);
	return 0;
}

/* Frames without stack count 0 bytes with the JIT on (rounding to 16, not 32). */
static __attribute__((noinline)) int no_stack(int x)
{
	return x + 1;
}

SEC("tc")
int stack_rounding(struct __sk_buff *skb)
{
	volatile char buf[496];

	buf[skb->len & 255] = 1;
	return no_stack(buf[0]);
}
