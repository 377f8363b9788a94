/* Local storage and stack traces, for tests/diff/maps_storage.c: task storage through
 * bpf_get_current_task_btf (get with and without BPF_LOCAL_STORAGE_GET_F_CREATE, an
 * initial value, bad flags, delete), cgroup storage with a
 * NULL cgroup, and bpf_get_stackid / bpf_get_stack / bpf_get_task_stack with their flags.
 * Each program reads its arguments from args[0] and writes results to res[0]. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct task_struct;

struct val {
	__u64 count;
	__u64 tag;
};

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct val);
} tasks SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct val);
} tasks2 SEC(".maps");

struct {
	__uint(type, 32 /* BPF_MAP_TYPE_CGRP_STORAGE */);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, __u64);
} cgrps SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct val);
} inits SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64[4]);
} args SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __s64[8]);
} res SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_STACK_TRACE);
	__uint(max_entries, 4096); /* room: distinct stacks rarely share a bucket */
	__uint(key_size, sizeof(__u32));
	__uint(value_size, 127 * sizeof(__u64));
} stacks SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_STACK_TRACE);
	__uint(max_entries, 1);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, 16 * sizeof(__u64));
} stack1 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_STACK_TRACE);
	__uint(map_flags, BPF_F_STACK_BUILD_ID);
	__uint(max_entries, 4096);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, 8 * sizeof(struct bpf_stack_build_id));
} stackb SEC(".maps");

static __u64 *arg(void)
{
	__u32 k = 0;

	return bpf_map_lookup_elem(&args, &k);
}

static __s64 *out(void)
{
	__u32 k = 0;

	return bpf_map_lookup_elem(&res, &k);
}

/* args: flags, which map (0 tasks, 1 tasks2), whether to pass inits[0] as the value.
 * res: found, count after an increment, tag. */
SEC("raw_tp/sys_enter")
int task_get(void *ctx)
{
	struct task_struct *t = (void *)bpf_get_current_task_btf();
	__u64 *a = arg();
	__s64 *r = out();
	__u32 k = 0;
	struct val *init = bpf_map_lookup_elem(&inits, &k), *v;

	if (!a || !r || !init)
		return 1;
	if (a[1])
		v = bpf_task_storage_get(&tasks2, t, a[2] ? init : 0, a[0]);
	else
		v = bpf_task_storage_get(&tasks, t, a[2] ? init : 0, a[0]);
	r[0] = v != 0;
	if (v) {
		v->count++;
		r[1] = v->count;
		r[2] = v->tag;
	}
	return 0;
}

SEC("raw_tp/sys_enter")
int task_del(void *ctx)
{
	struct task_struct *t = (void *)bpf_get_current_task_btf();
	__s64 *r = out();

	if (!r)
		return 1;
	r[0] = bpf_task_storage_delete(&tasks, t);
	return 0;
}

/* A NULL cgroup: no storage, and -EINVAL to delete. */
SEC("raw_tp/sys_enter")
int cgrp_null(void *ctx)
{
	__s64 *r = out();

	if (!r)
		return 1;
	r[0] = bpf_cgrp_storage_get(&cgrps, 0, 0, BPF_LOCAL_STORAGE_GET_F_CREATE) != 0;
	r[1] = bpf_cgrp_storage_delete(&cgrps, 0);
	return 0;
}

/* args: which map (0 stacks, 1 stack1, 2 stackb), flags.  res: the id. */
SEC("raw_tp/sys_enter")
int stackid(void *ctx)
{
	__u64 *a = arg();
	__s64 *r = out();

	if (!a || !r)
		return 1;
	if (a[0] == 0)
		r[0] = bpf_get_stackid(ctx, &stacks, a[1]);
	else if (a[0] == 1)
		r[0] = bpf_get_stackid(ctx, &stack1, a[1]);
	else
		r[0] = bpf_get_stackid(ctx, &stackb, a[1]);
	return 0;
}

/* args: flags, 0: a 256-byte buffer / 1: 12 bytes / 2: bpf_get_task_stack, 256 bytes.
 * res: the result, the first entry's first word is not 0, the rest of the buffer is 0,
 * the status of the first entry as a build id entry. */
SEC("raw_tp/sys_enter")
int getstack(void *ctx)
{
	__u64 buf[32] = {}, *a = arg();
	__s64 *r = out(), ret;

	if (!a || !r)
		return 1;
	if (a[1] == 0)
		ret = bpf_get_stack(ctx, buf, sizeof(buf), a[0]);
	else if (a[1] == 1)
		ret = bpf_get_stack(ctx, buf, 12, a[0]);
	else
		ret = bpf_get_task_stack(bpf_get_current_task_btf(), buf, sizeof(buf), a[0]);
	r[0] = ret;
	r[1] = buf[0] != 0 || buf[1] != 0;
	r[3] = *(__s32 *)buf; /* a build id entry's status */
	r[2] = 1;
	for (int i = 0; i < 32; i++)
		if (ret >= 0 && i * 8 >= ret && buf[i])
			r[2] = 0;
	return 0;
}

char _license[] SEC("license") = "GPL";
