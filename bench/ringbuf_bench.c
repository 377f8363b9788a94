/* Ring buffer output and consumption (bench/ring_bench.h): bpf_ringbuf_output into a
 * RINGBUF, consumed with libbpf's ring_buffer. */
#include "ring_bench.h"

static int on_record(void *ctx, void *data, size_t size)
{
	ring_record(ctx, *(const __u64 *)data);
	return 0;
}

static void *rb_open(int map, void *ctx)
{
	return ring_buffer__new(map, on_record, ctx, NULL);
}

static int rb_poll(void *r, int timeout_ms)
{
	return ring_buffer__poll(r, timeout_ms);
}

static int rb_consume(void *r)
{
	return ring_buffer__consume(r);
}

static void rb_close(void *r)
{
	ring_buffer__free(r);
}

int main(void)
{
	static const struct ring_consumer c = { rb_open, rb_poll, rb_consume, rb_close };

	return ring_bench("ringbuf", "rb", &c);
}
