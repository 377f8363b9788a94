/* TCX: ns per BPF_PROG_ATTACH + BPF_PROG_DETACH of a program on a device's ingress chain,
 * per TCX link create + close, and per BPF_PROG_QUERY of a four-program chain, on a veth
 * device in a network namespace of the benchmark's own.  Under bpfrun also a packet
 * through that chain (bpfrun_fire, every program TCX_NEXT): the kernel's equivalent is a
 * real packet, not measured here.  Few attaches: each costs the kernel an RCU grace
 * period (tens of ms). */
#include <dlfcn.h>
#include <net/if.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <bpf/bpf.h>

#define TCX_INGRESS 46

typedef int (*fire_fn)(const char *hook, void *ctx, size_t size, uint64_t *ret);

static __u32 ifindex;

static __u64 now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000000000ull + (__u64)ts.tv_nsec;
}

static long sys(int cmd, const void *a, size_t n)
{
	union bpf_attr attr;

	memset(&attr, 0, sizeof(attr));
	memcpy(&attr, a, n);
	return syscall(__NR_bpf, cmd, &attr, sizeof(attr));
}

static long tcx(int cmd, int fd)
{
	__u32 a[8] = { ifindex, (__u32)fd, TCX_INGRESS };

	return sys(cmd, a, sizeof(a));
}

/* A program returning TCX_NEXT (-1). */
static int next_prog(void)
{
	struct bpf_insn insns[] = { { .code = 0xb7, .dst_reg = 0, .imm = -1 }, { .code = 0x95 } };

	return bpf_prog_load(BPF_PROG_TYPE_SCHED_CLS, "next", "GPL", insns, 2, NULL);
}

static double attach_detach(int fd, int n)
{
	__u64 start = now_ns();

	for (int i = 0; i < n; i++)
		if (tcx(BPF_PROG_ATTACH, fd) || tcx(BPF_PROG_DETACH, fd))
			exit(1);
	return (double)(now_ns() - start) / n;
}

static double links(int fd, int n)
{
	__u32 a[8] = { (__u32)fd, ifindex, TCX_INGRESS };
	__u64 start = now_ns();

	for (int i = 0; i < n; i++) {
		long l = sys(BPF_LINK_CREATE, a, sizeof(a));
		if (l < 0)
			exit(1);
		close((int)l);
	}
	return (double)(now_ns() - start) / n;
}

static double queries(int n)
{
	__u32 ids[8], q[18] = { ifindex, TCX_INGRESS };
	__u64 start = now_ns();

	for (int i = 0; i < n; i++) {
		*(__u64 *)&q[4] = (__u64)(uintptr_t)ids;
		q[6] = 8;
		if (sys(BPF_PROG_QUERY, q, sizeof(q)))
			exit(1);
	}
	return (double)(now_ns() - start) / n;
}

static double fires(fire_fn fire, int n)
{
	unsigned char pkt[64] = { 0 };
	char hook[64];
	uint64_t ret;

	snprintf(hook, sizeof(hook), "tc/ingress/%u", ifindex);
	__u64 start = now_ns();
	for (int i = 0; i < n; i++)
		if (fire(hook, pkt, sizeof(pkt), &ret))
			exit(1);
	return (double)(now_ns() - start) / n;
}

int main(void)
{
	if (unshare(CLONE_NEWNET) || system("ip link add bench0 type veth peer name bench1")) {
		fprintf(stderr, "no network namespace with a veth pair\n");
		return 1;
	}
	ifindex = if_nametoindex("bench0");
	int fds[4];
	for (int i = 0; i < 4; i++)
		if ((fds[i] = next_prog()) < 0)
			return 1;
	printf("METRIC tcx_attach_detach %.1f ns\n", attach_detach(fds[0], 50));
	printf("METRIC tcx_link_create_close %.1f ns\n", links(fds[0], 50));
	for (int i = 0; i < 4; i++)
		tcx(BPF_PROG_ATTACH, fds[i]);
	printf("METRIC tcx_query_4 %.1f ns\n", queries(20000));
	fire_fn fire = (fire_fn)dlsym(RTLD_DEFAULT, "bpfrun_fire");
	if (fire)
		printf("METRIC tcx_chain_4_fire %.1f ns\n", fires(fire, 20000));
	return 0;
}
