/* Map commands from user space through libbpf's bpf_map_* calls (under bpfrun they are
 * served by bpfrun, on the kernel by the system call): ns per lookup, update and delete
 * for ARRAY and HASH with 1 and 2 threads.  With 2 threads each works on its own keys;
 * the figure is wall time / operations of all threads.  And us to create a map of 1M
 * values: an array, a preallocated hash and a BPF_F_NO_PREALLOC one. */
#include <pthread.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>

#define OPS 200000u /* per thread */
#define ENTRIES 65536u

enum op { OP_LOOKUP, OP_UPDATE, OP_DELETE };

struct job {
	int fd;
	enum op op;
	__u32 first; /* this thread's keys: first .. first + OPS */
	__u32 span;  /* keys wrap within span (arrays: max_entries) */
};

static __u64 now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000000000ull + (__u64)ts.tv_nsec;
}

static void *run_job(void *arg)
{
	const struct job *j = arg;
	__u64 v = 1;

	for (__u32 i = 0; i < OPS; i++) {
		__u32 key = (j->first + i) % j->span;
		if (j->op == OP_LOOKUP)
			bpf_map_lookup_elem(j->fd, &key, &v);
		else if (j->op == OP_UPDATE)
			bpf_map_update_elem(j->fd, &key, &v, BPF_ANY);
		else
			bpf_map_delete_elem(j->fd, &key);
	}
	return NULL;
}

/* Fills keys [0, n) so lookups and deletes find them. */
static void fill(int fd, __u32 n)
{
	__u64 v = 1;

	for (__u32 k = 0; k < n; k++)
		bpf_map_update_elem(fd, &k, &v, BPF_ANY);
}

static double measure(int fd, enum op op, int threads, __u32 span)
{
	pthread_t t[2];
	struct job jobs[2];
	__u64 start = now_ns();

	for (int i = 0; i < threads; i++) {
		jobs[i] = (struct job){ .fd = fd, .op = op, .first = (__u32)i * OPS, .span = span };
		pthread_create(&t[i], NULL, run_job, &jobs[i]);
	}
	for (int i = 0; i < threads; i++)
		pthread_join(t[i], NULL);
	return (double)(now_ns() - start) / ((double)OPS * threads);
}

static void bench(const char *name, enum bpf_map_type type, __u32 max)
{
	static const char *const ops[] = { "lookup", "update", "delete" };

	for (int threads = 1; threads <= 2; threads++) {
		for (int op = OP_LOOKUP; op <= OP_DELETE; op++) {
			if (type == BPF_MAP_TYPE_ARRAY && op == OP_DELETE)
				continue; /* arrays have no delete */
			__u32 keys = type == BPF_MAP_TYPE_ARRAY ? max : OPS * 2;
			int fd = bpf_map_create(type, "bench", 4, 8, max, NULL);
			if (fd < 0) {
				printf("INFO %s: create failed\n", name);
				return;
			}
			if (op != OP_UPDATE)
				fill(fd, keys);
			double ns = measure(fd, (enum op)op, threads, keys);
			printf("METRIC maps_%s_%s_%dt %.1f ns/op\n", name, ops[op], threads, ns);
			close(fd);
		}
	}
}

/* us to create a map of 1M 24-byte values (the timer benchmark's), as the first such
 * creation of a process meets it: the kernel allocates a preallocated map's memory then,
 * and bpfrun faults it in then too. */
static void bench_create(const char *name, enum bpf_map_type type, __u32 flags)
{
	LIBBPF_OPTS(bpf_map_create_opts, opts, .map_flags = flags);
	__u64 t0 = now_ns();
	int fd = bpf_map_create(type, "create", 4, 24, 1000000, &opts);
	__u64 t = now_ns() - t0;

	if (fd < 0) {
		printf("INFO create %s failed\n", name);
		return;
	}
	printf("METRIC maps_create_%s_1m %.1f us\n", name, (double)t / 1000);
	close(fd);
}

int main(void)
{
	bench("array", BPF_MAP_TYPE_ARRAY, ENTRIES);
	bench("hash", BPF_MAP_TYPE_HASH, OPS * 2);
	bench_create("array", BPF_MAP_TYPE_ARRAY, 0);
	bench_create("hash", BPF_MAP_TYPE_HASH, 0);
	bench_create("hash_no_prealloc", BPF_MAP_TYPE_HASH, BPF_F_NO_PREALLOC);
	return 0;
}
