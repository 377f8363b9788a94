/* Task storage from many threads at once, for tests/linked/maps_storage_race.c, and a
 * task pointer that is no task (the kernel's verifier refuses it; bpfrun faults the run). */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, __u64);
} counts SEC(".maps");

/* Counts the runs of the calling thread; returns the count, or 0 without a value. */
SEC("raw_tp/sys_enter")
int bump(void *ctx)
{
	__u64 *v = bpf_task_storage_get(&counts, bpf_get_current_task_btf(), 0,
					BPF_LOCAL_STORAGE_GET_F_CREATE);

	if (!v)
		return 0;
	__sync_fetch_and_add(v, 1);
	return (int)*v;
}

SEC("raw_tp/sys_enter")
int drop(void *ctx)
{
	return (int)bpf_task_storage_delete(&counts, bpf_get_current_task_btf());
}

SEC("raw_tp/sys_enter")
int forged(void *ctx)
{
	return bpf_task_storage_get(&counts, (struct task_struct *)ctx, 0, 0) != 0;
}

char _license[] SEC("license") = "GPL";
