/* Load-time timer rules (tests/diff/prog_timer_rules.c): tracing programs cannot use a
 * map with a bpf_timer; bpf_timer_init needs a map with exactly one valid timer. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

char _license[] SEC("license") = "GPL";

struct one { struct bpf_timer t; __u64 n; };
struct two { struct bpf_timer a; struct bpf_timer b; };

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

SEC("tc")
int timer_ok(struct __sk_buff *skb)
{
	__u32 k = 0;
	struct one *v = bpf_map_lookup_elem(&tmap, &k);
	if (!v)
		return 1;
	return bpf_timer_init(&v->t, &tmap, 1) == 0;
}

SEC("tc")
int timer_two(struct __sk_buff *skb)
{
	__u32 k = 0;
	struct two *v = bpf_map_lookup_elem(&twotimers, &k);
	if (!v)
		return 1;
	return bpf_timer_init(&v->a, &twotimers, 1) == 0;
}

SEC("kprobe/do_nanosleep")
int timer_in_kprobe(void *ctx)
{
	__u32 k = 0;
	struct one *v = bpf_map_lookup_elem(&tmap, &k);
	return v ? 1 : 0;
}

SEC("raw_tp/sys_enter")
int timer_in_raw_tp(void *ctx)
{
	__u32 k = 0;
	struct one *v = bpf_map_lookup_elem(&tmap, &k);
	return v ? 1 : 0;
}
