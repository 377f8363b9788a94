/* bpf_task_work benchmark (an ordinary libbpf program: the same code measures the kernel
 * and, under `bpfrun exec`, bpfrun): ns per schedule and callback, one per bpf() call
 * (the callback runs as the call returns), as the difference between test runs of a
 * program that schedules and of the same program without the schedule, interleaved in
 * batches; and how many callbacks ran (every schedule must find the work on standby). */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "difftest.h"

#define BATCH 2000
#define BATCHES 10

struct elem {
	__u64 tw, ran;
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static double batch(int fd)
{
	uint64_t t0 = now_ns();

	for (int i = 0; i < BATCH; i++)
		run_prog(fd, NULL, 0, NULL);
	return (double)(now_ns() - t0);
}

int main(void)
{
	char path[4096];
	const char *dir = getenv("BPFRUN_BENCH_OBJDIR");

	snprintf(path, sizeof(path), "%s/task_work_bench.bpf.o", dir ? dir : "build/bench/bpf");
	struct bpf_object *obj = bpf_object__open_file(path, NULL);
	if (!obj || bpf_object__load(obj)) {
		fprintf(stderr, "load %s failed\n", path);
		return 2;
	}
	int base = prog_fd(obj, "base"), sched = prog_fd(obj, "sched");
	double with = 0, without = 0;

	for (int b = 0; b < BATCHES; b++) {
		without += batch(base);
		with += batch(sched);
	}
	struct elem e = { 0 };
	__u32 zero = 0;
	bpf_map_lookup_elem(map_fd(obj, "works"), &zero, &e);
	printf("METRIC task_work_test_run_base %.1f ns/run\n", without / (BATCH * BATCHES));
	printf("METRIC task_work_schedule_and_callback %.1f ns/op\n",
	       (with - without) / (BATCH * BATCHES));
	printf("METRIC task_work_callbacks_run %.1f callbacks\n", (double)e.ran);
	bpf_object__close(obj);
	return 0;
}
