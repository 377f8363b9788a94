/* A timer armed in a hash element the program has just deleted (its pointer stays valid,
 * as in the kernel): the map's teardown must still find and free it. */
#include <linux/bpf.h>
#include <time.h>
#include <bpf/bpf_helpers.h>

struct elem {
	struct bpf_timer t;
	__u64 data;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, struct elem);
} hash SEC(".maps");

static int rearm(void *map, __u32 *key, struct elem *v)
{
	bpf_timer_start(&v->t, 1000000, 0);
	return 0;
}

SEC("tc")
int arm_in_deleted(void *ctx)
{
	__u32 k = 1;
	struct elem init = {};
	struct elem *v;
	long r;

	bpf_map_update_elem(&hash, &k, &init, BPF_ANY);
	v = bpf_map_lookup_elem(&hash, &k);
	if (!v)
		return 1;
	bpf_map_delete_elem(&hash, &k);
	r = bpf_timer_init(&v->t, &hash, CLOCK_MONOTONIC);
	r |= bpf_timer_set_callback(&v->t, rearm);
	r |= bpf_timer_start(&v->t, 1000000, 0);
	return r;
}

char _license[] SEC("license") = "GPL";
