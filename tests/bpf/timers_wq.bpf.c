/* bpf_wq (Linux 6.10): bpf_wq_init, bpf_wq_set_callback_impl, bpf_wq_start, with a
 * sleepable callback on a worker.  Each program does one step on the element whose key
 * the `arg` global names and returns the kfunc's result; callbacks count their runs and
 * record the key and value they were given.  (The kernel also lets a work item's callback
 * call sleepable helpers such as bpf_copy_from_user, from any program type: bpfrun has
 * none of them yet.) */
#include <linux/bpf.h>
#include <time.h>
#include <errno.h>
#include <bpf/bpf_helpers.h>

/* Newer than Debian 12's uapi headers: the kernel's layout, matched by BTF name. */
struct bpf_wq {
	__u64 __opaque[2];
} __attribute__((aligned(8)));

extern int bpf_wq_init(struct bpf_wq *wq, void *p__map, unsigned int flags) __ksym;
extern int bpf_wq_start(struct bpf_wq *wq, unsigned int flags) __ksym;
extern int bpf_wq_set_callback_impl(struct bpf_wq *wq,
				    int (*callback_fn)(void *map, int *key, void *value),
				    unsigned int flags__k, void *aux__ign) __ksym;

struct elem {
	struct bpf_wq w;
	__u64 ran;      /* callbacks run */
	__u32 key;      /* the key the last callback was given */
	__u32 value_ok; /* its value pointer was this element's */
	__u64 stamp;    /* written by the programs, read back by callbacks */
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, struct elem);
} wq_arr SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, struct elem);
} wq_hash SEC(".maps");

__u32 arg;      /* the key a program acts on */
__u64 cb_total; /* callbacks, every element */

static int wq_cb(void *map, int *key, void *value)
{
	struct elem *e = value;

	e->ran++;
	e->key = *key;
	e->value_ok = e->stamp == 0x5eed + *key;
	__sync_fetch_and_add(&cb_total, 1);
	return 0;
}

static struct elem *arr_elem(void)
{
	__u32 k = arg;
	struct elem *e = bpf_map_lookup_elem(&wq_arr, &k);

	if (e)
		e->stamp = 0x5eed + k;
	return e;
}

static struct elem *hash_elem(void)
{
	__u32 k = arg;
	struct elem fresh = {}, *e = bpf_map_lookup_elem(&wq_hash, &k);

	if (!e) {
		bpf_map_update_elem(&wq_hash, &k, &fresh, BPF_NOEXIST);
		e = bpf_map_lookup_elem(&wq_hash, &k);
	}
	if (e)
		e->stamp = 0x5eed + k;
	return e;
}

#define NO_ELEM 1000

SEC("tc") int arr_init(void *ctx)
{
	struct elem *e = arr_elem();

	return e ? bpf_wq_init(&e->w, &wq_arr, 0) : NO_ELEM;
}

SEC("tc") int arr_init_flags(void *ctx)
{
	struct elem *e = arr_elem();

	return e ? bpf_wq_init(&e->w, &wq_arr, 1) : NO_ELEM;
}

SEC("tc") int arr_setcb(void *ctx)
{
	struct elem *e = arr_elem();

	return e ? bpf_wq_set_callback_impl(&e->w, wq_cb, 0, NULL) : NO_ELEM;
}

SEC("tc") int arr_setcb_flags(void *ctx)
{
	struct elem *e = arr_elem();

	return e ? bpf_wq_set_callback_impl(&e->w, wq_cb, 1, NULL) : NO_ELEM;
}

SEC("tc") int arr_start(void *ctx)
{
	struct elem *e = arr_elem();

	return e ? bpf_wq_start(&e->w, 0) : NO_ELEM;
}

SEC("tc") int arr_start_flags(void *ctx)
{
	struct elem *e = arr_elem();

	return e ? bpf_wq_start(&e->w, 1) : NO_ELEM;
}

/* init + set_callback + start, twice start (a queued work item is not queued again) */
SEC("tc") int hash_arm(void *ctx)
{
	struct elem *e = hash_elem();
	int err;

	if (!e)
		return NO_ELEM;
	err = bpf_wq_init(&e->w, &wq_hash, 0);
	if (err && err != -EBUSY)
		return err;
	err = bpf_wq_set_callback_impl(&e->w, wq_cb, 0, NULL);
	if (err)
		return err;
	err = bpf_wq_start(&e->w, 0);
	return err ? err : bpf_wq_start(&e->w, 0);
}

SEC("tc") int hash_delete(void *ctx)
{
	__u32 k = arg;

	return bpf_map_delete_elem(&wq_hash, &k);
}

char _license[] SEC("license") = "GPL";
