/* Verification time per program: each program is loaded alone, LOADS times, with the
 * kernel's statistics log (log_level 4), and the median of the "verification time N
 * usec" it reports is printed, beside the median wall time of the whole load (object
 * open, maps, BPF_PROG_LOAD, close).  Against the kernel and under bpfrun the same
 * programs: real parsers (packet01, softirqs), the benchmark programs and the timer
 * stress program with its async callbacks. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#define LOADS 21

static char log_buf[1 << 16];

static unsigned long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (unsigned long long)ts.tv_sec * 1000000000ull + (unsigned long long)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return v[n / 2];
}

/* One load of prog alone: its verification time (usec, from the log), wall time in *wall. */
static double load_once(const char *path, const char *prog, double *wall)
{
	unsigned long long start = now_ns();
	struct bpf_object *obj = bpf_object__open_file(path, NULL);
	struct bpf_program *p;

	if (!obj) {
		fprintf(stderr, "cannot open %s\n", path);
		exit(1);
	}
	bpf_object__for_each_program(p, obj)
	{
		bool me = !strcmp(bpf_program__name(p), prog);
		bpf_program__set_autoload(p, me);
		if (me) {
			bpf_program__set_log_buf(p, log_buf, sizeof(log_buf));
			bpf_program__set_log_level(p, 4);
		}
	}
	if (bpf_object__load(obj)) {
		fprintf(stderr, "cannot load %s/%s\n", path, prog);
		exit(1);
	}
	bpf_object__close(obj);
	*wall = (double)(now_ns() - start) / 1000.0;
	const char *t = strstr(log_buf, "verification time ");
	return t ? strtod(t + strlen("verification time "), NULL) : -1;
}

static void bench(const char *dir_env, const char *obj, const char *prog)
{
	const char *dir = getenv(dir_env);
	char path[4096];
	double verify[LOADS], wall[LOADS];

	snprintf(path, sizeof(path), "%s/%s.bpf.o", dir ? dir : ".", obj);
	for (int i = 0; i < LOADS; i++)
		verify[i] = load_once(path, prog, &wall[i]);
	printf("METRIC verify_%s %.0f usec\n", prog, median(verify, LOADS));
	printf("METRIC load_%s %.0f usec\n", prog, median(wall, LOADS));
}

int main(void)
{
	libbpf_set_print(NULL);
	bench("BPFRUN_TEST_OBJDIR", "verifier_real", "packet01_fixed");
	bench("BPFRUN_TEST_OBJDIR", "verifier_real", "softirqs_bounded");
	bench("BPFRUN_BENCH_OBJDIR", "prog_bench", "fnv1a");
	bench("BPFRUN_TEST_OBJDIR", "timers_stress", "chaos_hash");
	bench("BPFRUN_BENCH_OBJDIR", "prog_bench", "lookups10");
	return 0;
}
