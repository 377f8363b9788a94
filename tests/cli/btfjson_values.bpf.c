/* Map values the CLI prints through their BTF (tests/cli/test_cli_btfjson.sh): bit-fields
 * in a 4-byte value, which the printer must read without going past the value. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct bits {
	__u32 a : 3;
	__u32 b : 5;
	__u32 c : 24;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct bits);
} bits SEC(".maps");

SEC("xdp")
int touch(struct xdp_md *ctx)
{
	__u32 key = 0;
	struct bits *v = bpf_map_lookup_elem(&bits, &key);

	if (v)
		v->a = 5;
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
