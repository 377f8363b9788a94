/* Tracing programs and links: ns per BPF_PROG_TEST_RUN of a raw tracepoint program, per
 * attach+detach of a raw tracepoint link (BPF_RAW_TRACEPOINT_OPEN, close) and of a
 * tracepoint perf event with its perf link (perf_event_open, BPF_LINK_CREATE, close).
 * Under bpfrun also the firing of the attached program through bpfrun_fire (the kernel
 * has no such call: its events are real ones). */
#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <linux/perf_event.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

typedef int (*fire_fn)(const char *hook, void *ctx, size_t size, uint64_t *ret);

static __u64 now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000000000ull + (__u64)ts.tv_nsec;
}

static double test_runs(int fd, int n)
{
	__u64 args[4] = { 1, 2, 3, 4 };
	LIBBPF_OPTS(bpf_test_run_opts, o, .ctx_in = args, .ctx_size_in = sizeof(args));
	__u64 start = now_ns();

	for (int i = 0; i < n; i++)
		if (bpf_prog_test_run_opts(fd, &o))
			exit(1);
	return (double)(now_ns() - start) / n;
}

static double raw_tp_links(int fd, int n)
{
	close(bpf_raw_tracepoint_open("sched_switch", fd)); /* warm: bpfrun reads the BTF */
	__u64 start = now_ns();

	for (int i = 0; i < n; i++) {
		int l = bpf_raw_tracepoint_open("sched_switch", fd);
		if (l < 0)
			exit(1);
		close(l);
	}
	return (double)(now_ns() - start) / n;
}

static long tracepoint_id(void)
{
	FILE *f = fopen("/sys/kernel/tracing/events/sched/sched_switch/id", "r");
	long id = -1;

	if (f && fscanf(f, "%ld", &id) != 1)
		id = -1;
	if (f)
		fclose(f);
	return id;
}

static double perf_links(int fd, int n)
{
	struct perf_event_attr attr = { .type = PERF_TYPE_TRACEPOINT,
					.size = sizeof(attr),
					.config = (__u64)tracepoint_id() };
	__u64 start = now_ns();

	for (int i = 0; i < n; i++) {
		int ev = (int)syscall(__NR_perf_event_open, &attr, -1, 0, -1, PERF_FLAG_FD_CLOEXEC);
		int l = ev < 0 ? -1 : bpf_link_create(fd, ev, BPF_PERF_EVENT, NULL);
		if (l < 0)
			exit(1);
		close(l);
		close(ev);
	}
	return (double)(now_ns() - start) / n;
}

static double fires(fire_fn fire, int fd, int n)
{
	__u64 args[4] = { 1, 2, 3, 4 };
	uint64_t ret;
	int l = bpf_raw_tracepoint_open("sched_switch", fd);
	__u64 start = now_ns();

	for (int i = 0; i < n; i++)
		if (fire("raw_tp/sched_switch", args, sizeof(args), &ret))
			exit(1);
	double ns = (double)(now_ns() - start) / n;
	close(l);
	return ns;
}

int main(void)
{
	const char *dir = getenv("BPFRUN_BENCH_OBJDIR");
	char path[4096];

	snprintf(path, sizeof(path), "%s/tracing_bench.bpf.o", dir ? dir : "build/bench/bpf");
	struct bpf_object *obj = bpf_object__open_file(path, NULL);
	if (!obj || bpf_object__load(obj)) {
		fprintf(stderr, "cannot load %s\n", path);
		return 1;
	}
	int tp_raw = bpf_program__fd(bpf_object__find_program_by_name(obj, "on_switch"));
	printf("METRIC raw_tp_test_run %.1f ns\n", test_runs(tp_raw, 20000));
	printf("METRIC raw_tp_link_open_close %.1f ns\n", raw_tp_links(tp_raw, 200));
	/* a tracepoint program for the perf link: the kernel's type rule */
	struct bpf_insn insns[] = { { .code = 0xb7, .dst_reg = 0, .imm = 0 }, { .code = 0x95 } };
	int tp = bpf_prog_load(BPF_PROG_TYPE_TRACEPOINT, "tp", "GPL", insns, 2, NULL);
	if (tp >= 0)
		printf("METRIC tp_perf_link_open_close %.1f ns\n", perf_links(tp, 20));
	fire_fn fire = (fire_fn)dlsym(RTLD_DEFAULT, "bpfrun_fire");
	if (fire)
		printf("METRIC raw_tp_fire %.1f ns\n", fires(fire, tp_raw, 20000));
	bpf_object__close(obj);
	return 0;
}
