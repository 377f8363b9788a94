/* bpf_task_work (Linux 6.18): programs schedule a callback for the current task with
 * bpf_task_work_schedule_resume_impl / _signal_impl; it runs when the task returns to
 * user space (here: when the bpf() call that ran the program returns).  Driven by
 * tests/diff/timers_task_work.c. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

/* Newer than Debian 12's uapi headers, matched with the kernel's BTF by name: full
 * definitions, as libbpf 1.1 finds a forward declaration incompatible with the kernel's
 * struct in a kfunc's prototype. */
struct task_struct {
	int pid;
};
struct bpf_map {
	int id;
};
struct bpf_task_work {
	__u64 __opaque;
} __attribute__((aligned(8)));

typedef int (*bpf_task_work_callback_t)(struct bpf_map *map, void *key, void *value);
extern int bpf_task_work_schedule_resume_impl(struct task_struct *task, struct bpf_task_work *tw,
					      void *map__map, bpf_task_work_callback_t callback,
					      void *aux__prog) __ksym;
extern int bpf_task_work_schedule_signal_impl(struct task_struct *task, struct bpf_task_work *tw,
					      void *map__map, bpf_task_work_callback_t callback,
					      void *aux__prog) __ksym;

struct elem {
	struct bpf_task_work tw;
	__u64 ran;
	__u32 key, tid_ok;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, struct elem);
} tw_arr SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, struct elem);
} tw_hash SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, struct elem);
} tw_lru SEC(".maps");

struct globals {
	__u32 arg;       /* key the next run uses */
	__u32 tid;       /* the thread that ran the program */
	__s64 ret[2];    /* what the run's schedules returned */
	__s64 cb_ret;    /* what a callback's own schedule returned */
	__u64 callbacks; /* callbacks run, all maps */
} g;

static int record(struct bpf_map *map, void *key, void *value)
{
	struct elem *e = value;

	e->ran++;
	e->key = *(__u32 *)key;
	e->tid_ok = (__u32)bpf_get_current_pid_tgid() == g.tid;
	__sync_fetch_and_add(&g.callbacks, 1);
	return 0;
}

/* Schedules element 0 of tw_arr from a callback: runs after it, in the same return. */
static int chain(struct bpf_map *map, void *key, void *value)
{
	__u32 k0 = 0;
	struct elem *e = bpf_map_lookup_elem(&tw_arr, &k0);

	record(map, key, value);
	if (e)
		g.cb_ret = bpf_task_work_schedule_resume_impl(bpf_get_current_task_btf(), &e->tw,
							      &tw_arr, record, NULL);
	/* itself again: it runs now, so it is busy */
	g.ret[1] = bpf_task_work_schedule_resume_impl(
		bpf_get_current_task_btf(), &((struct elem *)value)->tw, &tw_arr, record, NULL);
	return 0;
}

static __always_inline struct elem *arr_elem(void)
{
	__u32 k = g.arg;

	g.tid = (__u32)bpf_get_current_pid_tgid();
	return bpf_map_lookup_elem(&tw_arr, &k);
}

/* Twice in one run: the second finds the first still pending. */
SEC("tc")
int resume_twice(void *ctx)
{
	struct elem *e = arr_elem();

	if (!e)
		return 1;
	g.ret[0] = bpf_task_work_schedule_resume_impl(bpf_get_current_task_btf(), &e->tw, &tw_arr,
						      record, NULL);
	g.ret[1] = bpf_task_work_schedule_resume_impl(bpf_get_current_task_btf(), &e->tw, &tw_arr,
						      record, NULL);
	return 0;
}

SEC("tc")
int signal_once(void *ctx)
{
	struct elem *e = arr_elem();

	if (!e)
		return 1;
	g.ret[0] = bpf_task_work_schedule_signal_impl(bpf_get_current_task_btf(), &e->tw, &tw_arr,
						      record, NULL);
	return 0;
}

/* Scheduled, then the element is overwritten in the same run: the array update frees
 * the task work, which never runs. */
SEC("tc")
int arr_then_update(void *ctx)
{
	struct elem *e = arr_elem(), fresh = {};
	__u32 k = g.arg;

	if (!e)
		return 1;
	g.ret[0] = bpf_task_work_schedule_resume_impl(bpf_get_current_task_btf(), &e->tw, &tw_arr,
						      record, NULL);
	g.ret[1] = bpf_map_update_elem(&tw_arr, &k, &fresh, BPF_ANY);
	return 0;
}

/* A callback that schedules another element's work and, busy, fails on its own. */
SEC("tc")
int arr_chain(void *ctx)
{
	struct elem *e = arr_elem();

	if (!e)
		return 1;
	g.ret[0] = bpf_task_work_schedule_resume_impl(bpf_get_current_task_btf(), &e->tw, &tw_arr,
						      chain, NULL);
	return 0;
}

static __always_inline int hash_sched(void *map, int delete)
{
	struct elem fresh = {}, *e;
	__u32 k = g.arg;

	g.tid = (__u32)bpf_get_current_pid_tgid();
	bpf_map_update_elem(map, &k, &fresh, BPF_NOEXIST);
	e = bpf_map_lookup_elem(map, &k);
	if (!e)
		return 1;
	g.ret[0] = bpf_task_work_schedule_resume_impl(bpf_get_current_task_btf(), &e->tw, map,
						      record, NULL);
	g.ret[1] = delete ? bpf_map_delete_elem(map, &k) : 0;
	return 0;
}

SEC("tc")
int hash_sched_keep(void *ctx)
{
	return hash_sched(&tw_hash, 0);
}

/* Scheduled, then the element is deleted in the same run: the work never runs. */
SEC("tc")
int hash_sched_delete(void *ctx)
{
	return hash_sched(&tw_hash, 1);
}

SEC("tc")
int lru_sched_keep(void *ctx)
{
	return hash_sched(&tw_lru, 0);
}

/* ---- for tests/linked/timers_task_work.c (bpfrun only) ---- */

struct telem {
	struct bpf_timer t;
	struct bpf_task_work tw;
	__u64 ran;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, struct telem);
} tw_timer SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} tw_pings SEC(".maps");

static void ping_count(void)
{
	__u32 zero = 0;
	__u64 *n = bpf_map_lookup_elem(&tw_pings, &zero);

	if (n)
		(*n)++;
}

static int count_telem(struct bpf_map *map, void *key, void *value)
{
	((struct telem *)value)->ran++;
	return 0;
}

/* A timer callback schedules a work for its own thread. */
static int timer_fired(void *map, __u32 *key, struct telem *v)
{
	bpf_task_work_schedule_resume_impl(bpf_get_current_task_btf(), &v->tw, &tw_timer,
					   count_telem, NULL);
	return 0;
}

SEC("tc")
int timer_schedules(void *ctx)
{
	__u32 k = 0;
	struct telem *v = bpf_map_lookup_elem(&tw_timer, &k);

	if (!v)
		return 1;
	bpf_timer_init(&v->t, &tw_timer, 1 /* CLOCK_MONOTONIC */);
	bpf_timer_set_callback(&v->t, timer_fired);
	return bpf_timer_start(&v->t, 1000, 0);
}

static int pong(struct bpf_map *map, void *key, void *value);

/* Two works that schedule each other for ever: the kernel's task would never return to
 * user space; bpfrun runs a bounded number per return. */
static int ping(struct bpf_map *map, void *key, void *value)
{
	__u32 k = 1;
	struct telem *other = bpf_map_lookup_elem(&tw_timer, &k);

	ping_count();
	if (other)
		bpf_task_work_schedule_resume_impl(bpf_get_current_task_btf(), &other->tw,
						   &tw_timer, pong, NULL);
	return 0;
}

static int pong(struct bpf_map *map, void *key, void *value)
{
	__u32 k = 0;
	struct telem *other = bpf_map_lookup_elem(&tw_timer, &k);

	ping_count();
	if (other)
		bpf_task_work_schedule_resume_impl(bpf_get_current_task_btf(), &other->tw,
						   &tw_timer, ping, NULL);
	return 0;
}

SEC("tc")
int ping_pong(void *ctx)
{
	__u32 k = 0;
	struct telem *v = bpf_map_lookup_elem(&tw_timer, &k);

	if (!v)
		return 1;
	return bpf_task_work_schedule_resume_impl(bpf_get_current_task_btf(), &v->tw, &tw_timer,
						  ping, NULL);
}

char _license[] SEC("license") = "GPL";
