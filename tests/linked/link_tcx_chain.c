/* What a packet meets on a device's tc hook, as the kernel's sch_handle_ingress runs it
 * (net/core/dev.c; tcx_run and tcx_action_code, include/net/tcx.h): the TCX chain in
 * order until a program returns other than TCX_NEXT; TCX_PASS, TCX_DROP and
 * TCX_REDIRECT are final, any other code ends the chain and counts as TCX_NEXT; after
 * TCX_NEXT the classic clsact filters run.  bpfrun_fire's *ret is the verdict.  Then
 * threads attach and detach on one chain while another fires (TSan, ASan builds). */
#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>

#include "bpfrun.h"
#include "difftest.h"

#define TCX_INGRESS 46
#define NEXT (-1)

struct attach_attr {
	__u32 ifindex, prog_fd, type, flags, replace_fd, relative;
	__u64 revision;
};

struct state {
	int n;
	int order[16];
	int verdict[8];
};

static int bss;

static long tcx(int cmd, int fd)
{
	union bpf_attr attr;
	struct attach_attr a = { 1, (__u32)fd, TCX_INGRESS, 0, 0, 0, 0 };

	memset(&attr, 0, sizeof(attr));
	memcpy(&attr, &a, sizeof(a));
	return syscall(__NR_bpf, cmd, &attr, sizeof(attr)) < 0 ? -errno : 0;
}

/* A packet with A's verdict a and B's b: which ran, and the verdict. */
static void packet(int a, int b, const char *want_order, int want_verdict)
{
	struct state s = { .verdict = { 0, a, b } };
	unsigned char pkt[64] = { 0 };
	uint64_t ret = 0;
	__u32 zero = 0;
	char order[17] = "";

	pkt[12] = 0x88;
	pkt[13] = 0xb5;
	bpf_map_update_elem(bss, &zero, &s, 0);
	int err = bpfrun_fire("tc/ingress/lo", pkt, sizeof(pkt), &ret);
	bpf_map_lookup_elem(bss, &zero, &s);
	for (int i = 0; i < s.n && i < 16; i++)
		order[i] = (char)('A' + s.order[i] - 1);
	CHECK(!err && !strcmp(order, want_order) && (int)ret == want_verdict,
	      "A says %d, B says %d: ran %s (%s), verdict %d (%d)", a, b, order, want_order,
	      (int)ret, want_verdict);
}

static void chain_then_filters(struct bpf_object *obj)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = 1, .attach_point = BPF_TC_INGRESS);
	LIBBPF_OPTS(bpf_tc_opts, opts, .prog_fd = prog_fd(obj, "tcx_b"));

	CHECK(bpf_tc_hook_create(&hook) == 0 && bpf_tc_attach(&hook, &opts) == 0,
	      "B as a classic filter");
	packet(NEXT, 0, "B", 0); /* no chain yet */
	CHECK(tcx(BPF_PROG_ATTACH, prog_fd(obj, "tcx_a")) == 0, "A in the chain");
	packet(NEXT, 0, "AB", 0);
	packet(NEXT, NEXT, "AB", NEXT);
	packet(2, 0, "A", 2);   /* TCX_DROP */
	packet(0, 2, "A", 0);   /* TCX_PASS */
	packet(7, 0, "A", 7);   /* TCX_REDIRECT */
	packet(1, 2, "AB", 2);  /* an unknown code: the chain ends, the filters run */
	packet(99, 0, "AB", 0); /* the same */
	CHECK(tcx(BPF_PROG_DETACH, prog_fd(obj, "tcx_a")) == 0, "A detached");
	hook.attach_point = BPF_TC_INGRESS | BPF_TC_EGRESS;
	bpf_tc_hook_destroy(&hook);
	CHECK(tcx(BPF_PROG_ATTACH, prog_fd(obj, "tcx_a")) == 0, "A alone");
	packet(NEXT, 0, "A", NEXT); /* the chain says next, nothing else is there */
	tcx(BPF_PROG_DETACH, prog_fd(obj, "tcx_a"));
}

static volatile int done;

static void *firer(void *arg)
{
	unsigned char pkt[64] = { 0 };
	uint64_t ret;

	(void)arg;
	while (!__atomic_load_n(&done, __ATOMIC_ACQUIRE))
		bpfrun_fire("tc/ingress/lo", pkt, sizeof(pkt), &ret);
	return NULL;
}

struct churn {
	int fd, errors;
};

static void *churner(void *arg)
{
	struct churn *c = arg;

	for (int i = 0; i < 300; i++)
		c->errors += tcx(BPF_PROG_ATTACH, c->fd) != 0 || tcx(BPF_PROG_DETACH, c->fd) != 0;
	return NULL;
}

static void race(struct bpf_object *obj)
{
	const char *names[] = { "tcx_a", "tcx_b", "tcx_c", "tcx_d" };
	struct churn c[4];
	pthread_t f, t[4];

	pthread_create(&f, NULL, firer, NULL);
	for (int i = 0; i < 4; i++) {
		c[i] = (struct churn){ prog_fd(obj, names[i]), 0 };
		pthread_create(&t[i], NULL, churner, &c[i]);
	}
	int errors = 0;
	for (int i = 0; i < 4; i++) {
		pthread_join(t[i], NULL);
		errors += c[i].errors;
	}
	__atomic_store_n(&done, 1, __ATOMIC_RELEASE);
	pthread_join(f, NULL);
	CHECK(errors == 0, "attach and detach while packets run: %d errors", errors);
	CHECK(tcx(BPF_PROG_DETACH, 0) == -ENOENT, "the chain is empty after");
}

int main(void)
{
	struct bpf_object *obj = load_obj("link_tcx");

	bss = bpf_map__fd(bpf_object__find_map_by_name(obj, ".bss"));
	chain_then_filters(obj);
	race(obj);
	bpf_object__close(obj);
	return finish();
}
