/* Maps and global data for the core's libbpf tests: BTF-defined ARRAY and HASH maps,
 * .data, .bss and .rodata. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u64);
} core_arr SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16);
	__type(key, __u32);
	__type(value, __u64);
} core_hash SEC(".maps");

__u64 counter = 7;              /* .data */
__u32 bumps;                    /* .bss */
const volatile __u32 step = 42; /* .rodata */

SEC("xdp")
int core_bump(struct xdp_md *ctx)
{
	__u32 key = 0;
	__u64 *v = bpf_map_lookup_elem(&core_arr, &key);

	if (v)
		*v += step;
	counter++;
	bumps += 2;
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
