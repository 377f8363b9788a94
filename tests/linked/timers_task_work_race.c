/* bpf_task_work scheduled by one thread while another frees it, over and over: user
 * space overwrites the array element (cancel-and-free) as a program schedules the
 * element's work.  A schedule must take its reference before the free can drop the
 * last one (ASan reports the use after free otherwise); every schedule returns 0 or
 * -EBUSY, and no callback runs twice for one schedule. */
#include <pthread.h>

#include "bpfrun.h"
#include "difftest.h"

#define ROUNDS 20000

struct elem {
	__u64 tw, ran;
	__u32 key, tid_ok;
};

struct globals {
	__u32 arg, tid;
	__s64 ret[2];
	__s64 cb_ret;
	__u64 callbacks;
};

static struct bpf_object *obj;
static int done; /* atomic */

static void *freer(void *unused)
{
	struct elem zero = { 0 };
	__u32 key = 1;

	(void)unused;
	while (!__atomic_load_n(&done, __ATOMIC_RELAXED))
		bpf_map_update_elem(map_fd(obj, "tw_arr"), &key, &zero, BPF_ANY);
	return NULL;
}

int main(void)
{
	struct globals g = { .arg = 1 };
	__u32 zero = 0, bad = 0, ok = 0;
	pthread_t t;

	obj = load_obj("timers_task_work");
	int bss = map_fd(obj, "timers_t.bss"), prog = prog_fd(obj, "signal_once");
	bpf_map_update_elem(bss, &zero, &g, BPF_ANY);
	CHECK(!pthread_create(&t, NULL, freer, NULL), "thread");
	for (int i = 0; i < ROUNDS; i++) {
		__u32 ret = 1;

		run_prog(prog, NULL, 0, &ret);
		bpf_map_lookup_elem(bss, &zero, &g);
		ok += g.ret[0] == 0;
		bad += ret != 0 || (g.ret[0] != 0 && g.ret[0] != -16);
	}
	__atomic_store_n(&done, 1, __ATOMIC_RELAXED);
	pthread_join(t, NULL);
	bpf_map_lookup_elem(bss, &zero, &g);
	CHECK(!bad, "%u runs returned something else than 0 or -EBUSY", bad);
	CHECK(g.callbacks <= ok, "%llu callbacks for %u schedules", (unsigned long long)g.callbacks,
	      ok);
	bpf_object__close(obj);
	bpfrun_shutdown();
	return finish();
}
