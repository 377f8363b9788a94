/* Which programs may use a map whose values hold a bpf_spin_lock, for
 * tests/diff/maps_storage.c: not tracing programs, not socket filters (the kernel's
 * check_map_prog_compatibility); a tc program may take the lock of a storage value. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct lval {
	struct bpf_spin_lock lock;
	__u32 n;
};

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct lval);
} locked_tasks SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct lval);
} locked_array SEC(".maps");

SEC("raw_tp/sys_enter")
int tracing_lock(void *ctx)
{
	struct lval *v = bpf_task_storage_get(&locked_tasks, bpf_get_current_task_btf(), 0,
					      BPF_LOCAL_STORAGE_GET_F_CREATE);

	return v ? v->n : 0;
}

SEC("socket")
int filter_lock(struct __sk_buff *skb)
{
	__u32 k = 0;
	struct lval *v = bpf_map_lookup_elem(&locked_array, &k);

	return v ? v->n : 0;
}

SEC("tc")
int tc_lock(struct __sk_buff *skb)
{
	__u32 k = 0;
	struct lval *v = bpf_map_lookup_elem(&locked_array, &k);

	if (!v)
		return 0;
	bpf_spin_lock(&v->lock);
	v->n++;
	bpf_spin_unlock(&v->lock);
	return 0;
}

/* Task storage from a tc program, counting under the value's lock: the count. */
SEC("tc")
int tc_task_lock(struct __sk_buff *skb)
{
	struct lval *v = bpf_task_storage_get(&locked_tasks, bpf_get_current_task_btf(), 0,
					      BPF_LOCAL_STORAGE_GET_F_CREATE);
	__u32 n;

	if (!v)
		return 0;
	bpf_spin_lock(&v->lock);
	n = ++v->n;
	bpf_spin_unlock(&v->lock);
	return n;
}

char _license[] SEC("license") = "GPL";
