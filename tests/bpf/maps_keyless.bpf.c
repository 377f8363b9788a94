/* QUEUE, STACK, BLOOM_FILTER and LPM_TRIE for tests/diff/maps_keyless.c: programs that
 * push, pop and peek, test bloom membership, and look up, update and delete prefixes.
 * Inputs in args[0..3], results in res[0..15]. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_QUEUE);
	__uint(max_entries, 4);
	__type(value, __u64);
} queue SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_STACK);
	__uint(max_entries, 4);
	__type(value, __u64);
} stack SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_BLOOM_FILTER);
	__uint(max_entries, 100);
	__type(value, __u32);
	__uint(map_extra, 3);
	__uint(map_flags, BPF_F_ZERO_SEED);
} bloom SEC(".maps");

struct lpm_key {
	__u32 prefixlen;
	__u8 data[4];
};

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, 16);
	__type(key, struct lpm_key);
	__type(value, __u64);
	__uint(map_flags, BPF_F_NO_PREALLOC);
} lpm SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64[16]);
} res SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64[4]);
} args SEC(".maps");

static __u64 *get(void *map)
{
	__u32 k = 0;

	return bpf_map_lookup_elem(map, &k);
}

/* pushes args[0] values (100, 101, ...) with flags args[1] on both, then pops all:
 * res[0..5] push results (queue), res[6] = last stack push result, res[7..15] popped
 * values, queue first then stack (0 after the first -ENOENT, whose code is stored) */
SEC("tc")
int queue_stack(struct __sk_buff *skb)
{
	__u64 *a = get(&args), *r = get(&res), v;

	if (!a || !r)
		return 1;
	for (int i = 0; i < 6 && i < a[0]; i++) {
		v = 100 + i;
		r[i] = (__u64)bpf_map_push_elem(&queue, &v, a[1]);
		r[6] = (__u64)bpf_map_push_elem(&stack, &v, a[1]);
	}
	long err = bpf_map_peek_elem(&queue, &v);
	r[7] = err ? (__u64)err : v;
	for (int i = 8; i < 16; i++) {
		void *m = i < 12 ? (void *)&queue : (void *)&stack;
		err = bpf_map_pop_elem(m, &v);
		r[i] = err ? (__u64)err : v;
	}
	return 0;
}

/* res[0] = members among 0..args[0]-1 (bloom peek), then pushes args[1] */
SEC("tc")
int bloom_test(struct __sk_buff *skb)
{
	__u64 *a = get(&args), *r = get(&res);

	if (!a || !r)
		return 1;
	r[0] = 0;
	for (__u32 i = 0; i < 512 && i < a[0]; i++) {
		__u32 probe = i;

		if (!bpf_map_peek_elem(&bloom, &probe))
			r[0]++;
	}
	__u32 v = a[1];
	r[1] = (__u64)bpf_map_push_elem(&bloom, &v, 0);
	r[2] = (__u64)bpf_map_push_elem(&bloom, &v, BPF_EXIST);
	return 0;
}

/* lookup of args[0] (an IPv4 address, network order) with prefix args[1]: res[0] value
 * or 0; then adds args[2] at args[0]/args[3] (res[1]) and deletes it again when
 * args[2] is 0 (res[2]) */
SEC("tc")
int lpm_test(struct __sk_buff *skb)
{
	__u64 *a = get(&args), *r = get(&res);
	struct lpm_key k;

	if (!a || !r)
		return 1;
	k.prefixlen = a[1];
	__builtin_memcpy(k.data, &a[0], 4);
	__u64 *v = bpf_map_lookup_elem(&lpm, &k);
	r[0] = v ? *v : 0;
	if (v)
		*v += 1000;
	k.prefixlen = a[3];
	__u64 nv = a[2];
	if (nv)
		r[1] = (__u64)bpf_map_update_elem(&lpm, &k, &nv, BPF_NOEXIST);
	else
		r[2] = (__u64)bpf_map_delete_elem(&lpm, &k);
	return 0;
}
