/* Programs for bench/storage_bench.c: LOOPS calls of one helper per run (or none, the
 * baseline), so that a run's cost divided by LOOPS, less the baseline's, is one call's. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#define LOOPS 100

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, __u64);
} tasks SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_STACK_TRACE);
	__uint(max_entries, 1024);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, 127 * sizeof(__u64));
} stacks SEC(".maps");

volatile __u64 sink;

SEC("raw_tp/sys_enter")
int baseline(void *ctx)
{
	for (int i = 0; i < LOOPS; i++)
		sink += i;
	return 0;
}

SEC("raw_tp/sys_enter")
int storage_get(void *ctx)
{
	struct task_struct *t = bpf_get_current_task_btf();

	for (int i = 0; i < LOOPS; i++) {
		__u64 *v = bpf_task_storage_get(&tasks, t, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
		if (v)
			sink += *v + i;
	}
	return 0;
}

SEC("raw_tp/sys_enter")
int get_stackid(void *ctx)
{
	for (int i = 0; i < LOOPS; i++)
		sink += bpf_get_stackid(ctx, &stacks, 0) + i;
	return 0;
}

SEC("raw_tp/sys_enter")
int get_stack(void *ctx)
{
	__u64 buf[32];

	for (int i = 0; i < LOOPS; i++)
		sink += bpf_get_stack(ctx, buf, sizeof(buf), 0) + i;
	return 0;
}

char _license[] SEC("license") = "GPL";
