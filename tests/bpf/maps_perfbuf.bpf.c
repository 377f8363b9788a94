/* Perf event arrays for tests/diff/maps_perfbuf.c, tests/linked/perfbuf.c and the bench:
 * programs that write records with bpf_perf_event_output (a raw tracepoint program, and
 * the skb and xdp forms that append packet bytes).  Inputs come from args[0..3], results
 * go to res[0..3]. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

/* max_entries left out: libbpf makes it the number of possible CPUs */
struct {
	__uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(__u32));
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64[4]);
} res SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64[4]);
} args SEC(".maps");

static __u64 *slot(void *map)
{
	__u32 k = 0;

	return bpf_map_lookup_elem(map, &k);
}

/* args: [0] flags, [1] record size (at most 64), [2] records, [3] first sequence number.
 * Each record is its sequence number then bytes counting up from it.  res[0] = the last
 * result, res[1] = records written. */
SEC("raw_tp")
int out_trace(void *ctx)
{
	__u64 *a = slot(&args), *r = slot(&res);
	__u8 buf[64];

	if (!a || !r)
		return 1;
	r[1] = 0;
	for (__u32 i = 0; i < 256 && i < a[2]; i++) {
		__u64 seq = a[3] + i;
		for (__u32 j = 0; j < sizeof(buf); j++)
			buf[j] = (__u8)(seq + j);
		__builtin_memcpy(buf, &seq, sizeof(seq));
		__u64 size = a[1] & 63;
		long err = bpf_perf_event_output(ctx, &events, a[0], buf, size ? size : 64);
		r[0] = (__u64)err;
		if (err)
			break;
		r[1]++;
	}
	return 0;
}

/* args: [0] flags (packet bytes to append in the upper 32 bits), [1] meta size (0..16);
 * res[0] = the result. */
SEC("tc")
int out_skb(struct __sk_buff *skb)
{
	__u64 *a = slot(&args), *r = slot(&res);
	__u64 meta[2] = { 0x1122334455667788ull, 0x99aabbccddeeff00ull };

	if (!a || !r)
		return 1;
	r[0] = (__u64)bpf_perf_event_output(skb, &events, a[0], meta, a[1] & 15);
	return 0;
}

SEC("xdp")
int out_xdp(struct xdp_md *xdp)
{
	__u64 *a = slot(&args), *r = slot(&res);
	__u64 meta[2] = { 0x0102030405060708ull, 0x1112131415161718ull };

	if (!a || !r)
		return 1;
	r[0] = (__u64)bpf_perf_event_output(xdp, &events, a[0], meta, a[1] & 15);
	return 2;
}

/* args: [0] flags; res[0] = bpf_perf_event_read, res[1] = bpf_perf_event_read_value,
 * res[2] its counter, res[3] 1 when its enabled time >= its running time. */
SEC("raw_tp")
int read_trace(void *ctx)
{
	__u64 *a = slot(&args), *r = slot(&res);
	struct bpf_perf_event_value v = {};

	if (!a || !r)
		return 1;
	r[0] = (__u64)bpf_perf_event_read(&events, a[0]);
	r[1] = (__u64)bpf_perf_event_read_value(&events, a[0], &v, sizeof(v));
	r[2] = v.counter;
	r[3] = v.enabled >= v.running;
	return 0;
}

/* Refused by the verifier (loaded alone by tests/diff/maps_perfbuf.c; "?": not loaded by
 * default): uninitialised stack as the data, and the stack as the context. */
SEC("?raw_tp")
int bad_uninit(void *ctx)
{
	volatile __u64 buf[2];

	return bpf_perf_event_output(ctx, &events, BPF_F_CURRENT_CPU, (void *)buf, sizeof(buf));
}

SEC("?raw_tp")
int bad_ctx(void *ctx)
{
	__u64 buf[2] = { 1, 2 };

	return bpf_perf_event_output(buf, &events, BPF_F_CURRENT_CPU, buf, sizeof(buf));
}

/* A map value over 64 KiB, and a program that outputs args[1] bytes of it: res[0]. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, char[70000]);
} big SEC(".maps");

SEC("raw_tp")
int out_big(void *ctx)
{
	__u64 *a = slot(&args), *r = slot(&res);
	__u32 k = 0;
	char *v = bpf_map_lookup_elem(&big, &k);

	if (!a || !r || !v)
		return 1;
	__u64 size = a[1];
	if (size > 70000)
		return 1;
	r[0] = (__u64)bpf_perf_event_output(ctx, &events, BPF_F_CURRENT_CPU, v, size);
	return 0;
}
