/* The inner map template of maps_in_map.bpf.c's outer_hash: a HASH whose values hold a
 * bpf_timer (the kernel's timer_mim scenario), with the BTF that describes them. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

struct tval {
	struct bpf_timer t;
	__u64 fired;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, struct tval);
} inner_t SEC(".maps");
