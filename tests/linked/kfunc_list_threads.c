/* Objects allocated, pushed, popped and dropped from four threads at once on one list
 * (tests/bpf/kfunc_list.bpf.c): every object pushed is popped exactly once, intact (for
 * TSan: the object arena's lock, the lists under their bpf_spin_lock). */
#include <pthread.h>

#include "difftest.h"

#define THREADS 4
#define ROUNDS 2000

static struct bpf_object *obj;
static int push_fd, pop_fd;

/* Runs fd on a len-byte packet (list 0); returns the program's return value. */
static int run(int fd, unsigned len)
{
	unsigned char pkt[128] = { [12] = 0x08 };
	struct __sk_buff ctx = { 0 };
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = pkt, .data_size_in = len, .ctx_in = &ctx,
		    .ctx_size_in = sizeof(ctx), .repeat = 1);

	return bpf_prog_test_run_opts(fd, &o) ? -1000000 : (int)o.retval;
}

/* Pushes ROUNDS objects and pops as many times; returns how many pops found one, or -1
 * when one came back damaged (its key + 1000 when its data matches). */
static void *worker(void *arg)
{
	long popped = 0;

	for (int i = 0; i < ROUNDS; i++) {
		if (run(push_fd, 64 + (unsigned)(i % 32)) != 0)
			return (void *)-1L;
		int r = run(pop_fd, 64);
		if (r && (r < 1064 || r > 1095))
			return (void *)-1L;
		popped += r != 0;
	}
	return (void *)popped;
}

int main(void)
{
	pthread_t t[THREADS];
	long popped = 0;
	int r;

	obj = load_obj("kfunc_list");
	if (!obj)
		return finish();
	push_fd = prog_fd(obj, "push_front");
	pop_fd = prog_fd(obj, "pop_back");
	for (int i = 0; i < THREADS; i++)
		pthread_create(&t[i], NULL, worker, NULL);
	for (int i = 0; i < THREADS; i++) {
		void *res;
		pthread_join(t[i], &res);
		CHECK((long)res >= 0, "thread %d: objects intact", i);
		popped += (long)res;
	}
	while ((r = run(pop_fd, 64)) > 0) /* what is left on the list */
		popped++;
	CHECK(r == 0 && popped == THREADS * ROUNDS, "popped %ld of %d", popped, THREADS * ROUNDS);
	bpf_object__close(obj);
	return finish();
}
