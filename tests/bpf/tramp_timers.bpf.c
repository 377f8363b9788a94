/* The kernel timer selftests' scenarios (tools/testing/selftests/bpf/progs/timer.c with
 * prog_tests/timer.c), in our own programs: fentry programs on bpf_fentry_test1..5, fired
 * by one test run of a tracing program, arm timers in ARRAY, LRU_HASH and HASH maps
 * (preallocated and not), with BPF_F_TIMER_ABS and BPF_F_TIMER_CPU_PIN; the callbacks
 * re-arm, cancel (others: 1, themselves: -EDEADLK), delete their own element, and see
 * an evicted LRU element's timer gone (-EINVAL). */
#include <linux/bpf.h>
#include <time.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#define EINVAL 22
#define EDEADLK 35
/* bpf_timer_start flags (newer than the installed header) */
#define TIMER_ABS (1ULL << 0)
#define TIMER_CPU_PIN (1ULL << 1)

enum { ARRAY = 1, HTAB = 2, HTAB_NP = 3, LRU = 4, PINNED = 5, DOOMED = 6, ABS = 7 };

struct val {
	int counter;
	struct bpf_timer timer;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2);
	__type(key, int);
	__type(value, struct val);
} array SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4);
	__type(key, int);
	__type(value, struct val);
} lru SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 100);
	__type(key, int);
	__type(value, struct val);
} hmap SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 100);
	__type(key, int);
	__type(value, struct val);
} hmap_np SEC(".maps");

/* One struct, so that the test reads the .data with a known layout. */
struct state {
	__u64 err, ok, hash_left, hash_np_left, abs_target, abs_seen, pin_cpu, pin_seen;
} st = { .hash_left = 52, .hash_np_left = 52 };

/* ARRAY: re-arms itself far ahead, then starts the LRU element's timer. */
static int array_cb(void *map, int *key, struct val *v)
{
	int lru_key = LRU;

	if (bpf_timer_start(&v->timer, 1ull << 35, 0))
		st.err |= 1;
	struct val *l = bpf_map_lookup_elem(&lru, &lru_key);
	if (!l)
		return 0;
	if (bpf_timer_start(&l->timer, 0, 0))
		st.err |= 2;
	return 0;
}

/* LRU: pushes its own element out of the map; its timer is then gone. */
static int lru_cb(void *map, int *key, struct val *v)
{
	for (int i = LRU + 1; i <= 100; i++) {
		struct val init = {};
		int k = i;

		bpf_map_update_elem(map, &k, &init, 0);
		bpf_map_lookup_elem(map, &k);
		if (*key != LRU)
			break;
	}
	if (bpf_timer_cancel(&v->timer) != -EINVAL)
		st.err |= 4;
	st.ok |= 1;
	return 0;
}

SEC("fentry/bpf_fentry_test1")
int BPF_PROG(arm_array_lru, int a)
{
	int akey = ARRAY, lkey = LRU, zero = 0;
	struct val init = {};

	struct val *arr = bpf_map_lookup_elem(&array, &akey);
	bpf_map_update_elem(&lru, &lkey, &init, 0);
	struct val *l = bpf_map_lookup_elem(&lru, &lkey);
	if (!arr || !l)
		return 0;
	bpf_timer_init(&arr->timer, &array, CLOCK_MONOTONIC);
	bpf_timer_init(&l->timer, &lru, CLOCK_MONOTONIC);
	bpf_timer_set_callback(&arr->timer, array_cb);
	bpf_timer_set_callback(&l->timer, lru_cb);
	bpf_timer_start(&arr->timer, 0, 0);
	/* a second, never started timer: freeing the array frees it */
	arr = bpf_map_lookup_elem(&array, &zero);
	if (arr)
		bpf_timer_init(&arr->timer, &array, CLOCK_MONOTONIC);
	return 0;
}

/* HASH (both kinds): counts down, re-arming every microsecond; the last call cancels the
 * array's timer (active: 1), itself (-EDEADLK), deletes its element and cannot start
 * the deleted timer (-EINVAL). */
static int hash_cb(void *map, int *key, struct val *v)
{
	int akey = ARRAY;

	if (*key == HTAB)
		st.hash_left--;
	else
		st.hash_np_left--;
	if (v->counter > 0 && --v->counter) {
		bpf_timer_start(&v->timer, 1000, 0);
		return 0;
	}
	if (*key == HTAB) {
		struct val *arr = bpf_map_lookup_elem(&array, &akey);
		if (arr && bpf_timer_cancel(&arr->timer) != 1)
			st.err |= 8;
	}
	if (bpf_timer_cancel(&v->timer) != -EDEADLK)
		st.err |= 16;
	bpf_map_delete_elem(map, key);
	if (*key == HTAB && bpf_timer_start(&v->timer, 1000, 0) != -EINVAL)
		st.err |= 32;
	st.ok |= *key == HTAB ? 2 : 4;
	return 0;
}

static void arm_hash(void *map, int key)
{
	struct val init = { .counter = 10 };

	bpf_map_update_elem(map, &key, &init, 0);
	struct val *v = bpf_map_lookup_elem(map, &key);
	if (!v)
		return;
	if (bpf_timer_init(&v->timer, map, CLOCK_BOOTTIME))
		st.err |= 64;
	bpf_timer_set_callback(&v->timer, hash_cb);
	bpf_timer_start(&v->timer, 1000, 0);
}

SEC("fentry/bpf_fentry_test2")
int BPF_PROG(arm_hash_timers, int a, __u64 b)
{
	arm_hash(&hmap, HTAB);
	arm_hash(&hmap_np, HTAB_NP);
	return 0;
}

/* BPF_F_TIMER_ABS: fires at the absolute CLOCK_BOOTTIME time it was given. */
static int abs_cb(void *map, int *key, struct val *v)
{
	st.abs_seen = bpf_ktime_get_boot_ns();
	st.ok |= 8;
	return 0;
}

SEC("fentry/bpf_fentry_test3")
int BPF_PROG(arm_abs, char a, int b, __u64 c)
{
	int key = ABS;
	struct val init = {};

	bpf_map_update_elem(&hmap, &key, &init, 0);
	struct val *v = bpf_map_lookup_elem(&hmap, &key);
	if (!v)
		return 0;
	bpf_timer_init(&v->timer, &hmap, CLOCK_BOOTTIME);
	bpf_timer_set_callback(&v->timer, abs_cb);
	st.abs_target = bpf_ktime_get_boot_ns() + 5000;
	if (bpf_timer_start(&v->timer, st.abs_target, TIMER_ABS))
		st.err |= 128;
	return 0;
}

/* BPF_F_TIMER_CPU_PIN: the callback runs on the CPU that armed it. */
static int pin_cb(void *map, int *key, struct val *v)
{
	st.pin_seen = bpf_get_smp_processor_id();
	st.ok |= 16;
	return 0;
}

SEC("fentry/bpf_fentry_test4")
int BPF_PROG(arm_pinned, void *a, char b, int c, __u64 d)
{
	int key = PINNED;
	struct val init = {};

	bpf_map_update_elem(&hmap, &key, &init, 0);
	struct val *v = bpf_map_lookup_elem(&hmap, &key);
	if (!v)
		return 0;
	bpf_timer_init(&v->timer, &hmap, CLOCK_MONOTONIC);
	bpf_timer_set_callback(&v->timer, pin_cb);
	st.pin_cpu = bpf_get_smp_processor_id();
	if (bpf_timer_start(&v->timer, 2000, TIMER_CPU_PIN))
		st.err |= 256;
	return 0;
}

/* A timer whose element is deleted before it is due never fires. */
static int doomed_cb(void *map, int *key, struct val *v)
{
	st.err |= 512;
	return 0;
}

SEC("fentry/bpf_fentry_test5")
int BPF_PROG(arm_doomed, __u64 a, void *b, short c, int d, __u64 e)
{
	int key = DOOMED;
	struct val init = {};

	bpf_map_update_elem(&hmap_np, &key, &init, 0);
	struct val *v = bpf_map_lookup_elem(&hmap_np, &key);
	if (!v)
		return 0;
	bpf_timer_init(&v->timer, &hmap_np, CLOCK_MONOTONIC);
	bpf_timer_set_callback(&v->timer, doomed_cb);
	bpf_timer_start(&v->timer, 3000, 0);
	bpf_map_delete_elem(&hmap_np, &key);
	return 0;
}

char _license[] SEC("license") = "GPL";
