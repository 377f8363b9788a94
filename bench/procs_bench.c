/* One bpf() round trip from user space: an ARRAY map lookup, and a test run of the timer
 * documentation's example (tests/bpf/timers_seed.bpf.o); and the calls a loader makes to
 * attach: a tracepoint perf event opened and closed, PERF_EVENT_IOC_ENABLE on it, an
 * rtnetlink request the kernel answers (RTM_GETLINK of lo), bpf_tc_query of a filter on lo
 * (in a network namespace of its own: the host's lo is never touched), bpfrun_fire of a
 * kprobe (bpfrun only); and what must cost nothing more under the runtime's filter: an
 * ioctl and a sendto it does not trap.  bench/run-procs runs it against the kernel, with
 * bpfrun in the process (exec --in-process) and through the per-user runtime (exec), and
 * prints ns per call side by side. */
#include <dlfcn.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <linux/netlink.h>
#include <linux/perf_event.h>
#include <linux/ptrace.h>
#include <linux/rtnetlink.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#define ATTACH_CALLS 2000u
#define PERF_OPENS 20u

#define LOOKUPS 20000u
#define RUNS 5000u

static __u64 now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000000000ull + (__u64)ts.tv_nsec;
}

static void metric(const char *name, __u64 t0, unsigned int n)
{
	printf("METRIC %s %.0f ns/call\n", name, (double)(now_ns() - t0) / n);
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
	metric("map_lookup", t, LOOKUPS);
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
	metric("test_run_seed_timer", t, RUNS);
	bpf_object__close(obj);
}

static int tracepoint_event(void)
{
	char text[32] = "";
	FILE *f = fopen("/sys/kernel/tracing/events/sched/sched_switch/id", "r");

	if (!f || !fgets(text, sizeof(text), f)) {
		if (f)
			fclose(f);
		return -1;
	}
	fclose(f);
	struct perf_event_attr attr = { .type = PERF_TYPE_TRACEPOINT,
					.size = sizeof(attr),
					.config = strtoull(text, NULL, 10) };
	return (int)syscall(__NR_perf_event_open, &attr, -1, 0, -1, PERF_FLAG_FD_CLOEXEC);
}

/* What the filter lets through untouched (no round trip), and the perf calls it traps. */
static void perf_and_untrapped(void)
{
	int sv[2], pending = 0;
	char byte = 0;

	if (socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, sv))
		return;
	__u64 t = now_ns();
	for (__u32 i = 0; i < LOOKUPS; i++)
		ioctl(sv[0], FIONREAD, &pending);
	metric("ioctl_untrapped", t, LOOKUPS);
	t = now_ns();
	for (__u32 i = 0; i < LOOKUPS; i++) {
		send(sv[0], &byte, 1, 0);
		recv(sv[1], &byte, 1, 0);
	}
	metric("send_recv_untrapped", t, LOOKUPS);
	close(sv[0]);
	close(sv[1]);
	t = now_ns();
	for (__u32 i = 0; i < PERF_OPENS; i++)
		close(tracepoint_event());
	metric("perf_open_close", t, PERF_OPENS);
	int ev = tracepoint_event();
	t = now_ns();
	for (__u32 i = 0; i < ATTACH_CALLS; i++)
		ioctl(ev, PERF_EVENT_IOC_ENABLE, 0);
	metric("perf_ioctl_enable", t, ATTACH_CALLS);
	close(ev);
}

/* RTM_GETLINK of lo and its reply: a request the kernel answers. */
static void netlink_getlink(void)
{
	int sock = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	struct {
		struct nlmsghdr nh;
		struct ifinfomsg ifi;
	} req = { { NLMSG_LENGTH(sizeof(struct ifinfomsg)), RTM_GETLINK, NLM_F_REQUEST, 0, 0 },
		  { .ifi_index = 1 } };
	char buf[8192];

	if (sock < 0)
		return;
	__u64 t = now_ns();
	for (__u32 i = 0; i < ATTACH_CALLS; i++) {
		req.nh.nlmsg_seq = i;
		send(sock, &req, req.nh.nlmsg_len, 0);
		recv(sock, buf, sizeof(buf), 0);
	}
	metric("netlink_getlink", t, ATTACH_CALLS);
	close(sock);
}

/* bpf_tc_query of a filter on lo, in a network namespace of this process's own. */
static void tc_query(void)
{
	struct bpf_insn ret0[] = { { .code = 0xb7 }, { .code = 0x95 } }; /* r0 = 0; exit */
	int prog = bpf_prog_load(BPF_PROG_TYPE_SCHED_CLS, "procs_tc", "GPL", ret0, 2, NULL);
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = 1, .attach_point = BPF_TC_INGRESS);
	LIBBPF_OPTS(bpf_tc_opts, opts, .handle = 1, .priority = 1, .prog_fd = prog);

	if (prog < 0 || unshare(CLONE_NEWNET) || bpf_tc_hook_create(&hook) ||
	    bpf_tc_attach(&hook, &opts)) {
		fprintf(stderr, "tc_query: no tc filter on a private lo\n");
		return;
	}
	__u64 t = now_ns();
	for (__u32 i = 0; i < ATTACH_CALLS; i++) {
		LIBBPF_OPTS(bpf_tc_opts, q, .handle = 1, .priority = 1);
		bpf_tc_query(&hook, &q);
	}
	metric("tc_query", t, ATTACH_CALLS);
	bpf_tc_hook_destroy(&hook);
	close(prog);
}

/* bpfrun_fire of a kprobe with nothing attached: the trigger API's round trip. */
static void fire(void)
{
	int (*fire_fn)(const char *, void *, size_t, uint64_t *) = (int (*)(
		const char *, void *, size_t, uint64_t *))dlsym(RTLD_DEFAULT, "bpfrun_fire");
	struct pt_regs regs = { 0 };

	if (!fire_fn)
		return;
	__u64 t = now_ns();
	for (__u32 i = 0; i < ATTACH_CALLS; i++)
		fire_fn("kprobe/do_unlinkat", &regs, sizeof(regs), NULL);
	metric("fire_kprobe", t, ATTACH_CALLS);
}

int main(void)
{
	map_lookup();
	test_run();
	perf_and_untrapped();
	netlink_getlink();
	fire();
	tc_query(); /* last: it leaves the host's network namespace */
	return 0;
}
