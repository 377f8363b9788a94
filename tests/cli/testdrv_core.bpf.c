/* A CO-RE relocation against the kernel's types (tests/cli/test_cli_testdrv.sh: --btf
 * where /sys/kernel/btf/vmlinux is missing): returns the size of sk_buff's len field. */
#include <linux/bpf.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>

struct sk_buff___local {
	unsigned int len;
} __attribute__((preserve_access_index));

SEC("xdp")
int core_len(struct xdp_md *ctx)
{
	return bpf_core_field_size(struct sk_buff___local, len);
}

char LICENSE[] SEC("license") = "GPL";

/* A map libbpf pins by name: under --pin-root DIR, at DIR/pinned_cfg. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} pinned_cfg SEC(".maps");
