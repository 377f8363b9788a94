/* What the helpers_*.bpf.c programs share: the license and the results array, res[n]
 * (32 signed 64-bit slots, read back by tests/diff/helpers_*.c), with store() to fill it. */
#ifndef HELPERS_COMMON_H
#define HELPERS_COMMON_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 32);
	__type(key, __u32);
	__type(value, __s64);
} res SEC(".maps");

static __always_inline void store(__u32 idx, long v)
{
	__s64 *p = bpf_map_lookup_elem(&res, &idx);

	if (p)
		*p = v;
}

#endif
