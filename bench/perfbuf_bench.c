/* Perf event array output and consumption (bench/ring_bench.h): bpf_perf_event_output on
 * the program's CPU, consumed with libbpf's perf_buffer (a 1 MiB ring per CPU, a wake-up
 * per record: libbpf's wakeup_events 1). */
#include <string.h>

#include "ring_bench.h"

#define RING_PAGES 256

static void on_sample(void *ctx, int cpu, void *data, __u32 size)
{
	__u64 stamp;

	memcpy(&stamp, data, sizeof(stamp)); /* raw data is 4-byte aligned */
	ring_record(ctx, stamp);
}

static void *pb_open(int map, void *ctx)
{
	return perf_buffer__new(map, RING_PAGES, on_sample, NULL, ctx, NULL);
}

static int pb_poll(void *pb, int timeout_ms)
{
	return perf_buffer__poll(pb, timeout_ms);
}

static int pb_consume(void *pb)
{
	return perf_buffer__consume(pb);
}

static void pb_close(void *pb)
{
	perf_buffer__free(pb);
}

int main(void)
{
	static const struct ring_consumer c = { pb_open, pb_poll, pb_consume, pb_close };

	return ring_bench("perfbuf", "events", &c);
}
