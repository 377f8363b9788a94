/* One bpf() round trip from user space: an ARRAY map lookup, and a test run of the timer
 * documentation's example (tests/bpf/timers_seed.bpf.o).  bench/run-procs runs it against
 * the kernel, with bpfrun in the process (exec --in-process) and through the per-user
 * runtime (exec), and prints ns per call side by side. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#define LOOKUPS 20000u
#define RUNS 5000u

static __u64 now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000000000ull + (__u64)ts.tv_nsec;
}

static void map_lookup(void)
{
	int fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "procs_bench", 4, 8, 1, NULL);
	__u32 key = 0;
	__u64 v = 0;

	if (fd < 0) {
		perror("map create");
		exit(1);
	}
	__u64 t = now_ns();
	for (__u32 i = 0; i < LOOKUPS; i++)
		bpf_map_lookup_elem(fd, &key, &v);
	printf("METRIC map_lookup %.0f ns/call\n", (double)(now_ns() - t) / LOOKUPS);
}

static void test_run(void)
{
	char path[4096], pkt[64] = { 0 };
	const char *dir = getenv("BPFRUN_TEST_OBJDIR");

	snprintf(path, sizeof(path), "%s/timers_seed.bpf.o", dir ? dir : "build/tests/bpf");
	libbpf_set_print(NULL);
	struct bpf_object *obj = bpf_object__open_file(path, NULL);
	if (libbpf_get_error(obj) || bpf_object__load(obj)) {
		fprintf(stderr, "cannot load %s\n", path);
		exit(1);
	}
	int fd = bpf_program__fd(bpf_object__find_program_by_name(obj, "bpf_prog1"));
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = pkt, .data_size_in = sizeof(pkt));
	__u64 t = now_ns();
	for (__u32 i = 0; i < RUNS; i++)
		bpf_prog_test_run_opts(fd, &opts);
	printf("METRIC test_run_seed_timer %.0f ns/call\n", (double)(now_ns() - t) / RUNS);
	bpf_object__close(obj);
}

int main(void)
{
	map_lookup();
	test_run();
	return 0;
}
