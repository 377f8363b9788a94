/* bpf_wq benchmarks (an ordinary libbpf program: the same code measures the kernel and,
 * under `bpfrun exec`, bpfrun):
 *   latency from bpf_wq_start to the callback, p50/p99 over 500 starts;
 *   ns per bpf_wq_start of an item already queued;
 *   ns per init + set_callback + start on a fresh element (freed between runs). */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "difftest.h"

#define RUNS 500

static struct bpf_object *obj;

struct globals {
	__u64 nsamples, loops;
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static void metric(const char *name, double value, const char *unit)
{
	printf("METRIC %s %.1f %s\n", name, value, unit);
	fflush(stdout);
}

static struct globals globals(void)
{
	struct globals g = { 0 };
	__u32 zero = 0;

	bpf_map_lookup_elem(map_fd(obj, "wq_bench.bss"), &zero, &g);
	return g;
}

static void set_loops(__u64 loops)
{
	struct globals g = globals();
	__u32 zero = 0;

	g.loops = loops;
	bpf_map_update_elem(map_fd(obj, "wq_bench.bss"), &zero, &g, BPF_ANY);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static void bench_latency(void)
{
	uint64_t s[RUNS];
	uint32_t n = 0;

	for (int i = 0; i < RUNS; i++) {
		uint64_t want = globals().nsamples + 1, t0 = now_ns();

		run_prog(prog_fd(obj, "latency"), NULL, 0, NULL);
		while (globals().nsamples < want && now_ns() - t0 < 100000000ULL)
			usleep(20);
	}
	for (uint32_t i = 0; i < RUNS; i++)
		if (!bpf_map_lookup_elem(map_fd(obj, "samples"), &i, &s[n]) && s[n])
			n++;
	if (!n)
		return;
	qsort(s, n, sizeof(s[0]), cmp_u64);
	metric("wq_latency_p50", (double)s[n / 2] / 1000.0, "us");
	metric("wq_latency_p99", (double)s[n * 99 / 100] / 1000.0, "us");
}

static double run_ns(const char *name)
{
	double best = 0;

	for (int i = 0; i < 3; i++) {
		uint64_t t0 = now_ns();

		run_prog(prog_fd(obj, name), NULL, 0, NULL);
		double t = (double)(now_ns() - t0);
		if (!i || t < best)
			best = t;
	}
	return best;
}

static void bench_starts(void)
{
	const uint32_t n = 100000;

	set_loops(n);
	double with = run_ns("starts"), without = run_ns("empty");
	metric("wq_start_queued", (with - without) / n, "ns/op");
}

static void bench_arm(void)
{
	const uint32_t per_run = 64, runs = 100;
	double with = 0, without = 0;
	char zero[24] = { 0 };

	for (uint32_t r = 0; r < runs; r++) {
		uint64_t t0 = now_ns();

		run_prog(prog_fd(obj, "look"), NULL, 0, NULL);
		uint64_t t1 = now_ns();
		run_prog(prog_fd(obj, "arm"), NULL, 0, NULL);
		uint64_t t2 = now_ns();

		without += (double)(t1 - t0);
		with += (double)(t2 - t1);
		usleep(2000); /* the callbacks run */
		for (uint32_t k = 0; k < per_run; k++)
			bpf_map_update_elem(map_fd(obj, "fresh"), &k, zero, BPF_ANY);
	}
	metric("wq_init_setcb_start", (with - without) / (per_run * runs), "ns/op");
}

int main(void)
{
	char path[4096];
	const char *dir = getenv("BPFRUN_BENCH_OBJDIR");

	snprintf(path, sizeof(path), "%s/wq_bench.bpf.o", dir ? dir : "build/bench/bpf");
	obj = bpf_object__open_file(path, NULL);
	if (!obj || bpf_object__load(obj)) {
		fprintf(stderr, "load %s failed\n", path);
		return 2;
	}
	bench_latency();
	bench_starts();
	bench_arm();
	bpf_object__close(obj);
	return 0;
}
