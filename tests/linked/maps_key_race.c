/* A hash lookup reads its key while another thread rewrites it (run under TSan: the key is
 * read with relaxed atomics, as every write to map memory is): one thread runs a program
 * whose for_each callback looks up each element by the element's own key and then looks
 * up an array value as a key, while another deletes and re-inserts the hash's keys (the
 * freed elements are reused, their keys rewritten) and rewrites the array value. */
#include <pthread.h>

#include "difftest.h"

#define ROUNDS 3000
#define KEYS 16

struct fds {
	int hash, keys;
	int stop; /* atomic */
};

static void *churn(void *arg)
{
	struct fds *f = arg;
	__u64 value = 1;
	__u32 zero = 0;

	for (__u32 round = 0; !__atomic_load_n(&f->stop, __ATOMIC_RELAXED); round++) {
		for (__u32 k = 0; k < KEYS; k++) {
			__u32 key = (k + round) % (2 * KEYS);
			bpf_map_delete_elem(f->hash, &key);
			bpf_map_update_elem(f->hash, &key, &value, BPF_ANY);
		}
		bpf_map_update_elem(f->keys, &zero, &round, BPF_ANY);
	}
	return NULL;
}

int main(void)
{
	struct bpf_object *obj = load_obj("maps_key_race");
	struct fds f = { .hash = map_fd(obj, "hash"), .keys = map_fd(obj, "keys") };
	int prog = prog_fd(obj, "walk");
	unsigned bad = 0, retval;
	pthread_t t;

	CHECK(pthread_create(&t, NULL, churn, &f) == 0, "thread");
	for (int i = 0; i < ROUNDS; i++)
		if (run_prog(prog, NULL, 0, &retval) || retval)
			bad++;
	__atomic_store_n(&f.stop, 1, __ATOMIC_RELAXED);
	pthread_join(t, NULL);
	CHECK(bad == 0, "%u runs failed", bad);
	bpf_object__close(obj);
	return finish();
}
