/* Attaches that race for a hook's limit: the kernel checks a trampoline's limits (one
 * link per program and function: EBUSY; BPF_MAX_TRAMP_LINKS programs per function:
 * E2BIG) and a device's one XDP link (EBUSY) under the lock that adds the link, so of
 * threads attaching at once exactly as many win as the limit allows
 * (kernel/bpf/trampoline.c __bpf_trampoline_link_prog, net/core/dev.c dev_xdp_attach).
 * Threads start together on a barrier, many rounds; run under TSan as well. */
#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <unistd.h>

#include "bpfrun.h"
#include "difftest.h"

#define THREADS 8
#define ROUNDS 150
#define MAX_TRAMP_LINKS 38

static pthread_barrier_t start;

struct racer {
	int prog_fd, target, attach_type;
	int link_fd, err;
};

static void *race(void *arg)
{
	struct racer *r = arg;

	pthread_barrier_wait(&start);
	r->link_fd = bpf_link_create(r->prog_fd, r->target, r->attach_type, NULL);
	r->err = r->link_fd < 0 ? -r->link_fd : 0;
	return NULL;
}

/* Runs the racers at once: how many won; every loser failed with want_err. */
static int run_round(struct racer *rs, int want_err, int *bad_errs)
{
	pthread_t t[THREADS];
	int won = 0;

	for (int i = 0; i < THREADS; i++)
		pthread_create(&t[i], NULL, race, &rs[i]);
	for (int i = 0; i < THREADS; i++) {
		pthread_join(t[i], NULL);
		won += rs[i].link_fd >= 0;
		*bad_errs += rs[i].link_fd < 0 && rs[i].err != want_err;
	}
	return won;
}

static void close_links(struct racer *rs)
{
	for (int i = 0; i < THREADS; i++)
		if (rs[i].link_fd >= 0)
			close(rs[i].link_fd);
}

/* One fentry program, THREADS attaches of it: one wins, the others get EBUSY. */
static void race_same_prog(int fd)
{
	struct racer rs[THREADS];
	int rounds_ok = 0, bad = 0;

	for (int round = 0; round < ROUNDS; round++) {
		for (int i = 0; i < THREADS; i++)
			rs[i] = (struct racer){ fd, 0, BPF_TRACE_FENTRY, -1, 0 };
		rounds_ok += run_round(rs, EBUSY, &bad) == 1;
		close_links(rs);
	}
	CHECK(rounds_ok == ROUNDS && !bad, "one fentry link per program: %d of %d rounds, %d bad",
	      rounds_ok, ROUNDS, bad);
}

/* Another load of the program behind fd (same instructions, same target). */
static int load_copy(struct bpf_program *p, int fd)
{
	struct bpf_prog_info info = { 0 };
	__u32 len = sizeof(info);

	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return -1;
	LIBBPF_OPTS(bpf_prog_load_opts, o, .expected_attach_type = BPF_TRACE_FENTRY,
		    .attach_btf_id = info.attach_btf_id);
	return bpf_prog_load(BPF_PROG_TYPE_TRACING, "copy", "GPL", bpf_program__insns(p),
			     bpf_program__insn_cnt(p), &o);
}

/* MAX_TRAMP_LINKS - 2 programs attached, THREADS more race: two win, the rest E2BIG. */
static void race_tramp_limit(struct bpf_program *p, int fd)
{
	int base[MAX_TRAMP_LINKS], nbase = MAX_TRAMP_LINKS - 2, rounds_ok = 0, bad = 0;
	struct racer rs[THREADS];

	for (int i = 0; i < nbase; i++) {
		int c = load_copy(p, fd);
		base[i] = c < 0 ? c : bpf_link_create(c, 0, BPF_TRACE_FENTRY, NULL);
		CHECK(base[i] >= 0, "attach %d below the limit: %s", i, strerror(errno));
		close(c);
	}
	for (int i = 0; i < THREADS; i++)
		rs[i].prog_fd = load_copy(p, fd);
	for (int round = 0; round < ROUNDS; round++) {
		for (int i = 0; i < THREADS; i++)
			rs[i] = (struct racer){ rs[i].prog_fd, 0, BPF_TRACE_FENTRY, -1, 0 };
		rounds_ok += run_round(rs, E2BIG, &bad) == 2;
		close_links(rs);
	}
	CHECK(rounds_ok == ROUNDS && !bad, "%d links per function: %d of %d rounds, %d bad",
	      MAX_TRAMP_LINKS, rounds_ok, ROUNDS, bad);
	for (int i = 0; i < THREADS; i++)
		close(rs[i].prog_fd);
	for (int i = 0; i < nbase; i++)
		close(base[i]);
}

/* THREADS XDP links on lo at once: one wins, the others get EBUSY. */
static void race_xdp(int fd)
{
	struct racer rs[THREADS];
	int rounds_ok = 0, bad = 0;

	for (int round = 0; round < ROUNDS; round++) {
		for (int i = 0; i < THREADS; i++)
			rs[i] = (struct racer){ fd, 1, BPF_XDP, -1, 0 };
		rounds_ok += run_round(rs, EBUSY, &bad) == 1;
		close_links(rs);
	}
	CHECK(rounds_ok == ROUNDS && !bad, "one XDP link per device: %d of %d rounds, %d bad",
	      rounds_ok, ROUNDS, bad);
}

int main(void)
{
	struct bpf_object *tramp = load_obj("tramp_funcs"), *xdp = load_obj("link_xdp");

	pthread_barrier_init(&start, NULL, THREADS);
	race_same_prog(prog_fd(tramp, "fe1"));
	race_tramp_limit(find_prog(tramp, "fe2"), prog_fd(tramp, "fe2"));
	race_xdp(prog_fd(xdp, "xdp_pass"));
	pthread_barrier_destroy(&start);
	bpf_object__close(xdp);
	bpf_object__close(tramp);
	return finish();
}
