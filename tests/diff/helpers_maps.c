/* Map helpers from programs: return values and the maps' contents afterwards. */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "helpers_common.h"

static struct bpf_object *obj;

static void run_case(const char *name)
{
	res_clear(obj);
	res_print(obj, res_run(obj, name, "results"));
}

static void print_array(const char *name, uint32_t n)
{
	int fd = map_fd(obj, name);

	for (uint32_t k = 0; k < n; k++) {
		unsigned long long v = 0;
		int err = bpf_map_lookup_elem(fd, &k, &v);
		out("  %s[%u] = %llu (%d)", name, k, v, err ? -errno : 0);
	}
}

/* Hash contents in key order (iteration order is the map's business). */
static void print_hash(const char *name)
{
	int fd = map_fd(obj, name);
	unsigned long long sum = 0;
	uint32_t key, next, count = 0, keysum = 0;
	void *prev = NULL;

	while (bpf_map_get_next_key(fd, prev, &next) == 0) {
		unsigned long long v = 0;
		bpf_map_lookup_elem(fd, &next, &v);
		sum += v;
		keysum += next;
		count++;
		key = next;
		prev = &key;
	}
	out("  %s: %u elements, keys sum %u, values sum %llu", name, count, keysum, sum);
}

static void set_percpu(const char *name, uint32_t key, unsigned long long base)
{
	int n = libbpf_num_possible_cpus();
	unsigned long long *v = calloc(n, sizeof(*v));

	for (int c = 0; c < n; c++)
		v[c] = base + c;
	CHECK(bpf_map_update_elem(map_fd(obj, name), &key, v, BPF_ANY) == 0, "set %s", name);
	free(v);
}

#define LOCK_THREADS 2
#define LOCK_REPEAT 20000

static void *lock_runner(void *arg)
{
	char data[64] = { 0 };
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = data, .data_size_in = sizeof(data),
		    .repeat = LOCK_REPEAT);

	*(int *)arg = bpf_prog_test_run_opts(prog_fd(obj, "spinlock"), &opts);
	return NULL;
}

/* Threads incrementing one counter under bpf_spin_lock lose no update. */
static void test_spinlock(void)
{
	pthread_t t[LOCK_THREADS];
	int err[LOCK_THREADS];
	uint32_t k = 0;
	unsigned long long v[2] = { 0, 0 };

	for (int i = 0; i < LOCK_THREADS; i++)
		pthread_create(&t[i], NULL, lock_runner, &err[i]);
	for (int i = 0; i < LOCK_THREADS; i++) {
		pthread_join(t[i], NULL);
		CHECK(err[i] == 0, "spinlock thread %d runs", i);
	}
	CHECK(bpf_map_lookup_elem_flags(map_fd(obj, "locks"), &k, v, BPF_F_LOCK) == 0,
	      "locked lookup");
	out("spinlock: count %llu", v[1]);
}

/* bpf_spin_lock on a value of an inner map (reached through the outer map's lookup). */
static void test_spinlock_inner(void)
{
	for (int i = 0; i < 3; i++) {
		uint32_t retval = 0;
		int err = run_prog(prog_fd(obj, "spinlock_inner"), NULL, 0, &retval);

		out("spinlock_inner: %d, count %u", err, retval);
	}
}

int main(void)
{
	obj = load_obj("helpers_maps");
	unsigned long long vals[4] = { 1, 2, 3, 4 };

	for (uint32_t k = 0; k < 4; k++)
		bpf_map_update_elem(map_fd(obj, "array"), &k, &vals[k], BPF_ANY);
	run_case("elems");
	print_array("array", 4);
	print_hash("hash");
	run_case("fill");
	print_hash("hash");

	set_percpu("pcpu_array", 0, 5);
	set_percpu("pcpu_hash", 1, 50);
	run_case("percpu");

	run_case("foreach");
	print_array("array", 4);
	print_hash("hash");

	test_spinlock();
	test_spinlock_inner();
	bpf_object__close(obj);
	return finish();
}
