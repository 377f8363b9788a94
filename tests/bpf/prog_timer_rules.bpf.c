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
