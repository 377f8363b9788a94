/* Timers armed by a run fire at its end, on the same thread (as the kernel's softirq does
 * before the test run returns): that must not disturb the finished run's results. */
#include <linux/bpf.h>
#include <time.h>
#include <bpf/bpf_helpers.h>
struct elem {
	struct bpf_timer t;
	__u64 data;
};
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct elem);
} arr SEC(".maps");
static int cb(void *map, __u32 *key, struct elem *v)
{
	v->data++;
	return 0;
}
static __always_inline int arm(void)
{
	__u32 k = 0;
	struct elem *v = bpf_map_lookup_elem(&arr, &k);
	if (!v)
		return -1;
	bpf_timer_init(&v->t, &arr, CLOCK_MONOTONIC);
	bpf_timer_set_callback(&v->t, cb);
	bpf_timer_start(&v->t, 0, 0);
	return 0;
}
/* arms a timer, then makes an invalid access: must fail with EFAULT */
SEC("tc") int fault_after_arm(struct __sk_buff *skb)
{
	arm();
	return *(volatile int *)(long)0x1000;
}
/* reads the context after arming: each run of a repeat must see skb->len */
SEC("tc") int ctx_after_arm(struct __sk_buff *skb)
{
	int len = skb->len;
	arm();
	return len;
}
char _l[] SEC("license") = "GPL";
