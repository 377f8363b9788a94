/* Map helpers from programs: lookup/update/delete with their error returns, per-CPU
 * lookups, bpf_for_each_map_elem and bpf_spin_lock (an inner map's too).  Results go to
 * res[n]. */
#include "helpers_common.h"

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 8);
	__type(key, __u32);
	__type(value, __u64);
} hash SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u64);
} array SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, __u64);
} pcpu_array SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u64);
} pcpu_hash SEC(".maps");

struct locked {
	struct bpf_spin_lock lock;
	__u64 count;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct locked);
} locks SEC(".maps");

/* bpf_spin_lock in a value of an inner map, which the program reaches by lookup only */
struct inner_locks {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct locked);
} inner_locks SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 1);
	__type(key, __u32);
	__array(values, struct inner_locks);
} outer_locks SEC(".maps") = { .values = { &inner_locks } };

SEC("tc")
int elems(void *ctx)
{
	__u32 k1 = 1, k2 = 2, k3 = 3, k5 = 5, k0 = 0;
	__u64 v10 = 10, v11 = 11, v20 = 20, v7 = 7;
	__u64 *v;

	store(0, bpf_map_update_elem(&hash, &k1, &v10, BPF_ANY));
	store(1, bpf_map_update_elem(&hash, &k1, &v11, BPF_NOEXIST));
	store(2, bpf_map_update_elem(&hash, &k2, &v20, BPF_EXIST));
	store(3, bpf_map_update_elem(&hash, &k2, &v20, 4));
	v = bpf_map_lookup_elem(&hash, &k1);
	store(4, v ? (long)*v : -1);
	store(5, bpf_map_lookup_elem(&hash, &k3) == 0);
	store(6, bpf_map_delete_elem(&hash, &k1));
	store(7, bpf_map_delete_elem(&hash, &k1));
	store(8, bpf_map_update_elem(&array, &k5, &v7, BPF_ANY));
	store(9, bpf_map_update_elem(&array, &k1, &v7, BPF_NOEXIST));
	store(10, bpf_map_delete_elem(&array, &k0));
	store(11, bpf_map_lookup_elem(&array, &k5) == 0);
	store(12, bpf_map_update_elem(&array, &k1, &v7, BPF_EXIST));
	v = bpf_map_lookup_elem(&array, &k2);
	if (v)
		*v = 99;
	store(13, bpf_map_update_elem(&array, &k3, &v7, BPF_F_LOCK));
	return 14;
}

SEC("tc")
int fill(void *ctx)
{
	__u64 v = 1;
	int i;

	for (i = 0; i < 9; i++) {
		__u32 k = 100 + i;
		store(i, bpf_map_update_elem(&hash, &k, &v, BPF_NOEXIST));
	}
	return 9;
}

SEC("tc")
int percpu(void *ctx)
{
	__u32 k0 = 0, k1 = 1, k9 = 9;
	__u64 *v;

	v = bpf_map_lookup_percpu_elem(&pcpu_array, &k0, 0);
	store(0, v ? (long)*v : -1);
	v = bpf_map_lookup_percpu_elem(&pcpu_array, &k0, 1);
	store(1, v ? (long)*v : -1);
	store(2, bpf_map_lookup_percpu_elem(&pcpu_array, &k0, 2) == 0);
	store(3, bpf_map_lookup_percpu_elem(&pcpu_array, &k0, 0xffffffff) == 0);
	store(4, bpf_map_lookup_percpu_elem(&pcpu_array, &k9, 0) == 0);
	v = bpf_map_lookup_percpu_elem(&pcpu_hash, &k1, 1);
	store(5, v ? (long)*v : -1);
	store(6, bpf_map_lookup_percpu_elem(&pcpu_hash, &k0, 0) == 0);
	store(7, bpf_map_lookup_percpu_elem(&pcpu_hash, &k1, 2) == 0);
	/* The running CPU's copy through the ordinary lookup. */
	v = bpf_map_lookup_elem(&pcpu_array, &k1);
	if (v)
		*v += 1;
	store(8, v != 0);
	return 9;
}

struct walk {
	__u64 keys, values, calls, stop_at;
};

static long visit(void *map, __u32 *key, __u64 *value, struct walk *w)
{
	w->calls++;
	w->keys += *key;
	w->values += *value;
	*value += 1000;
	return *value == w->stop_at;
}

SEC("tc")
int foreach (void *ctx)
{
	struct walk w = { .stop_at = 1099 };

	store(0, bpf_for_each_map_elem(&array, visit, &w, 0));
	store(1, w.calls);
	store(2, w.keys);
	store(3, w.values);
	w = (struct walk){};
	store(4, bpf_for_each_map_elem(&hash, visit, &w, 0));
	store(5, w.calls);
	store(6, w.keys);
	store(7, w.values);
	store(8, bpf_for_each_map_elem(&array, visit, &w, 1));
	w = (struct walk){};
	store(9, bpf_for_each_map_elem(&pcpu_array, visit, &w, 0));
	store(10, w.keys);
	return 11;
}

SEC("tc")
int spinlock(void *ctx)
{
	__u32 k = 0;
	struct locked *l = bpf_map_lookup_elem(&locks, &k);
	__u64 n;

	if (!l)
		return 0;
	bpf_spin_lock(&l->lock);
	n = ++l->count;
	bpf_spin_unlock(&l->lock);
	return n;
}

SEC("tc")
int spinlock_inner(void *ctx)
{
	__u32 k = 0;
	void *inner = bpf_map_lookup_elem(&outer_locks, &k);
	struct locked *l;
	__u64 n;

	if (!inner)
		return 0;
	l = bpf_map_lookup_elem(inner, &k);
	if (!l)
		return 0;
	bpf_spin_lock(&l->lock);
	n = ++l->count;
	bpf_spin_unlock(&l->lock);
	return n;
}
