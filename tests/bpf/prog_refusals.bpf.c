/* Programs the kernel's verifier refuses and bpfrun faults at run time instead:
 * a helper call while holding a bpf_spin_lock ("function calls are not allowed while
 * holding a lock"), an element helper on a program array ("cannot pass map_type 3 into
 * func bpf_map_delete_elem#3"). */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct elem {
	struct bpf_spin_lock l;
	__u32 pad;
	__u64 data;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, struct elem);
} hash SEC(".maps");

SEC("tc")
int lookup_under_lock(void *ctx)
{
	__u32 k = 1;
	struct elem *v = bpf_map_lookup_elem(&hash, &k);

	if (!v)
		return 1;
	bpf_spin_lock(&v->l);
	bpf_map_lookup_elem(&hash, &k);
	v->data++;
	bpf_spin_unlock(&v->l);
	return 0;
}

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, __u32);
} jmp SEC(".maps");

SEC("tc")
int delete_in_prog_array(void *ctx)
{
	__u32 k = 0;

	return bpf_map_delete_elem(&jmp, &k);
}

char _license[] SEC("license") = "GPL";
