/* One run arms many timers (update + lookup + init + set_callback + start per element)
 * and counts what each step returned; callbacks count themselves. */
#include <linux/bpf.h>
#include <time.h>
#include <errno.h>
#include <bpf/bpf_helpers.h>

struct velem {
	struct bpf_timer t;
	__u64 n;
};

struct margs {
	__u32 count;
	__u32 first;
	__u64 nsecs;
	__u64 ok;
	__u64 enomem;
	__u64 other;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024); /* resized by user space before load */
	__type(key, __u32);
	__type(value, struct velem);
} many SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct margs);
} margs SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} mfired SEC(".maps");

static int count_fire(void *map, __u32 *key, struct velem *v)
{
	__u32 zero = 0;
	__u64 *f = bpf_map_lookup_elem(&mfired, &zero);

	if (f)
		__sync_fetch_and_add(f, 1);
	return 0;
}

static long arm_one(__u32 i, struct margs *a)
{
	__u32 key = a->first + i;
	struct velem fresh = {};
	struct velem *v;
	long err;

	bpf_map_update_elem(&many, &key, &fresh, BPF_ANY);
	v = bpf_map_lookup_elem(&many, &key);
	if (!v) {
		a->other++;
		return 0;
	}
	err = bpf_timer_init(&v->t, &many, CLOCK_MONOTONIC);
	if (!err)
		err = bpf_timer_set_callback(&v->t, count_fire);
	if (!err)
		err = bpf_timer_start(&v->t, a->nsecs, 0);
	if (!err)
		a->ok++;
	else if (err == -ENOMEM)
		a->enomem++;
	else
		a->other++;
	return 0;
}

SEC("tc")
int arm_many(void *ctx)
{
	__u32 zero = 0;
	struct margs *m = bpf_map_lookup_elem(&margs, &zero);
	struct margs a;

	if (!m)
		return 1;
	a = *m;
	a.ok = a.enomem = a.other = 0;
	/* a 32-bit load: the kernel's inlined bpf_loop compares all 64 bits of R1 */
	bpf_loop(*(volatile __u32 *)&m->count, arm_one, &a, 0);
	m->ok = a.ok;
	m->enomem = a.enomem;
	m->other = a.other;
	return 0;
}

char _license[] SEC("license") = "GPL";
