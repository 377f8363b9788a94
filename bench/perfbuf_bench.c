/* Perf event array output and consumption, beside bench/ringbuf_bench.c: a program writes
 * records with bpf_perf_event_output on its CPU while a thread consumes them with libbpf's
 * perf_buffer__poll (a 1 MiB ring per CPU).
 *   perfbuf_output_ns: producer wall time per record output (1000 per run, 16 bytes),
 *                      consumer running alongside;
 *   perfbuf_drain_ns:  wall time per record from the first output until the consumer has
 *                      received every record sent;
 *   perfbuf_latency_us: median time from bpf_ktime_get_ns() in the program to the
 *                      consumer's callback, one record at a time, the consumer blocked in
 *                      epoll (the wake-up path: wakeup_events 1). */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#define RUNS 200
#define LATENCY_SAMPLES 201
#define RING_PAGES 256

static __u64 now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000000000ull + (__u64)ts.tv_nsec;
}

static __u64 received, lat[LATENCY_SAMPLES], nr_lat;
static int stop;

static void on_sample(void *ctx, int cpu, void *data, __u32 size)
{
	__u64 stamp;

	memcpy(&stamp, data, sizeof(stamp));
	if (ctx && stamp && nr_lat < LATENCY_SAMPLES)
		lat[nr_lat++] = now_ns() - stamp;
	__atomic_add_fetch(&received, 1, __ATOMIC_RELEASE);
}

static void *consume(void *arg)
{
	struct perf_buffer *pb = arg;

	while (!__atomic_load_n(&stop, __ATOMIC_ACQUIRE))
		perf_buffer__poll(pb, 10);
	perf_buffer__consume(pb);
	return NULL;
}

static int cmp_u64(const void *a, const void *b)
{
	__u64 x = *(const __u64 *)a, y = *(const __u64 *)b;

	return x < y ? -1 : x > y;
}

static void test_run(int fd)
{
	char pkt[64] = { 0 };
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = pkt, .data_size_in = sizeof(pkt));

	if (bpf_prog_test_run_opts(fd, &o)) {
		perror("bpf_prog_test_run_opts");
		exit(1);
	}
}

static __u64 stat_of(int fd, __u32 k)
{
	__u64 v = 0;

	bpf_map_lookup_elem(fd, &k, &v);
	return v;
}

static struct perf_buffer *start(int map, void *ctx, pthread_t *t)
{
	struct perf_buffer *pb = perf_buffer__new(map, RING_PAGES, on_sample, NULL, ctx, NULL);

	if (!pb) {
		fprintf(stderr, "perf_buffer__new failed\n");
		exit(1);
	}
	stop = 0;
	pthread_create(t, NULL, consume, pb);
	return pb;
}

static void finish(struct perf_buffer *pb, pthread_t t)
{
	__atomic_store_n(&stop, 1, __ATOMIC_RELEASE);
	pthread_join(t, NULL);
	perf_buffer__free(pb);
}

int main(void)
{
	const char *dir = getenv("BPFRUN_BENCH_OBJDIR");
	char path[4096];
	pthread_t t;

	snprintf(path, sizeof(path), "%s/perfbuf_bench.bpf.o", dir ? dir : "build/bench/bpf");
	struct bpf_object *obj = bpf_object__open_file(path, NULL);
	if (!obj || bpf_object__load(obj)) {
		fprintf(stderr, "cannot load %s\n", path);
		return 1;
	}
	int map = bpf_map__fd(bpf_object__find_map_by_name(obj, "events"));
	int stats = bpf_map__fd(bpf_object__find_map_by_name(obj, "stats"));
	int burst = bpf_program__fd(bpf_object__find_program_by_name(obj, "burst"));
	int stamp = bpf_program__fd(bpf_object__find_program_by_name(obj, "stamp"));

	struct perf_buffer *pb = start(map, NULL, &t);
	__u64 t0 = now_ns();
	for (int i = 0; i < RUNS; i++)
		test_run(burst);
	__u64 t1 = now_ns(), sent = stat_of(stats, 0);
	while (__atomic_load_n(&received, __ATOMIC_ACQUIRE) < sent && now_ns() - t1 < 5000000000ull)
		usleep(100);
	__u64 t2 = now_ns();
	finish(pb, t);
	printf("METRIC perfbuf_output_ns %.1f ns/record\n", (double)(t1 - t0) / (RUNS * 1000.0));
	printf("METRIC perfbuf_drain_ns %.1f ns/record\n", (double)(t2 - t0) / (double)sent);
	printf("INFO perfbuf: %llu sent, %llu dropped (ring full), %llu received\n",
	       (unsigned long long)sent, (unsigned long long)stat_of(stats, 1),
	       (unsigned long long)received);

	pb = start(map, (void *)1, &t);
	for (int i = 0; i < LATENCY_SAMPLES; i++) {
		__u64 want = __atomic_load_n(&received, __ATOMIC_ACQUIRE) + 1;
		usleep(200); /* the consumer is back in epoll_wait */
		test_run(stamp);
		__u64 sent_at = now_ns();
		while (__atomic_load_n(&received, __ATOMIC_ACQUIRE) < want &&
		       now_ns() - sent_at < 1000000000ull)
			;
	}
	finish(pb, t);
	qsort(lat, nr_lat, sizeof(lat[0]), cmp_u64);
	printf("METRIC perfbuf_latency_us %.1f us\n", nr_lat ? lat[nr_lat / 2] / 1000.0 : -1.0);
	bpf_object__close(obj);
	return 0;
}
