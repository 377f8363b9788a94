// SPDX-License-Identifier: GPL-2.0
/* Token-bucket rate limiter.
 *
 * Packets pass while the bucket holds tokens (one each) and are dropped when it is empty.
 * The bucket starts full (BURST tokens) on the first packet, which also arms a timer whose
 * callback adds RATE tokens (up to BURST) every REFILL_NS and re-arms itself: a periodic
 * timer built from one-shot bpf_timer_start calls.  So the long-run rate is
 * RATE / REFILL_NS, with bursts of up to BURST packets.
 *
 *   bpfrun run build/examples/rate_limit.bpf.o --pcap build/examples/rate_limit.pcap \
 *          --clock virtual --for 0
 */
#include <linux/bpf.h>
#include <time.h>
#include <bpf/bpf_helpers.h>

#define BURST 4
#define RATE 2
#define REFILL_NS (100ULL * 1000000ULL)

struct bucket {
	struct bpf_timer timer;
	__s64 tokens;
	__u64 passed, dropped, refills;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct bucket);
} buckets SEC(".maps");

static int refill(void *map, __u32 *key, struct bucket *b)
{
	/* Programs take tokens concurrently, which only makes more room, so adding at
	 * most the room seen here keeps the bucket within BURST. */
	__s64 room = BURST - *(volatile __s64 *)&b->tokens;

	if (room > 0)
		__sync_fetch_and_add(&b->tokens, room < RATE ? room : RATE);
	__sync_fetch_and_add(&b->refills, 1);
	bpf_timer_start(&b->timer, REFILL_NS, 0);
	return 0;
}

SEC("xdp")
int rate_limit(struct xdp_md *ctx)
{
	__u32 zero = 0;
	struct bucket *b = bpf_map_lookup_elem(&buckets, &zero);

	if (!b)
		return XDP_ABORTED;
	if (bpf_timer_init(&b->timer, &buckets, CLOCK_MONOTONIC) == 0) {
		/* first packet: a full bucket, and the refills begin */
		__sync_fetch_and_add(&b->tokens, BURST);
		bpf_timer_set_callback(&b->timer, refill);
		bpf_timer_start(&b->timer, REFILL_NS, 0);
	}
	if (__sync_fetch_and_add(&b->tokens, -1) > 0) {
		__sync_fetch_and_add(&b->passed, 1);
		return XDP_PASS;
	}
	__sync_fetch_and_add(&b->tokens, 1);
	__sync_fetch_and_add(&b->dropped, 1);
	return XDP_DROP;
}

char _license[] SEC("license") = "GPL";
