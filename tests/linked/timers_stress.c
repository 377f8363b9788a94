/* Timer stress on the real clock (linked with -lbpfrun; run under ASan and TSan too):
 * threads run programs that init/start/cancel/update/delete timers on shared elements
 * while callbacks re-arm, cancel each other and delete or replace their own elements;
 * user space updates and deletes the same elements; the maps are freed with timers
 * armed and callbacks running; two callbacks cancel each other.  Must end cleanly. */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "bpfrun.h"
#include "../diff/timers_driver.h"

#define THREADS 3
#define RUN_MS 1500

static struct bpf_object *obj;
static atomic_bool stop;
static atomic_ulong failed_runs; /* CHECK is for the main thread only */

static void *program_thread(void *arg)
{
	int fds[2] = { prog_fd(obj, "chaos_hash"), prog_fd(obj, "chaos_arr") };
	unsigned long i = (unsigned long)arg;

	while (!atomic_load(&stop))
		if (run_prog(fds[i++ % 2], NULL, 0, NULL))
			atomic_fetch_add(&failed_runs, 1);
	return NULL;
}

static void *user_thread(void *arg)
{
	int maps[2] = { map_fd(obj, "shash"), map_fd(obj, "sarr") };
	struct {
		uint8_t timer[16];
		uint64_t n;
	} v = { .n = 1 };
	unsigned int seed = 1;

	while (!atomic_load(&stop)) {
		uint32_t r = (uint32_t)rand_r(&seed), key = r % 32;

		if (r & 256)
			bpf_map_update_elem(maps[r & 1], &key, &v, BPF_ANY);
		else
			bpf_map_delete_elem(maps[r & 1], &key);
	}
	return NULL;
}

static uint64_t counter(uint32_t i)
{
	uint64_t v = 0;

	bpf_map_lookup_elem(map_fd(obj, "scount"), &i, &v);
	return v;
}

static void chaos(void)
{
	pthread_t th[THREADS + 1];

	obj = load_obj("timers_stress");
	for (unsigned long i = 0; i < THREADS; i++)
		pthread_create(&th[i], NULL, program_thread, (void *)i);
	pthread_create(&th[THREADS], NULL, user_thread, NULL);
	sleep_ms(RUN_MS);
	atomic_store(&stop, true);
	for (int i = 0; i <= THREADS; i++)
		pthread_join(th[i], NULL);
	out("chaos: runs=%s callbacks=%s", counter(1) > 1000 ? "many" : "few",
	    counter(0) > 100 ? "many" : "few");
	CHECK(counter(0) > 0, "callbacks ran");
	CHECK(atomic_load(&failed_runs) == 0, "every run succeeded");
	/* Free the maps while timers are armed and callbacks may be running. */
	bpf_object__close(obj);
}

/* Two callbacks on different CPUs cancel each other: one gets -EDEADLK, none hangs. */
struct mutual {
	struct drv *d;
	uint32_t key;
	uint64_t at;
};

static void *arm_pinned(void *arg)
{
	struct mutual *m = arg;
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(m->key % 2, &set);
	sched_setaffinity(0, sizeof(set), &set); /* the kernel's CPU is the thread's */

	CHECK(drv_op(m->d, "arm", M_ARR, m->key, BPF_F_TIMER_ABS | BPF_F_TIMER_CPU_PIN, m->at) == 0,
	      "arm");
	return NULL;
}

static void mutual_cancel(void)
{
	struct drv d = drv_open();
	uint64_t at = bpfrun_clock_now(CLOCK_MONOTONIC) + 50 * MS;
	struct mutual a = { &d, 12, at }, b = { &d, 13, at };
	pthread_t ta, tb;
	struct drv_ctl c = { .action = ACT_MUTUAL, .nsecs = 1000 * MS };
	uint32_t slot;

	c.arg = drv_slot(M_ARR, 13), c.arg2 = 13, slot = drv_slot(M_ARR, 12);
	bpf_map_update_elem(d.ctl, &slot, &c, BPF_ANY);
	c.arg = drv_slot(M_ARR, 12), c.arg2 = 12, slot = drv_slot(M_ARR, 13);
	bpf_map_update_elem(d.ctl, &slot, &c, BPF_ANY);
	/* One after the other (they share the args map), from new threads until the two
	 * start on different CPUs (re-arming B replaces it). */
	pthread_create(&ta, NULL, arm_pinned, &a);
	pthread_join(ta, NULL);
	for (int i = 0; i < 8; i++) {
		pthread_create(&tb, NULL, arm_pinned, &b);
		pthread_join(tb, NULL);
		if (drv_res(&d, M_ARR, 12).start_cpu != drv_res(&d, M_ARR, 13).start_cpu)
			break;
	}
	sleep_ms(1500);
	struct drv_res ra = drv_res(&d, M_ARR, 12), rb = drv_res(&d, M_ARR, 13);
	out("mutual cancel: %s / %s, both finished: %d", errname(ra.cb_result),
	    errname(rb.cb_result), ra.done && rb.done);
	CHECK(ra.done && rb.done, "both callbacks finished");
	/* Only callbacks running at once, on two CPUs, can deadlock; pinned to one CPU (the
	 * tries above can all land there on a 2-CPU machine) they run one after the other. */
	if (ra.start_cpu != rb.start_cpu)
		CHECK(ra.cb_result == -EDEADLK || rb.cb_result == -EDEADLK, "one of them gave up");
	bpf_object__close(d.obj);
}

/* Maps freed right after arming many short timers. */
static void free_while_firing(void)
{
	for (int round = 0; round < 20; round++) {
		struct drv d = drv_open();

		for (uint32_t k = 0; k < 16; k++) {
			drv_op(&d, "arm", M_ARR, k, 0, k * 20000);
			drv_op(&d, "arm", M_HASH, k, 0, k * 20000);
		}
		sleep_ms(round % 3);
		bpf_object__close(d.obj);
	}
	struct bpfrun_timer_stats s;

	bpfrun_timer_stats(&s);
	out("after freeing every map: pending=%llu", (unsigned long long)s.pending);
	CHECK(s.pending == 0, "nothing left armed");
}

int main(void)
{
	chaos();
	mutual_cancel();
	free_while_firing();
	bpfrun_shutdown();
	bpfrun_shutdown(); /* idempotent */
	return finish();
}
