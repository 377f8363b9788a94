/* Keys that lie in map memory another thread rewrites: a hash element's own key handed to
 * a bpf_for_each_map_elem callback (user space deletes and re-inserts keys meanwhile, so
 * the element is reused under the callback), and an array value used as a key of a hash and
 * of an array. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16);
	__type(key, __u32);
	__type(value, __u64);
} hash SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} keys SEC(".maps");

static long look_up_own_key(void *map, __u32 *key, __u64 *value, long *found)
{
	if (bpf_map_lookup_elem(&hash, key))
		(*found)++;
	return 0;
}

SEC("tc")
int walk(struct __sk_buff *skb)
{
	long found = 0;
	__u32 zero = 0;

	bpf_for_each_map_elem(&hash, look_up_own_key, &found, 0);
	__u32 *key = bpf_map_lookup_elem(&keys, &zero);
	if (key && bpf_map_lookup_elem(&hash, key))
		found++;
	if (key && bpf_map_lookup_elem(&keys, key))
		found++;
	return found >= 0 ? 0 : 1;
}

char LICENSE[] SEC("license") = "GPL";
