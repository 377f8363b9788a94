/* Task storage under concurrency (bpfrun only; ASan and TSan builds run it too): threads
 * count their own runs in task storage and delete their value now and then while the
 * main thread reads and deletes theirs by pidfd, then the map goes while the threads
 * still live, and the threads exit after it.  Each thread's count restarts at 1 after a
 * delete and never exceeds its runs; nothing crashes or leaks.  A task pointer that is no
 * task faults the run (the kernel's verifier refuses it). */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "difftest.h"

#define THREADS 4
#define RUNS 2000

static struct bpf_object *obj;
static pthread_barrier_t done_running, map_gone;
static pid_t tids[THREADS];
static bool thread_ok[THREADS]; /* read by the main thread after the barrier */

static int run(const char *prog, __u32 *ret)
{
	__u64 ctx[2] = { 0 };
	LIBBPF_OPTS(bpf_test_run_opts, t, .ctx_in = ctx, .ctx_size_in = sizeof(ctx));
	int err = bpf_prog_test_run_opts(prog_fd(obj, prog), &t);

	*ret = t.retval;
	return err;
}

static void *worker(void *arg)
{
	long i = (long)arg;
	__u32 ret, since_drop = 0;
	bool ok = true;

	__atomic_store_n(&tids[i], gettid(), __ATOMIC_RELEASE);
	for (int r = 0; r < RUNS; r++) {
		if (r % 97 == 96) {
			ok &= !run("drop", &ret);
			since_drop = 0;
			continue;
		}
		ok &= !run("bump", &ret);
		since_drop++;
		/* the main thread's deletes may restart the count too */
		ok &= ret >= 1 && ret <= since_drop;
	}
	thread_ok[i] = ok;
	pthread_barrier_wait(&done_running);
	pthread_barrier_wait(&map_gone); /* exits after the map is gone */
	return NULL;
}

int main(void)
{
	pthread_t t[THREADS];
	__u32 ret = 0;

	obj = load_obj("maps_storage_race");
	CHECK(run("forged", &ret) == -EFAULT, "a forged task pointer faults");
	pthread_barrier_init(&done_running, NULL, THREADS + 1);
	pthread_barrier_init(&map_gone, NULL, THREADS + 1);
	for (long i = 0; i < THREADS; i++)
		pthread_create(&t[i], NULL, worker, (void *)i);
	for (int r = 0; r < 200; r++) {
		for (int i = 0; i < THREADS; i++) {
			pid_t tid = __atomic_load_n(&tids[i], __ATOMIC_ACQUIRE);
			int pfd = tid ? (int)syscall(SYS_pidfd_open, tid, O_EXCL) : -1;
			__u64 v;
			if (pfd < 0)
				continue;
			int err = bpf_map_lookup_elem(map_fd(obj, "counts"), &pfd, &v);
			CHECK(!err || errno == ENOENT, "lookup: %d", -errno);
			if (r % 10 == 0)
				bpf_map_delete_elem(map_fd(obj, "counts"), &pfd);
			close(pfd);
		}
	}
	pthread_barrier_wait(&done_running);
	for (int i = 0; i < THREADS; i++)
		CHECK(thread_ok[i], "thread %d: counts within its runs", i);
	bpf_object__close(obj); /* the map goes with the threads' values in it */
	pthread_barrier_wait(&map_gone);
	for (int i = 0; i < THREADS; i++)
		pthread_join(t[i], NULL);
	obj = load_obj("maps_storage_race"); /* a new map: this thread starts again */
	CHECK(!run("bump", &ret) && ret == 1, "a new map's count: %u", ret);
	bpf_object__close(obj);
	return finish();
}
