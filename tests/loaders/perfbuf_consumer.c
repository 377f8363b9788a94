/* A perf_buffer consumer, an ordinary libbpf program (argv[1]: maps_perfbuf.bpf.o): a
 * producer thread runs out_trace (tests/bpf/maps_perfbuf.bpf.c) on every CPU in turn
 * while the main thread polls libbpf's perf_buffer, then checks that every record arrived
 * once and unmodified (its sequence number, its bytes, its padded size), and that the
 * lost count libbpf reports is the number of outputs that failed for a full ring.
 * Prints one summary line per phase; exits 1 on any mismatch.  Run under `bpfrun exec`
 * (tests/cli/test_exec_perfbuf.sh), linked with -lbpfrun (tests/linked/perfbuf.c), and
 * against the kernel alike. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#define BURSTS 40
#define PER_BURST 50
#define SIZE 40 /* bytes per record: raw size 44 */
#define MAX_CPUS 64

static struct bpf_object *obj;
static int nr_cpus, producer_runs;
static long errors_seen;
static unsigned char *seen;      /* per sequence number: times received */
static long received, bad, lost; /* callbacks' counts */
static long lost_expected;       /* outputs that failed with -ENOSPC */
static __u64 produced;           /* records the producer wrote */
#define FLUSH_SEQ (1ull << 40)   /* the records that flush a PERF_RECORD_LOST out */

static int fd_of(const char *map)
{
	return bpf_object__find_map_fd_by_name(obj, map);
}

/* out_trace on cpu: n records from seq; the number written, and whether one failed. */
static __u64 produce(int cpu, __u64 n, __u64 seq, long *failed)
{
	LIBBPF_OPTS(bpf_test_run_opts, o, .flags = BPF_F_TEST_RUN_ON_CPU, .cpu = (__u32)cpu);
	__u64 a[4] = { BPF_F_CURRENT_CPU, SIZE, n, seq }, r[4] = { 0 };
	__u32 k = 0;
	struct bpf_program *p = bpf_object__find_program_by_name(obj, "out_trace");

	if (bpf_map_update_elem(fd_of("args"), &k, a, BPF_ANY) ||
	    bpf_prog_test_run_opts(bpf_program__fd(p), &o) ||
	    bpf_map_lookup_elem(fd_of("res"), &k, r)) {
		errors_seen++;
		return 0;
	}
	if ((long long)r[0] == -28)
		(*failed)++;
	else if (r[0])
		errors_seen++;
	return r[1];
}

static void on_sample(void *ctx, int cpu, void *data, __u32 size)
{
	const unsigned char *b = data;
	__u64 seq;

	memcpy(&seq, b, sizeof(seq));
	if (seq >= FLUSH_SEQ)
		return;
	received++;
	bool ok = size == SIZE + 4 && seq < (__u64)BURSTS * PER_BURST * MAX_CPUS &&
		  (int)(seq / ((__u64)BURSTS * PER_BURST)) == cpu;
	for (int j = 8; ok && j < SIZE; j++)
		ok = b[j] == (unsigned char)(seq + (__u64)j);
	if (!ok) {
		bad++;
		return;
	}
	seen[seq]++;
}

static void on_lost(void *ctx, int cpu, __u64 cnt)
{
	lost += (long)cnt;
}

/* Bursts on every CPU; sequence numbers cpu * BURSTS * PER_BURST + i. */
static void *producer(void *arg)
{
	long failed = 0;
	__u64 next[MAX_CPUS] = { 0 };

	for (int b = 0; b < BURSTS; b++)
		for (int c = 0; c < nr_cpus; c++) {
			__u64 base = (__u64)c * BURSTS * PER_BURST;
			next[c] += produce(c, PER_BURST, base + next[c], &failed);
		}
	for (int c = 0; c < nr_cpus; c++)
		produced += next[c];
	__atomic_store_n(&lost_expected, failed, __ATOMIC_RELEASE);
	__atomic_store_n(&producer_runs, 1, __ATOMIC_RELEASE);
	return NULL;
}

static bool check_all(const char *phase)
{
	long dup = 0, once = 0;

	for (__u64 i = 0; i < (__u64)BURSTS * PER_BURST * (__u64)nr_cpus; i++) {
		once += seen[i] == 1;
		dup += seen[i] > 1;
	}
	printf("%s: %ld of %llu records, %ld bad, %ld duplicated, lost %ld (expected %ld)\n", phase,
	       once, (unsigned long long)produced, bad, dup, lost, lost_expected);
	return !bad && !dup && (__u64)once == produced && lost == lost_expected && !errors_seen;
}

/* Phase 1: rings large enough for everything, polled while the producer runs; phase 2:
 * one page per CPU, read only after the producer is done, so outputs fail and the lost
 * counts must add up. */
static bool phase(const char *name, size_t pages, bool expect_all)
{
	struct perf_buffer *pb = perf_buffer__new(fd_of("events"), pages, on_sample, on_lost, NULL,
						  NULL);
	pthread_t t;

	if (!pb) {
		printf("%s: perf_buffer__new failed\n", name);
		return false;
	}
	received = bad = lost = 0;
	lost_expected = 0;
	produced = 0;
	producer_runs = 0;
	memset(seen, 0, (size_t)BURSTS * PER_BURST * (size_t)nr_cpus);
	pthread_create(&t, NULL, producer, NULL);
	while (expect_all && !__atomic_load_n(&producer_runs, __ATOMIC_ACQUIRE))
		perf_buffer__poll(pb, 100);
	pthread_join(t, NULL);
	perf_buffer__consume(pb);
	/* one record more on each CPU after draining: a LOST record goes before it */
	long failed = 0;
	for (int c = 0; c < nr_cpus; c++)
		produce(c, 1, FLUSH_SEQ, &failed);
	perf_buffer__consume(pb);
	bool ok = check_all(name) && !failed;
	perf_buffer__free(pb);
	if (expect_all)
		ok = ok && !lost && produced == (__u64)BURSTS * PER_BURST * (__u64)nr_cpus;
	else
		ok = ok && lost > 0;
	return ok;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: %s maps_perfbuf.bpf.o\n", argv[0]);
		return 2;
	}
	nr_cpus = libbpf_num_possible_cpus();
	if (nr_cpus > MAX_CPUS)
		nr_cpus = MAX_CPUS;
	obj = bpf_object__open_file(argv[1], NULL);
	if (!obj || bpf_object__load(obj)) {
		fprintf(stderr, "cannot load %s\n", argv[1]);
		return 1;
	}
	seen = calloc((size_t)BURSTS * PER_BURST, (size_t)nr_cpus);
	bool ok = seen && phase("all records", 256, true);
	ok = seen && phase("one page per CPU", 1, false) && ok;
	free(seen);
	bpf_object__close(obj);
	return ok ? 0 : 1;
}
