/* Ring buffers for tests/diff/maps_ringbuf.c and the bench: programs producing into a
 * RINGBUF (output, reserve/submit/discard, the dynptr forms, query) and draining a
 * USER_RINGBUF.  Inputs come from args[0..3], results go to res[0..15]. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4 * 4096);
} rb SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_USER_RINGBUF);
	__uint(max_entries, 4096);
} urb SEC(".maps");

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

struct rec {
	__u64 seq;
	__u64 val;
};

static __u64 *arg_or_res(void *map)
{
	__u32 k = 0;

	return bpf_map_lookup_elem(map, &k);
}

/* args[0] records of 16 bytes, flags args[1], first seq args[2]; res[0] = last result,
 * res[1] = records written */
SEC("tc")
int output(struct __sk_buff *skb)
{
	__u64 *a = arg_or_res(&args), *r = arg_or_res(&res);

	if (!a || !r)
		return 1;
	r[1] = 0;
	for (__u32 i = 0; i < 64 && i < a[0]; i++) {
		struct rec v = { .seq = a[2] + i, .val = (a[2] + i) * 3 };
		long err = bpf_ringbuf_output(&rb, &v, sizeof(v), a[1]);
		r[0] = (__u64)err;
		if (err)
			break;
		r[1]++;
	}
	return 0;
}

/* reserve/submit/discard and their refusals; res[0..9] */
SEC("tc")
int reserve(struct __sk_buff *skb)
{
	__u64 *a = arg_or_res(&args), *r = arg_or_res(&res);
	struct rec *p;

	if (!a || !r)
		return 1;
	p = bpf_ringbuf_reserve(&rb, sizeof(*p), 0);
	r[0] = p != 0;
	if (p) {
		p->seq = 100;
		p->val = 300;
		bpf_ringbuf_submit(p, 0);
	}
	p = bpf_ringbuf_reserve(&rb, sizeof(*p), 0);
	r[1] = p != 0;
	if (p) {
		p->seq = 101;
		bpf_ringbuf_discard(p, 0);
	}
	p = bpf_ringbuf_reserve(&rb, sizeof(*p), 1); /* flags must be 0 */
	r[2] = p != 0;
	if (p)
		bpf_ringbuf_discard(p, 0);
	void *big = bpf_ringbuf_reserve(&rb, 4 * 4096, 0); /* larger than the ring */
	r[3] = big != 0;
	if (big)
		bpf_ringbuf_discard(big, 0);
	r[4] = bpf_ringbuf_query(&rb, BPF_RB_AVAIL_DATA);
	r[5] = bpf_ringbuf_query(&rb, BPF_RB_RING_SIZE);
	r[6] = bpf_ringbuf_query(&rb, BPF_RB_CONS_POS);
	r[7] = bpf_ringbuf_query(&rb, BPF_RB_PROD_POS);
	r[8] = bpf_ringbuf_query(&rb, 77);
	struct rec v = {};
	r[9] = (__u64)bpf_ringbuf_output(&rb, &v, sizeof(v), 4); /* unknown flag */
	return 0;
}

/* the dynptr forms; res[0..9] */
SEC("tc")
int dynptr(struct __sk_buff *skb)
{
	__u64 *r = arg_or_res(&res);
	struct bpf_dynptr d;
	struct rec v = { .seq = 200, .val = 600 }, back = {};

	if (!r)
		return 1;
	r[0] = (__u64)bpf_ringbuf_reserve_dynptr(&rb, sizeof(v), 0, &d);
	r[1] = (__u64)bpf_dynptr_write(&d, 0, &v, sizeof(v), 0);
	r[2] = (__u64)bpf_dynptr_write(&d, 8, &v, sizeof(v), 0); /* past the end */
	r[3] = (__u64)bpf_dynptr_read(&back, sizeof(back), &d, 0, 0);
	r[4] = back.val;
	__u64 *p = bpf_dynptr_data(&d, 8, 8);
	r[5] = p ? *p : 9999;
	bpf_ringbuf_submit_dynptr(&d, 0);
	r[6] = (__u64)bpf_ringbuf_reserve_dynptr(&rb, 8, 1, &d); /* flags */
	bpf_ringbuf_discard_dynptr(&d, 0);
	r[7] = (__u64)bpf_ringbuf_reserve_dynptr(&rb, 1 << 24, 0, &d); /* over a dynptr */
	bpf_ringbuf_discard_dynptr(&d, 0);
	r[8] = (__u64)bpf_ringbuf_reserve_dynptr(&rb, 8 * 4096, 0, &d); /* over the ring */
	bpf_ringbuf_discard_dynptr(&d, 0);
	r[13] = 77;
	r[9] = (__u64)bpf_dynptr_from_mem(r, 16 * 8, 0, &d);
	r[10] = (__u64)bpf_dynptr_read(&back, 8, &d, 13 * 8, 0);
	r[11] = back.seq;
	r[12] = (__u64)bpf_dynptr_read(&back, 8, &d, 8, 1); /* flags */
	return 0;
}

struct drain_ctx {
	__u64 sum, n, stop_at;
};

static long drain_cb(struct bpf_dynptr *d, void *ctx)
{
	struct drain_ctx *c = ctx;
	__u64 v = 0;

	if (bpf_dynptr_read(&v, sizeof(v), d, 0, 0))
		return 1;
	c->sum += v;
	c->n++;
	return c->n == c->stop_at;
}

/* drains urb: res[0] = helper result, res[1] = sum, res[2] = samples seen; args[0] stops
 * after that many (0: never), args[1] flags */
SEC("tc")
int drain(struct __sk_buff *skb)
{
	__u64 *a = arg_or_res(&args), *r = arg_or_res(&res);
	struct drain_ctx c = {};

	if (!a || !r)
		return 1;
	c.stop_at = a[0];
	r[0] = (__u64)bpf_user_ringbuf_drain(&urb, drain_cb, &c, a[1]);
	r[1] = c.sum;
	r[2] = c.n;
	return 0;
}
