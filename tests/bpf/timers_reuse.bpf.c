/* A timer armed in a hash element the program has just deleted, then a new key inserted
 * into the freed slot.  As in the kernel's preallocated maps the slot is reused with its
 * special fields left as they are: the timer stays armed in the new element (whose key
 * its callback then sees), bpf_timer_init there is -EBUSY, and deleting the new element
 * or dropping the map's last user reference cancels it. */
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

/* One struct, so that user space knows the layout of .bss. */
struct {
	__u64 delay;  /* set by user space: first expiry (0: 20 ms) */
	__u64 period; /* set by user space: the callback re-arms with it when not 0 */
	__u64 fired;
	__u32 last_key, pad;
	long same_slot;   /* the new key got the deleted element's slot */
	long init_reused; /* bpf_timer_init on the new element */
	long armed;
	long skip_init; /* set by user space: leave the new element alone */
} st;

static int cb(void *map, __u32 *key, struct elem *v)
{
	__sync_fetch_and_add(&st.fired, 1);
	st.last_key = *key;
	if (st.period)
		bpf_timer_start(&v->t, st.period, 0);
	return 0;
}

SEC("tc")
int arm_then_reuse(void *ctx)
{
	struct elem init = {};
	__u32 k = 1, k2 = 2;
	struct elem *v, *v2;

	bpf_map_update_elem(&hash, &k, &init, BPF_ANY);
	v = bpf_map_lookup_elem(&hash, &k);
	if (!v)
		return 1;
	bpf_map_delete_elem(&hash, &k);
	st.armed = bpf_timer_init(&v->t, &hash, CLOCK_MONOTONIC);
	st.armed |= bpf_timer_set_callback(&v->t, cb);
	st.armed |= bpf_timer_start(&v->t, st.delay ? st.delay : 20000000, 0);
	bpf_map_update_elem(&hash, &k2, &init, BPF_ANY);
	v2 = bpf_map_lookup_elem(&hash, &k2);
	if (!v2)
		return 2;
	st.same_slot = v2 == v;
	if (!st.skip_init)
		st.init_reused = bpf_timer_init(&v2->t, &hash, CLOCK_MONOTONIC);
	return 0;
}

char _license[] SEC("license") = "GPL";
