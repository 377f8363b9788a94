// SPDX-License-Identifier: GPL-2.0
/* A timer map for the runtime's tests (tests/diff/procs_refs.c, tests/cli/test_runtime.sh,
 * the loaders in tests/procs/): procs_arm arms a timer that re-arms itself every 10 ms and
 * counts its callbacks in procs_count; procs_init returns -bpf_timer_init()'s result,
 * which tells whether the timer map still has a user reference (EPERM: none anywhere) and
 * whether its timer is alive (EBUSY). */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

/* Names: procs_*, or the includer's (tests/bpf/procs_solo.bpf.c), so that a test can tell
 * its objects from those of tests running in parallel. */
#ifndef PROCS
#define PROCS(x) procs_##x
#endif
#define CLOCK_MONOTONIC 1
#define EBUSY 16
#define PERIOD_NS 10000000

struct elem {
	struct bpf_timer t;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct elem);
} PROCS(tmap) SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} PROCS(count) SEC(".maps");

static int tick(void *map, __u32 *key, struct elem *e)
{
	__u32 k = 0;
	__u64 *c = bpf_map_lookup_elem(&PROCS(count), &k);

	if (c)
		__sync_fetch_and_add(c, 1);
	bpf_timer_start(&e->t, PERIOD_NS, 0);
	return 0;
}

SEC("tc")
int PROCS(arm)(struct __sk_buff *skb)
{
	__u32 k = 0;
	struct elem *e = bpf_map_lookup_elem(&PROCS(tmap), &k);

	if (!e)
		return 100;
	int err = bpf_timer_init(&e->t, &PROCS(tmap), CLOCK_MONOTONIC);
	if (err && err != -EBUSY)
		return -err;
	bpf_timer_set_callback(&e->t, tick);
	return -bpf_timer_start(&e->t, PERIOD_NS, 0);
}

SEC("tc")
int PROCS(init)(struct __sk_buff *skb)
{
	__u32 k = 0;
	struct elem *e = bpf_map_lookup_elem(&PROCS(tmap), &k);

	if (!e)
		return 100;
	return -bpf_timer_init(&e->t, &PROCS(tmap), CLOCK_MONOTONIC);
}

char LICENSE[] SEC("license") = "GPL";
