/* Local storage and stack helpers from a raw tracepoint program's test runs (ns per call:
 * LOOPS calls per run, less the baseline program's run with the same loop and no call,
 * the median over alternating pairs):
 * bpf_task_storage_get of the current task's existing value, bpf_get_stackid of the same
 * kernel stack, bpf_get_stack of 32 entries; and from user space, a task storage lookup
 * by pidfd (BPF_MAP_LOOKUP_ELEM, ns per call). */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#define LOOPS 100
#define RUNS 200
#define PAIRS 15 /* baseline and measured runs alternate: the median of the differences */

static __u64 now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000000000ull + (__u64)ts.tv_nsec;
}

/* ns per test run of the program (RUNS runs). */
static double per_run(int fd)
{
	__u64 args[2] = { 0 };
	LIBBPF_OPTS(bpf_test_run_opts, o, .ctx_in = args, .ctx_size_in = sizeof(args));
	__u64 start = now_ns();

	for (int i = 0; i < RUNS; i++)
		if (bpf_prog_test_run_opts(fd, &o))
			exit(1);
	return (double)(now_ns() - start) / RUNS;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* ns per helper call of program name: the median over PAIRS of (its run - the baseline's
 * run) / LOOPS, the two runs back to back so that both see the same machine load. */
static double per_call(struct bpf_object *obj, const char *name)
{
	struct bpf_program *p = bpf_object__find_program_by_name(obj, name);
	struct bpf_program *b = bpf_object__find_program_by_name(obj, "baseline");
	double d[PAIRS];

	if (!p || !b)
		exit(1);
	per_run(bpf_program__fd(p)); /* warm: the first call makes the task's value */
	for (int i = 0; i < PAIRS; i++) {
		double base = per_run(bpf_program__fd(b));
		d[i] = (per_run(bpf_program__fd(p)) - base) / LOOPS;
	}
	qsort(d, PAIRS, sizeof(d[0]), cmp_double);
	return d[PAIRS / 2];
}

static double user_lookups(struct bpf_object *obj, int n)
{
	int m = bpf_object__find_map_fd_by_name(obj, "tasks");
	int pfd = (int)syscall(SYS_pidfd_open, getpid(), 0);
	__u64 v = 0;

	if (m < 0 || pfd < 0 || bpf_map_lookup_elem(m, &pfd, &v))
		exit(1);
	__u64 start = now_ns();
	for (int i = 0; i < n; i++)
		bpf_map_lookup_elem(m, &pfd, &v);
	double ns = (double)(now_ns() - start) / n;
	close(pfd);
	return ns;
}

int main(void)
{
	const char *dir = getenv("BPFRUN_BENCH_OBJDIR");
	char path[4096];

	snprintf(path, sizeof(path), "%s/storage_bench.bpf.o", dir ? dir : "bench/bpf");
	struct bpf_object *obj = bpf_object__open_file(path, NULL);
	if (!obj || bpf_object__load(obj)) {
		fprintf(stderr, "cannot load %s\n", path);
		return 1;
	}
	printf("METRIC task_storage_get %.1f ns\n", per_call(obj, "storage_get"));
	printf("METRIC get_stackid %.1f ns\n", per_call(obj, "get_stackid"));
	printf("METRIC get_stack_32 %.1f ns\n", per_call(obj, "get_stack"));
	printf("METRIC task_storage_user_lookup %.1f ns\n", user_lookups(obj, 20000));
	bpf_object__close(obj);
	return 0;
}
