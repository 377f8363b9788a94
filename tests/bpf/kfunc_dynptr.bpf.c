/* Dynptrs: local memory (bpf_dynptr_from_mem), skbs and XDP buffers, read, written and
 * sliced through the helpers and kfuncs.  Results go to res[n] (helpers_common.h). */
#include <stdbool.h>
#include "helpers_common.h"

extern int bpf_dynptr_from_skb(struct __sk_buff *skb, __u64 flags,
			       struct bpf_dynptr *ptr__uninit) __ksym;
extern int bpf_dynptr_from_xdp(struct xdp_md *xdp, __u64 flags,
			       struct bpf_dynptr *ptr__uninit) __ksym;
extern void *bpf_dynptr_slice(const struct bpf_dynptr *ptr, __u32 offset, void *buffer__opt,
			      __u32 buffer__szk) __ksym;
extern void *bpf_dynptr_slice_rdwr(const struct bpf_dynptr *ptr, __u32 offset, void *buffer__opt,
				   __u32 buffer__szk) __ksym;
extern int bpf_dynptr_adjust(const struct bpf_dynptr *ptr, __u32 start, __u32 end) __ksym;
extern bool bpf_dynptr_is_null(const struct bpf_dynptr *ptr) __ksym;
extern bool bpf_dynptr_is_rdonly(const struct bpf_dynptr *ptr) __ksym;
extern __u32 bpf_dynptr_size(const struct bpf_dynptr *ptr) __ksym;
extern int bpf_dynptr_clone(const struct bpf_dynptr *ptr, struct bpf_dynptr *clone__init) __ksym;

/* A kfunc's bool is its result's low byte only (the rest of R0 is undefined). */
static __always_inline void store_bool(__u32 idx, bool v)
{
	volatile __u8 b = v;

	store(idx, b);
}

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, char[64]);
} buf SEC(".maps");

SEC("tc")
int local(struct __sk_buff *skb)
{
	struct bpf_dynptr d, c;
	char out[8] = {};
	__u32 k = 0;
	char *v = bpf_map_lookup_elem(&buf, &k), *p;

	if (!v)
		return 1;
	store(0, bpf_dynptr_from_mem(v, 64, 0, &d));
	store(1, bpf_dynptr_size(&d));
	store(2, bpf_dynptr_write(&d, 60, "abcdefgh", 8, 0));
	store(3, bpf_dynptr_write(&d, 10, "abcdefgh", 8, 0));
	store(4, bpf_dynptr_read(out, 8, &d, 12, 0));
	store(5, out[0]);
	store(6, bpf_dynptr_read(out, 8, &d, 60, 0));
	store(7, bpf_dynptr_read(out, 8, &d, 0, 1));
	p = bpf_dynptr_data(&d, 10, 8);
	store(8, p ? p[1] : -1);
	store(9, bpf_dynptr_adjust(&d, 10, 20));
	store(10, bpf_dynptr_size(&d));
	store(11, bpf_dynptr_adjust(&d, 5, 30));
	store(12, bpf_dynptr_adjust(&d, 6, 5));
	store(13, bpf_dynptr_clone(&d, &c));
	store(14, bpf_dynptr_size(&c));
	p = bpf_dynptr_slice(&c, 0, NULL, 4);
	store(15, p ? p[2] : -1);
	store_bool(16, bpf_dynptr_is_null(&c));
	store_bool(17, bpf_dynptr_is_rdonly(&c));
	store(18, bpf_dynptr_from_mem(v, 16, 1, &d));
	store_bool(19, bpf_dynptr_is_null(&d));
	store(20, bpf_dynptr_size(&d));
	return 0;
}

SEC("tc")
int skb_buf(struct __sk_buff *skb)
{
	struct bpf_dynptr d;
	char eth[14], b[4];
	__u8 *p;

	store(0, bpf_dynptr_from_skb(skb, 0, &d));
	store(1, bpf_dynptr_size(&d));
	store(2, bpf_dynptr_read(eth, 14, &d, 0, 0));
	store(3, eth[12]);
	store(4, bpf_dynptr_read(eth, 14, &d, 60, 0));
	store(5, bpf_dynptr_write(&d, 20, "wxyz", 4, 0));
	p = bpf_dynptr_slice(&d, 20, b, 4);
	store(6, p ? p[3] : -1);
	p = bpf_dynptr_slice_rdwr(&d, 30, NULL, 2);
	if (p)
		p[0] = 0x77;
	store(7, p != 0);
	p = bpf_dynptr_slice(&d, 62, b, 4);
	store(8, p != 0);
	store_bool(9, bpf_dynptr_is_rdonly(&d));
	store(10, bpf_dynptr_write(&d, 0, "ab", 2, 7));
	store(11, bpf_dynptr_from_skb(skb, 1, &d));
	store_bool(12, bpf_dynptr_is_null(&d));
	return 0;
}

SEC("xdp")
int xdp_buf(struct xdp_md *ctx)
{
	struct bpf_dynptr d;
	char b[4] = {};
	__u8 *p;

	store(0, bpf_dynptr_from_xdp(ctx, 0, &d));
	store(1, bpf_dynptr_size(&d));
	store(2, bpf_dynptr_read(b, 4, &d, 10, 0));
	store(3, b[0]);
	store(4, bpf_dynptr_write(&d, 40, "ab", 2, 0));
	store(5, bpf_dynptr_write(&d, 40, "ab", 2, 1));
	p = bpf_dynptr_slice(&d, 40, b, 2);
	store(6, p ? p[1] : -1);
	store(7, bpf_dynptr_read(b, 4, &d, 62, 0));
	p = bpf_dynptr_slice_rdwr(&d, 50, NULL, 1);
	if (p)
		p[0] = 0x55;
	store(8, p != 0);
	return XDP_PASS;
}

SEC("cgroup_skb/ingress")
int cg(struct __sk_buff *skb)
{
	struct bpf_dynptr d;
	char b[4] = {};

	store(0, bpf_dynptr_from_skb(skb, 0, &d));
	store_bool(1, bpf_dynptr_is_rdonly(&d));
	store(2, bpf_dynptr_read(b, 4, &d, 0, 0));
	store(3, b[0]);
	return 1;
}
