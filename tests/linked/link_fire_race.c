/* Firing while links come and go: one thread fires the raw tracepoint over and over while
 * another attaches and destroys links to it (and the program's last descriptor goes away
 * under a live link).  Every fire either runs the program or finds nothing; none crashes
 * or runs a freed program (ASan, TSan builds). */
#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <unistd.h>

#include "bpfrun.h"
#include "difftest.h"

static volatile int done;
static long fired, failed;

static void *firer(void *arg)
{
	__u64 args[2] = { 0, 1 };
	uint64_t ret;

	while (!__atomic_load_n(&done, __ATOMIC_ACQUIRE)) {
		if (bpfrun_fire("raw_tp/sched_switch", args, sizeof(args), &ret))
			__atomic_add_fetch(&failed, 1, __ATOMIC_RELAXED);
		__atomic_add_fetch(&fired, 1, __ATOMIC_RELAXED);
	}
	return NULL;
}

int main(void)
{
	struct bpf_object *obj = load_obj("link_probes");
	pthread_t t;

	CHECK(pthread_create(&t, NULL, firer, NULL) == 0, "the firing thread starts");
	for (int i = 0; i < 300; i++) {
		struct bpf_link *l = bpf_program__attach(find_prog(obj, "rtp"));
		CHECK(l != NULL, "attach %d: %s", i, strerror(errno));
		bpf_link__destroy(l);
	}
	struct bpf_link *last = bpf_program__attach(find_prog(obj, "rtp"));
	int map = dup(map_fd(obj, "hits"));
	bpf_object__close(obj); /* the link keeps the program */
	long f0 = __atomic_load_n(&fired, __ATOMIC_RELAXED);
	for (int i = 0; i < 100000 && __atomic_load_n(&fired, __ATOMIC_RELAXED) < f0 + 10; i++)
		usleep(100); /* some fires while only the link holds the program */
	bpf_link__destroy(last);
	__atomic_store_n(&done, 1, __ATOMIC_RELEASE);
	pthread_join(t, NULL);
	__u32 slot = 3;
	__u64 v = 0;
	CHECK(bpf_map_lookup_elem(map, &slot, &v) == 0 && v > 0, "the program ran: %llu",
	      (unsigned long long)v);
	CHECK(failed == 0, "no fire failed (%ld of %ld)", failed, fired);
	close(map);
	return finish();
}
