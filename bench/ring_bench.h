/* The measurements bench/ringbuf_bench.c and bench/perfbuf_bench.c share: a program
 * (`burst`: 1000 records of 16 bytes per run, counting sent and dropped in the `stats`
 * array; `stamp`: one record holding bpf_ktime_get_ns()) writes into a ring that a thread
 * consumes through libbpf's consumer of that ring kind (struct ring_consumer).
 *   <name>_output_ns:  producer wall time per record output, the consumer alongside;
 *   <name>_drain_ns:   wall time per record from the first output until the consumer has
 *                      received every record sent;
 *   <name>_latency_us: median time from bpf_ktime_get_ns() in the program to the
 *                      consumer's callback, one record at a time, the consumer blocked in
 *                      epoll (the wake-up path).
 * Included once, by each benchmark's main file. */
#ifndef BPFRUN_BENCH_RING_BENCH_H
#define BPFRUN_BENCH_RING_BENCH_H

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#define RUNS 200
#define LATENCY_SAMPLES 201

/* libbpf's consumer of one ring kind.  open() makes one over map whose callbacks call
 * ring_record() with the record's first 8 bytes and ctx. */
struct ring_consumer {
	void *(*open)(int map, void *ctx);
	int (*poll)(void *consumer, int timeout_ms);
	int (*consume)(void *consumer);
	void (*close)(void *consumer);
};

static __u64 now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000000000ull + (__u64)ts.tv_nsec;
}

static __u64 received, lat[LATENCY_SAMPLES], nr_lat;
static int stop;
static const struct ring_consumer *cons;

/* Called by the consumer's callback: stamp is the record's first 8 bytes; ctx non-NULL
 * while latencies are measured. */
static void ring_record(void *ctx, __u64 stamp)
{
	if (ctx && stamp && nr_lat < LATENCY_SAMPLES)
		lat[nr_lat++] = now_ns() - stamp;
	__atomic_add_fetch(&received, 1, __ATOMIC_RELEASE);
}

static void *consume(void *arg)
{
	while (!__atomic_load_n(&stop, __ATOMIC_ACQUIRE))
		cons->poll(arg, 10);
	cons->consume(arg);
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

static void *start(int map, void *ctx, pthread_t *t)
{
	void *c = cons->open(map, ctx);

	if (!c) {
		fprintf(stderr, "cannot open the consumer\n");
		exit(1);
	}
	stop = 0;
	pthread_create(t, NULL, consume, c);
	return c;
}

static void finish(void *c, pthread_t t)
{
	__atomic_store_n(&stop, 1, __ATOMIC_RELEASE);
	pthread_join(t, NULL);
	cons->close(c);
}

/* Runs the three measurements for the object `name`.bpf.o (map `map`) and prints them. */
static int ring_bench(const char *name, const char *map_name, const struct ring_consumer *c)
{
	const char *dir = getenv("BPFRUN_BENCH_OBJDIR");
	char path[4096];
	pthread_t t;

	cons = c;
	snprintf(path, sizeof(path), "%s/%s_bench.bpf.o", dir ? dir : "build/bench/bpf", name);
	struct bpf_object *obj = bpf_object__open_file(path, NULL);
	if (!obj || bpf_object__load(obj)) {
		fprintf(stderr, "cannot load %s\n", path);
		return 1;
	}
	int map = bpf_map__fd(bpf_object__find_map_by_name(obj, map_name));
	int stats = bpf_map__fd(bpf_object__find_map_by_name(obj, "stats"));
	int burst = bpf_program__fd(bpf_object__find_program_by_name(obj, "burst"));
	int stamp = bpf_program__fd(bpf_object__find_program_by_name(obj, "stamp"));

	void *r = start(map, NULL, &t);
	__u64 t0 = now_ns();
	for (int i = 0; i < RUNS; i++)
		test_run(burst);
	__u64 t1 = now_ns(), sent = stat_of(stats, 0);
	while (__atomic_load_n(&received, __ATOMIC_ACQUIRE) < sent && now_ns() - t1 < 5000000000ull)
		usleep(100);
	__u64 t2 = now_ns();
	finish(r, t);
	printf("METRIC %s_output_ns %.1f ns/record\n", name, (double)(t1 - t0) / (RUNS * 1000.0));
	printf("METRIC %s_drain_ns %.1f ns/record\n", name, (double)(t2 - t0) / (double)sent);
	printf("INFO %s: %llu sent, %llu dropped (ring full), %llu received\n", name,
	       (unsigned long long)sent, (unsigned long long)stat_of(stats, 1),
	       (unsigned long long)received);

	r = start(map, (void *)1, &t);
	for (int i = 0; i < LATENCY_SAMPLES; i++) {
		__u64 want = __atomic_load_n(&received, __ATOMIC_ACQUIRE) + 1;
		usleep(200); /* the consumer is back in epoll_wait */
		test_run(stamp);
		__u64 sent_at = now_ns();
		while (__atomic_load_n(&received, __ATOMIC_ACQUIRE) < want &&
		       now_ns() - sent_at < 1000000000ull)
			;
	}
	finish(r, t);
	qsort(lat, nr_lat, sizeof(lat[0]), cmp_u64);
	printf("METRIC %s_latency_us %.1f us\n", name, nr_lat ? lat[nr_lat / 2] / 1000.0 : -1.0);
	bpf_object__close(obj);
	return 0;
}

#endif
