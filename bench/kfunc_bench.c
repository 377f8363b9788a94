/* Allocation, cast and graph kfuncs through BPF_PROG_TEST_RUN (repeat) on a tc program:
 * ns per bpf_obj_new + bpf_obj_drop pair (a 16-byte and a 4008-byte object), per
 * bpf_cast_to_kern_ctx with one read, and per object pushed on a list and popped, or added
 * to a tree (of up to 64, random keys) and removed, with its allocation and drop, after
 * subtracting an empty run (bench/bpf/kfunc_bench.bpf.c: 64 per run). */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#define PAIRS 64

static __u64 now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000000000ull + (__u64)ts.tv_nsec;
}

/* ns per run of `repeat` runs, best of 5 rounds; exits when a run fails or returns
 * nonzero. */
static double ns_per_run(struct bpf_object *obj, const char *name)
{
	static unsigned char pkt[64] = { [12] = 0x08, [14] = 0x45 };
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = pkt, .data_size_in = sizeof(pkt),
		    .repeat = 20000);
	int fd = bpf_program__fd(bpf_object__find_program_by_name(obj, name));
	double best = 1e18;

	for (int r = 0; r < 5; r++) {
		__u64 start = now_ns();
		if (bpf_prog_test_run_opts(fd, &o) || o.retval) {
			fprintf(stderr, "%s: run failed or returned %u\n", name, o.retval);
			exit(1);
		}
		double ns = (double)(now_ns() - start) / o.repeat;
		best = ns < best ? ns : best;
	}
	return best;
}

int main(void)
{
	const char *dir = getenv("BPFRUN_BENCH_OBJDIR");
	char path[4096];

	snprintf(path, sizeof(path), "%s/kfunc_bench.bpf.o", dir ? dir : "build/bench/bpf");
	struct bpf_object *obj = bpf_object__open_file(path, NULL);
	if (!obj || bpf_object__load(obj)) {
		fprintf(stderr, "cannot load %s\n", path);
		return 1;
	}
	double empty = ns_per_run(obj, "empty");
	printf("METRIC kfunc_obj_new_drop_16b %.1f ns/pair\n",
	       (ns_per_run(obj, "new_drop_small") - empty) / PAIRS);
	printf("METRIC kfunc_obj_new_drop_4k %.1f ns/pair\n",
	       (ns_per_run(obj, "new_drop_page") - empty) / PAIRS);
	printf("METRIC kfunc_cast_to_kern_ctx_read %.1f ns/cast\n",
	       (ns_per_run(obj, "cast_read") - empty) / PAIRS);
	printf("METRIC kfunc_list_new_push_pop_drop %.1f ns/object\n",
	       (ns_per_run(obj, "list_push_pop") - empty) / PAIRS);
	printf("METRIC kfunc_rbtree_new_add_remove_drop %.1f ns/object\n",
	       (ns_per_run(obj, "rbtree_add_remove") - empty) / PAIRS);
	bpf_object__close(obj);
	return 0;
}
