/* Program runs through BPF_PROG_TEST_RUN (bpf_prog_test_run_opts with repeat): wall-clock
 * ns per run of an FNV-1a hash over a 1500-byte packet, a 100,000-iteration bpf_loop, ten
 * hash-map lookups, and the documentation's timer example (seed_timer.bpf.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

static __u64 now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000000000ull + (__u64)ts.tv_nsec;
}

static struct bpf_object *open_obj(const char *path)
{
	struct bpf_object *obj = bpf_object__open_file(path, NULL);

	if (!obj || bpf_object__load(obj)) {
		fprintf(stderr, "cannot load %s\n", path);
		exit(1);
	}
	return obj;
}

static int find_prog_fd(struct bpf_object *obj, const char *name)
{
	return bpf_program__fd(bpf_object__find_program_by_name(obj, name));
}

/* ns per run: wall time of `rounds` test runs of `repeat` each. */
static double ns_per_run(int fd, const void *pkt, __u32 size, __u32 repeat, int rounds)
{
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = pkt, .data_size_in = size, .repeat = repeat);
	__u64 start = now_ns();

	for (int i = 0; i < rounds; i++) {
		if (bpf_prog_test_run_opts(fd, &o)) {
			perror("bpf_prog_test_run_opts");
			exit(1);
		}
	}
	return (double)(now_ns() - start) / ((double)repeat * rounds);
}

int main(void)
{
	const char *dir = getenv("BPFRUN_BENCH_OBJDIR");
	char path[4096];
	static unsigned char pkt[1500];

	for (unsigned i = 0; i < sizeof(pkt); i++)
		pkt[i] = (unsigned char)(i * 13 + 7);
	pkt[12] = 0x08;
	snprintf(path, sizeof(path), "%s/prog_bench.bpf.o", dir ? dir : "build/bench/bpf");
	struct bpf_object *obj = open_obj(path);
	int table = bpf_map__fd(bpf_object__find_map_by_name(obj, "table"));
	for (__u32 k = 0; k < 100; k++) {
		__u64 v = k;
		bpf_map_update_elem(table, &k, &v, BPF_ANY);
	}

	printf("METRIC prog_fnv1a_1500B %.1f ns/run\n",
	       ns_per_run(find_prog_fd(obj, "fnv1a"), pkt, 1500, 2000, 5));
	printf("METRIC prog_bpf_loop_100k %.1f ns/run\n",
	       ns_per_run(find_prog_fd(obj, "loop100k"), pkt, 64, 5, 4));
	printf("METRIC prog_hash_lookup_x10 %.1f ns/run\n",
	       ns_per_run(find_prog_fd(obj, "lookups10"), pkt, 64, 100000, 5));
	printf("METRIC prog_test_run_call_10_lookups %.1f ns/call\n",
	       ns_per_run(find_prog_fd(obj, "lookups10"), pkt, 64, 1, 20000));
	bpf_object__close(obj);

	snprintf(path, sizeof(path), "%s/../../examples/seed_timer.bpf.o",
		 dir ? dir : "build/bench/bpf");
	obj = open_obj(path);
	printf("METRIC prog_seed_timer_example %.1f ns/run\n",
	       ns_per_run(find_prog_fd(obj, "bpf_prog1"), pkt, 64, 20000, 5));
	bpf_object__close(obj);
	return 0;
}
