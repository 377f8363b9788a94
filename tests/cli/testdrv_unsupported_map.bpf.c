/* A map type bpfrun does not serve (tests/cli/test_cli_testdrv.sh: the load error names it).
 * Sockets are outside what bpfrun models, so a reuseport socket array stays unsupported. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_REUSEPORT_SOCKARRAY);
	__uint(key_size, 4);
	__uint(value_size, 8);
	__uint(max_entries, 4);
} socks SEC(".maps");

SEC("xdp")
int prog(struct xdp_md *ctx)
{
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
