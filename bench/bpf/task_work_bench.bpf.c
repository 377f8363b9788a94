/* bpf_task_work benchmark programs: the same lookup with and without scheduling a task
 * work whose callback counts.  Driven by bench/task_work_bench.c. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

/* Full definitions: see tests/bpf/timers_task_work.bpf.c. */
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

struct elem {
	struct bpf_task_work tw;
	__u64 ran;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct elem);
} works SEC(".maps");

__u64 failed;

static int count(struct bpf_map *map, void *key, void *value)
{
	((struct elem *)value)->ran++;
	return 0;
}

SEC("tc")
int base(void *ctx)
{
	__u32 k = 0;

	return bpf_map_lookup_elem(&works, &k) ? 0 : 1;
}

SEC("tc")
int sched(void *ctx)
{
	__u32 k = 0;
	struct elem *e = bpf_map_lookup_elem(&works, &k);

	if (!e)
		return 1;
	if (bpf_task_work_schedule_resume_impl(bpf_get_current_task_btf(), &e->tw, &works, count,
					       NULL))
		failed++;
	return 0;
}

char _license[] SEC("license") = "GPL";
