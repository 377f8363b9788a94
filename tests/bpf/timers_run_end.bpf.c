/* Timers armed by a run fire at its end, on the same thread (as the kernel's softirq does
 * before the test run returns): that must not disturb the finished run's results. */
#include <linux/bpf.h>
#include <time.h>
#include <bpf/bpf_helpers.h>
#ifndef BPF_F_TIMER_ABS
#define BPF_F_TIMER_ABS (1ULL << 0)
#endif
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
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct elem);
} past SEC(".maps");
volatile int stop_rearm;
volatile __u64 fired_on_main; /* past_cb's runs on the process's main thread */
/* Re-arms itself at an absolute time long past, until stop_rearm: always due.  Each run
 * lasts 200 us, four times the run end's firing window (hold.c's RUN_END_NEAR_NS). */
static int past_cb(void *map, __u32 *key, struct elem *v)
{
	__u64 id = bpf_get_current_pid_tgid(), end = bpf_ktime_get_ns() + 200000;

	if ((__u32)id == id >> 32)
		fired_on_main++;
	for (int i = 0; i < (1 << 20) && bpf_ktime_get_ns() < end; i++)
		;
	v->data++;
	if (!stop_rearm)
		bpf_timer_start(&v->t, 1, BPF_F_TIMER_ABS);
	return 0;
}
/* arms past_cb: the run's end must still return, however often past_cb re-arms */
SEC("tc") int arm_past_abs(struct __sk_buff *skb)
{
	__u32 k = 0;
	struct elem *v = bpf_map_lookup_elem(&past, &k);
	if (!v)
		return -1;
	bpf_timer_init(&v->t, &past, CLOCK_MONOTONIC);
	bpf_timer_set_callback(&v->t, past_cb);
	bpf_timer_start(&v->t, 0, 0);
	return 0;
}
char _l[] SEC("license") = "GPL";
