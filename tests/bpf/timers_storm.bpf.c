/* A timer storm: the callback re-arms its timer 0 ns ahead, so on the virtual clock it is
 * always due at the same instant (tests/linked/timers_storm.c, tests/cli). */
#include <linux/bpf.h>
#include <time.h>
#include <bpf/bpf_helpers.h>

struct elem {
	struct bpf_timer t;
	__u64 fired;
};
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct elem);
} storm SEC(".maps");

static int rearm(void *map, __u32 *key, struct elem *v)
{
	v->fired++;
	bpf_timer_start(&v->t, 0, 0);
	return 0;
}

SEC("xdp") int arm_storm(struct xdp_md *xdp)
{
	__u32 k = 0;
	struct elem *v = bpf_map_lookup_elem(&storm, &k);

	if (!v)
		return 1;
	bpf_timer_init(&v->t, &storm, CLOCK_MONOTONIC);
	bpf_timer_set_callback(&v->t, rearm);
	return bpf_timer_start(&v->t, 0, 0) ? 1 : 0;
}

char _l[] SEC("license") = "GPL";
