/* Maps of maps for tests/diff/maps_in_map.c: an ARRAY_OF_MAPS of arrays (one inner map
 * given in the object), a HASH_OF_MAPS of hashes whose values hold a bpf_timer (the
 * kernel's timer_mim scenario), and programs that reach the inner maps by lookup. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

#define CLOCK_MONOTONIC 1

struct inner_array {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u64);
} inner1 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 4);
	__type(key, __u32);
	__array(values, struct inner_array);
} outer_arr SEC(".maps") = {
	.values = { [1] = &inner1 },
};

struct tval {
	struct bpf_timer t;
	__u64 fired;
};

/* The outer hash's inner map template (a HASH of struct tval with a bpf_timer) comes from
 * tests/bpf/maps_in_map_tmpl.bpf.c through bpf_map__set_inner_map_fd: clang 14 would emit
 * only a declaration of struct tval for an __array(values, ...) definition here. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH_OF_MAPS);
	__uint(max_entries, 2);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(__u32));
} outer_hash SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64[4]);
} args SEC(".maps");

__u64 fired;

/* adds args[1] to element args[2] of the inner array at index args[0]; returns the new
 * value, or 1000 when the slot is empty */
SEC("tc")
int bump(struct __sk_buff *skb)
{
	__u32 k = 0;
	__u64 *a = bpf_map_lookup_elem(&args, &k);

	if (!a)
		return 1;
	__u32 index = a[0], elem = a[2];
	void *inner = bpf_map_lookup_elem(&outer_arr, &index);
	if (!inner)
		return 1000;
	__u64 *v = bpf_map_lookup_elem(inner, &elem);
	if (!v)
		return 2000;
	*v += a[1];
	return *v;
}

static int timer_cb(void *map, __u32 *key, struct tval *v)
{
	v->fired++;
	fired++;
	return 0;
}

/* arms the timer of key 0 of the inner hash at outer_hash[args[0]], args[1] ns ahead */
SEC("tc")
int arm(struct __sk_buff *skb)
{
	__u32 k = 0;
	__u64 *a = bpf_map_lookup_elem(&args, &k);

	if (!a)
		return 1;
	__u32 okey = a[0];
	void *inner = bpf_map_lookup_elem(&outer_hash, &okey);
	if (!inner)
		return 1000;
	struct tval *v = bpf_map_lookup_elem(inner, &k);
	if (!v)
		return 2000;
	long err = bpf_timer_init(&v->t, inner, CLOCK_MONOTONIC);
	if (err && err != -16) /* -EBUSY: initialized already */
		return 3000;
	if (bpf_timer_set_callback(&v->t, timer_cb))
		return 4000;
	return bpf_timer_start(&v->t, a[1], 0) ? 5000 : 0;
}
