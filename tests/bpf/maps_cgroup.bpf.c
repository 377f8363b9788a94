/* A CGROUP_ARRAY for tests/diff/maps_cgroup.c: `under` stores
 * bpf_current_task_under_cgroup for indexes 0..4 and 9 in res[0..5], and
 * bpf_skb_under_cgroup for index 0 in res[6]. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_CGROUP_ARRAY);
	__uint(max_entries, 4);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(__u32));
} cgroups SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64[8]);
} res SEC(".maps");

SEC("tc")
int under(struct __sk_buff *skb)
{
	__u32 k = 0;
	__u64 *r = bpf_map_lookup_elem(&res, &k);

	if (!r)
		return 1;
	r[0] = (__u64)bpf_current_task_under_cgroup(&cgroups, 0);
	r[1] = (__u64)bpf_current_task_under_cgroup(&cgroups, 1);
	r[2] = (__u64)bpf_current_task_under_cgroup(&cgroups, 2);
	r[3] = (__u64)bpf_current_task_under_cgroup(&cgroups, 3);
	r[4] = (__u64)bpf_current_task_under_cgroup(&cgroups, 4);
	r[5] = (__u64)bpf_current_task_under_cgroup(&cgroups, 9);
	r[6] = (__u64)bpf_skb_under_cgroup(skb, &cgroups, 0);
	return 0;
}
