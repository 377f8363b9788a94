/* Timer benchmarks (ordinary libbpf program: the same code measures the kernel and, under
 * `bpfrun exec`, bpfrun):
 *   ns per set_callback+start+cancel on one timer;
 *   ns per init, set_callback, start and cancel (loops that differ by that call);
 *   ns per timer armed (update+lookup+init+set_callback+start) when one run arms 1,000
 *   and 1,000,000 timers (elapsed, and the thread's CPU time), how many succeeded, and
 *   the time to load the object (its preallocated map's creation included);
 *   firing lateness (actual - requested) p50/p99/max at 100 us, 1 ms and 10 ms, and the
 *   CPU the process used meanwhile (% of one CPU: what the precision costs);
 *   callbacks per second when 100,000 timers are due at the same instant;
 *   ns per run of the documentation's example. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "difftest.h"

#define MS 1000000ULL

struct bargs {
	uint32_t count, first;
	uint64_t nsecs, ok, failed;
};
struct bstats {
	uint64_t fired, last, nsamples;
};
struct margs {
	uint32_t count, first;
	uint64_t nsecs, ok, enomem, other;
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* CPU time of the calling thread: the kernel runs a test run in the caller's system call
 * and bpfrun in the caller itself, so this is the run's cost on both sides, without the
 * time the thread waited for a CPU on a busy machine. */
static uint64_t thread_cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static void metric(const char *name, double value, const char *unit)
{
	printf("METRIC %s %.1f %s\n", name, value, unit);
	fflush(stdout);
}

static struct bpf_object *open_bench(int burst_entries)
{
	char path[4096];
	const char *dir = getenv("BPFRUN_BENCH_OBJDIR");

	snprintf(path, sizeof(path), "%s/timers_bench.bpf.o", dir ? dir : "build/bench/bpf");
	struct bpf_object *obj = bpf_object__open_file(path, NULL);
	if (!obj) {
		fprintf(stderr, "open %s failed\n", path);
		exit(2);
	}
	bpf_map__set_max_entries(bpf_object__find_map_by_name(obj, "burst"), burst_entries);
	if (bpf_object__load(obj)) {
		fprintf(stderr, "load %s failed\n", path);
		exit(2);
	}
	return obj;
}

static void set_args(struct bpf_object *obj, struct bargs a)
{
	uint32_t zero = 0;

	bpf_map_update_elem(map_fd(obj, "bargs"), &zero, &a, BPF_ANY);
}

static struct bstats get_stats(struct bpf_object *obj)
{
	struct bstats s = { 0 };
	uint32_t zero = 0;

	bpf_map_lookup_elem(map_fd(obj, "bstats"), &zero, &s);
	return s;
}

static void bench_pairs(struct bpf_object *obj)
{
	const uint32_t n = 100000;

	set_args(obj, (struct bargs){ .count = n });
	uint64_t t0 = now_ns();
	run_prog(prog_fd(obj, "pairs"), NULL, 0, NULL);
	metric("timer_setcb_start_cancel", (double)(now_ns() - t0) / n, "ns/op");
}

/* Time of one run of program `name` (the fastest of 3: the machine is shared). */
static double run_ns(struct bpf_object *obj, const char *name)
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

static void metric_diff(const char *name, double with, double without, uint32_t n)
{
	metric(name, (with - without) / n, "ns/op");
}

static void bench_ops(struct bpf_object *obj)
{
	const uint32_t n = 100000;

	set_args(obj, (struct bargs){ .count = n });
	double empty = run_ns(obj, "op_empty");
	double setcb = run_ns(obj, "op_setcb");
	double start = run_ns(obj, "op_start");
	double setcb_start = run_ns(obj, "op_setcb_start");
	double all = run_ns(obj, "pairs");

	metric_diff("timer_op_set_callback", setcb, empty, n);
	metric_diff("timer_op_start", start, empty, n);
	metric_diff("timer_op_cancel", all, setcb_start, n);
}

/* init: runs that init the 64 timers of `fresh`, against runs that only look them up;
 * user space frees the timers between runs (an array update resets the timer). */
static void bench_init(struct bpf_object *obj)
{
	const uint32_t per_run = 64, runs = 200;
	int fd = map_fd(obj, "fresh");
	double with = 0, without = 0;
	char zero[64] = { 0 };

	for (uint32_t r = 0; r < runs; r++) {
		uint64_t t0 = now_ns();

		run_prog(prog_fd(obj, "op_lookup"), NULL, 0, NULL);
		uint64_t t1 = now_ns();
		run_prog(prog_fd(obj, "op_init"), NULL, 0, NULL);
		uint64_t t2 = now_ns();
		without += (double)(t1 - t0);
		with += (double)(t2 - t1);
		for (uint32_t k = 0; k < per_run; k++)
			bpf_map_update_elem(fd, &k, zero, BPF_ANY);
	}
	metric_diff("timer_op_init", with, without, per_run * runs);
}

static void bench_arm(uint32_t count, const char *name)
{
	struct bpf_object *obj = bpf_object__open_file(obj_path("timers_many"), NULL);
	struct margs a = { .count = count, .nsecs = 3600ULL * 1000000000ULL };
	uint32_t zero = 0;

	bpf_map__set_max_entries(bpf_object__find_map_by_name(obj, "many"), count);
	uint64_t l0 = now_ns();
	if (bpf_object__load(obj)) {
		fprintf(stderr, "load timers_many failed\n");
		return;
	}
	uint64_t load = now_ns() - l0;
	bpf_map_update_elem(map_fd(obj, "margs"), &zero, &a, BPF_ANY);
	uint64_t t0 = now_ns(), c0 = thread_cpu_ns();
	run_prog(prog_fd(obj, "arm_many"), NULL, 0, NULL);
	uint64_t t = now_ns() - t0, c = thread_cpu_ns() - c0;
	bpf_map_lookup_elem(map_fd(obj, "margs"), &zero, &a);
	char m[128];
	snprintf(m, sizeof(m), "timer_arm_%s", name);
	metric(m, (double)t / count, "ns/timer");
	snprintf(m, sizeof(m), "timer_arm_%s_cpu", name);
	metric(m, (double)c / count, "ns/timer");
	snprintf(m, sizeof(m), "timer_arm_%s_succeeded", name);
	metric(m, (double)a.ok, "timers");
	/* what the preallocated map costs at its creation, where the kernel allocates it */
	snprintf(m, sizeof(m), "timer_arm_%s_load", name);
	metric(m, (double)load / 1000, "us");
	bpf_object__close(obj);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static uint64_t cpu_ns(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ((uint64_t)ru.ru_utime.tv_sec + (uint64_t)ru.ru_stime.tv_sec) * 1000000000ULL +
	       ((uint64_t)ru.ru_utime.tv_usec + (uint64_t)ru.ru_stime.tv_usec) * 1000ULL;
}

static void bench_lateness(uint64_t nsecs, uint32_t count, const char *name)
{
	struct bpf_object *obj = open_bench(16);
	uint64_t samples[4096], wall = now_ns(), cpu = cpu_ns();
	uint32_t n = 0;
	char m[128];

	set_args(obj, (struct bargs){ .count = count, .nsecs = nsecs });
	run_prog(prog_fd(obj, "lateness"), NULL, 0, NULL);
	/* sleeps while the timer runs its course (about count * nsecs) */
	while (get_stats(obj).nsamples < count && now_ns() - wall < count * nsecs * 3 + 1000 * MS)
		usleep(20000);
	snprintf(m, sizeof(m), "timer_lateness_%s_cpu", name);
	metric(m, (double)(cpu_ns() - cpu) * 100.0 / (double)(now_ns() - wall), "%cpu");
	struct bstats s = get_stats(obj);
	for (uint32_t i = 0; i < s.nsamples && i < 4096; i++)
		if (!bpf_map_lookup_elem(map_fd(obj, "samples"), &i, &samples[n]))
			n++;
	if (n) {
		qsort(samples, n, sizeof(samples[0]), cmp_u64);
		snprintf(m, sizeof(m), "timer_lateness_%s_p50", name);
		metric(m, (double)samples[n / 2] / 1000.0, "us");
		snprintf(m, sizeof(m), "timer_lateness_%s_p99", name);
		metric(m, (double)samples[n * 99 / 100] / 1000.0, "us");
		snprintf(m, sizeof(m), "timer_lateness_%s_max", name);
		metric(m, (double)samples[n - 1] / 1000.0, "us");
	}
	bpf_object__close(obj);
}

static void bench_burst(uint32_t count)
{
	struct bpf_object *obj = open_bench((int)count);
	uint64_t at = now_ns() + 1000 * MS, ok = 0;

	/* Armed by runs of 100 (the kernel allocates timer state atomically per run). */
	for (uint32_t first = 0; first < count; first += 100) {
		struct bargs a = { .count = 100, .first = first, .nsecs = at };
		uint32_t zero = 0;

		set_args(obj, a);
		run_prog(prog_fd(obj, "burst_arm"), NULL, 0, NULL);
		bpf_map_lookup_elem(map_fd(obj, "bargs"), &zero, &a);
		ok += a.ok;
	}
	if (now_ns() > at)
		printf("INFO arming took longer than the 1 s lead\n");
	while (now_ns() < at + 5000 * MS && get_stats(obj).fired < ok)
		usleep(10000);
	struct bstats s = get_stats(obj);
	uint64_t span = s.last > at ? s.last - at : 1;
	printf("INFO burst: %llu armed, %llu fired\n", (unsigned long long)ok,
	       (unsigned long long)s.fired);
	metric("timer_burst_100k_callbacks_per_sec", (double)s.fired * 1e9 / (double)span,
	       "callbacks/s");
	bpf_object__close(obj);
}

static void bench_seed_example(void)
{
	struct bpf_object *obj = load_obj("timers_seed");
	static const char pkt[64];
	const int repeat = 20000;
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = pkt, .data_size_in = sizeof(pkt),
		    .repeat = repeat);

	uint64_t t0 = now_ns();
	bpf_prog_test_run_opts(prog_fd(obj, "bpf_prog1"), &opts);
	metric("timer_doc_example_run", (double)(now_ns() - t0) / repeat, "ns/run");
	bpf_object__close(obj);
}

/* With no argument every part runs; otherwise the parts named (ops, arm, lateness, burst,
 * example), e.g. to profile one of them. */
static bool wanted(int argc, char **argv, const char *part)
{
	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], part))
			return true;
	return argc < 2;
}

int main(int argc, char **argv)
{
	if (wanted(argc, argv, "ops")) {
		struct bpf_object *obj = open_bench(16);

		bench_pairs(obj);
		bench_ops(obj);
		bench_init(obj);
		bpf_object__close(obj);
	}
	if (wanted(argc, argv, "arm")) {
		bench_arm(1000, "1k");
		bench_arm(1000000, "1m");
	}
	if (wanted(argc, argv, "lateness")) {
		bench_lateness(100000, 2000, "100us");
		bench_lateness(MS, 500, "1ms");
		bench_lateness(10 * MS, 100, "10ms");
	}
	if (wanted(argc, argv, "burst"))
		bench_burst(100000);
	if (wanted(argc, argv, "example"))
		bench_seed_example();
	return 0;
}
