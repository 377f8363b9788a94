/* A self-re-arming timer for the runtime's tests (tests/diff/procs_refs.c,
 * tests/cli/test_runtime.sh and the loaders of tests/procs/).
 *
 *   arm   starts the ticker: a timer in tmap whose callback adds one to count and starts
 *         the timer again 10 ms later, for as long as the map has a user reference;
 *   init  answers whether that is so: it returns the negated result of bpf_timer_init on
 *         the ticker's slot, EPERM when no descriptor or pin of tmap is left anywhere,
 *         EBUSY while the ticker exists, 0 when it was freed.
 *
 * The object's names are procs_* unless the includer picks others (tests/procs/solo.bpf.c),
 * so that a test can recognise its own objects among those of tests running beside it. */
#include <linux/bpf.h>
#include <linux/errno.h>
#include <linux/time.h>
#include <bpf/bpf_helpers.h>

#ifndef PROCS
#define PROCS(name) procs_##name
#endif

#define TICK_NS (10 * 1000 * 1000)

struct ticker {
	struct bpf_timer timer;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct ticker);
} PROCS(tmap) SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} PROCS(count) SEC(".maps");

static struct ticker *the_ticker(void)
{
	__u32 slot = 0;

	return bpf_map_lookup_elem(&PROCS(tmap), &slot);
}

static int on_tick(void *map, __u32 *slot, struct ticker *t)
{
	__u64 *ticks = bpf_map_lookup_elem(&PROCS(count), slot);

	if (ticks)
		__sync_fetch_and_add(ticks, 1);
	bpf_timer_start(&t->timer, TICK_NS, 0);
	return 0;
}

/* 100 stands for "no slot", which an array of one entry always has. */
SEC("tc")
int PROCS(arm)(struct __sk_buff *skb)
{
	struct ticker *t = the_ticker();
	long err;

	if (!t)
		return 100;
	err = bpf_timer_init(&t->timer, &PROCS(tmap), CLOCK_MONOTONIC);
	if (err == -EBUSY) /* armed before: start it again */
		err = 0;
	if (!err)
		err = bpf_timer_set_callback(&t->timer, on_tick);
	if (!err)
		err = bpf_timer_start(&t->timer, TICK_NS, 0);
	return -err;
}

SEC("tc")
int PROCS(init)(struct __sk_buff *skb)
{
	struct ticker *t = the_ticker();

	return t ? -bpf_timer_init(&t->timer, &PROCS(tmap), CLOCK_MONOTONIC) : 100;
}

char LICENSE[] SEC("license") = "GPL";
