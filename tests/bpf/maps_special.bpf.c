/* BTF-defined maps whose values hold a struct bpf_timer or a struct bpf_spin_lock, for
 * tests/diff/maps_special.c.  `touch` initializes the timer of key 1 in both timer maps
 * (returning the two bpf_timer_init results packed as (hash + 100) * 1000 + array + 100)
 * and increments the counter beside the spin lock under the lock. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

#define CLOCK_MONOTONIC 1

struct tval {
	__u64 a;
	struct bpf_timer t;
	__u64 b;
};

struct lval {
	struct bpf_spin_lock l;
	__u32 pad;
	__u64 x;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, struct tval);
} thash SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, struct tval);
} tarray SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, struct lval);
} larray SEC(".maps");

SEC("tc")
int touch(struct __sk_buff *skb)
{
	__u32 key = 1;
	long rh = -100, ra = -100;
	struct tval *tv = bpf_map_lookup_elem(&thash, &key);

	if (tv) {
		rh = bpf_timer_init(&tv->t, &thash, CLOCK_MONOTONIC);
		tv->a += 1;
	}
	tv = bpf_map_lookup_elem(&tarray, &key);
	if (tv) {
		ra = bpf_timer_init(&tv->t, &tarray, CLOCK_MONOTONIC);
		tv->b += 1;
	}
	struct lval *lv = bpf_map_lookup_elem(&larray, &key);
	if (lv) {
		bpf_spin_lock(&lv->l);
		lv->x += 1;
		bpf_spin_unlock(&lv->l);
	}
	return (int)((rh + 100) * 1000 + ra + 100);
}
