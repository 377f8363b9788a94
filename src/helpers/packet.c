/* Packet helpers, on the packet state of a test run (src/pkt/pkt.h):
 * bpf_skb_load_bytes, bpf_skb_store_bytes, bpf_l3/l4_csum_replace, bpf_csum_diff,
 * bpf_skb_pull_data, bpf_skb_load_bytes_relative, bpf_csum_update,
 * bpf_xdp_adjust_head/tail/meta, bpf_xdp_get_buff_len, bpf_xdp_load/store_bytes (across
 * a multi-buffer frame's fragments), bpf_get_socket_cookie and bpf_get_socket_uid, with the
 * kernel's argument checks and return values (net/core/filter.c).
 *
 * Checksums are ones' complement sums computed here.  A test-run skb is CHECKSUM_NONE
 * unless BPF_F_TEST_SKB_CHECKSUM_COMPLETE made it CHECKSUM_COMPLETE; then skb->csum follows
 * the changes as the kernel's helpers make it follow them.
 * No locking: the packet belongs to the running thread.
 */
#include <string.h>

#include "helpers.h"
#include "../pkt/pkt.h"

#define XDP_FRAME_SIZE 40u /* sizeof(struct xdp_frame): reserved at the page start */
#define XDP_MAX_META 255u  /* skb_shared_info.meta_len is a u8 */
#define CSUM_MANGLED_0 0xffffu
#define MAX_PKT_OFFSET 0x7fffffffu

/* ---- ones' complement arithmetic, with the kernel's csum_* semantics ---- */

static u32 csum_add(u32 a, u32 b)
{
	u32 r = a + b;
	return r + (r < b);
}

static u32 csum_sub(u32 a, u32 b)
{
	return csum_add(a, ~b);
}

u16 pkt_csum_fold(u32 sum)
{
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (u16)~sum;
}

/* Sum of buf as 16-bit words in memory order (little-endian host), added to seed. */
u32 pkt_csum_partial(const u8 *buf, u32 len, u32 seed)
{
	u64 sum = seed;

	for (u32 i = 0; i + 1 < len; i += 2)
		sum += (u32)buf[i] | (u32)buf[i + 1] << 8;
	if (len & 1)
		sum += buf[len - 1];
	while (sum >> 32)
		sum = (sum & 0xffffffffu) + (sum >> 32);
	return (u32)sum;
}

/* The 16-bit ones' complement value of a 32-bit partial sum (csum_from32to16). */
static u16 csum_from32to16(u32 sum)
{
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (u16)sum;
}

static u16 load16(const u8 *p)
{
	u16 v;
	memcpy(&v, p, 2);
	return v;
}
static void store16(u8 *p, u16 v)
{
	memcpy(p, &v, 2);
}

static void csum_replace_by_diff(u8 *sum, u32 diff)
{
	store16(sum, pkt_csum_fold(csum_add(diff, ~(u32)load16(sum))));
}

static void csum_replace4(u8 *sum, u32 from, u32 to)
{
	u32 tmp = csum_sub(~(u32)load16(sum), from);
	store16(sum, pkt_csum_fold(csum_add(tmp, to)));
}

static u16 csum16_add(u16 csum, u16 addend)
{
	u16 res = (u16)(csum + addend);
	return (u16)(res + (res < addend));
}

static void csum_replace2(u8 *sum, u16 from, u16 to)
{
	u16 s = csum16_add(csum16_add((u16)~load16(sum), (u16)~from), to);
	store16(sum, (u16)~s);
}

/* skb->csum of a CHECKSUM_COMPLETE skb when len bytes at offset change (the kernel's
 * csum_block_add/sub: a sum at an odd offset is byte-rotated). */
static void skb_rcsum(struct skb_state *st, const u8 *p, u32 len, u32 offset, bool add)
{
	u32 part = pkt_csum_partial(p, len, 0);

	if (!st->csum_complete)
		return;
	if (!add)
		part = ~part;
	if (offset & 1)
		part = (part >> 8) | (part << 24);
	st->csum = csum_add(st->csum, part);
}

/* ---- access to the run's packet ---- */

/* The run's packet state of kind when R1 is the program's context; NULL after a fault. */
static void *pkt_arg(struct exec_ctx *x, u64 ctx, enum pkt_kind kind)
{
	void *st = pkt_state(x, kind);

	if (!st || ctx != (u64)(uintptr_t)x->ctx) {
		vm_fault(x, "helper expects the program's %s context in R1",
			 kind == PKT_SKB ? "__sk_buff" : "xdp_md");
		return NULL;
	}
	return st;
}

static struct skb_state *skb_arg(struct exec_ctx *x, u64 ctx)
{
	return pkt_arg(x, ctx, PKT_SKB);
}
static struct xdp_state *xdp_arg(struct exec_ctx *x, u64 ctx)
{
	return pkt_arg(x, ctx, PKT_XDP);
}

static u32 pkt_len(const struct pkt_buf *p)
{
	return (u32)(p->data_end - p->data);
}

/* The kernel's bpf_try_make_writable: the bytes must lie in the packet. */
static bool pkt_writable(const struct pkt_buf *p, u64 write_len)
{
	return write_len <= pkt_len(p);
}

u64 helper_skb_load_bytes(struct exec_ctx *x, u64 ctx, u64 offset, u64 to, u64 len, u64 r5)
{
	struct skb_state *st = skb_arg(x, ctx);
	u32 off = (u32)offset, n = (u32)len;
	u8 *dst = vm_mem(x, to, n, true);

	if (!st || (!dst && n))
		return 0;
	if (off > MAX_PKT_OFFSET || (u64)off + n > pkt_len(&st->pkt)) {
		if (n) /* a zero-sized dst may be NULL: not even memset(NULL, 0, 0) */
			memset(dst, 0, n);
		return (u64)-EFAULT;
	}
	if (n)
		memmove(dst, st->pkt.data + off, n);
	return 0;
}

u64 helper_skb_store_bytes(struct exec_ctx *x, u64 ctx, u64 offset, u64 from, u64 len, u64 flags)
{
	struct skb_state *st = skb_arg(x, ctx);
	u32 off = (u32)offset, n = (u32)len;
	const u8 *src = vm_mem(x, from, n, false);

	if (!st || (!src && n))
		return 0;
	if (flags & ~(u64)(BPF_F_RECOMPUTE_CSUM | BPF_F_INVALIDATE_HASH))
		return (u64)-EINVAL;
	if (off > MAX_PKT_OFFSET || !pkt_writable(&st->pkt, (u64)off + n))
		return (u64)-EFAULT;
	u8 *dst = st->pkt.data + off;
	if (flags & BPF_F_RECOMPUTE_CSUM)
		skb_rcsum(st, dst, n, off, false);
	if (n) /* src may be NULL */
		memmove(dst, src, n);
	if (flags & BPF_F_RECOMPUTE_CSUM)
		skb_rcsum(st, dst, n, off, true);
	if (flags & BPF_F_INVALIDATE_HASH)
		st->md.hash = 0;
	return 0;
}

/* bpf_skb_pull_data: a test-run skb is linear, so only a length past its end fails
 * (pskb_may_pull); 0 means its head length. */
u64 helper_skb_pull_data(struct exec_ctx *x, u64 ctx, u64 len, u64 r3, u64 r4, u64 r5)
{
	struct skb_state *st = skb_arg(x, ctx);

	if (!st)
		return 0;
	return pkt_writable(&st->pkt, (u32)len) ? 0 : (u64)-ENOMEM;
}

#define HDR_START_MAC 0 /* BPF_HDR_START_MAC */
#define HDR_START_NET 1 /* BPF_HDR_START_NET */

/* bpf_skb_load_bytes_relative: from the link-layer or network header, up to the tail;
 * to is zeroed on failure. */
u64 helper_skb_load_bytes_relative(struct exec_ctx *x, u64 ctx, u64 offset, u64 to, u64 len,
				   u64 start_header)
{
	struct skb_state *st = skb_arg(x, ctx);
	u32 n = (u32)len;
	u8 *dst = vm_mem(x, to, n, true);

	if (!st || !dst)
		return 0;
	const u8 *start = start_header == HDR_START_MAC ? st->pkt.mac :
			  start_header == HDR_START_NET ? st->pkt.net :
							  NULL;
	if (!start || (u32)offset > 0xffff || start + (u32)offset + n > st->pkt.data_end) {
		memset(dst, 0, n);
		return (u64)-EFAULT;
	}
	memcpy(dst, start + (u32)offset, n);
	return 0;
}

/* bpf_csum_update: folds csum into a CHECKSUM_COMPLETE skb's csum and returns it. */
u64 helper_csum_update(struct exec_ctx *x, u64 ctx, u64 csum, u64 r3, u64 r4, u64 r5)
{
	struct skb_state *st = skb_arg(x, ctx);

	if (!st)
		return 0;
	if (!st->csum_complete)
		return (u64)-ENOTSUPP;
	st->csum = csum_add(st->csum, (u32)csum);
	return st->csum;
}

/* Common checks of l3/l4_csum_replace; returns the checksum field or NULL with *err. */
static u8 *csum_field(struct skb_state *st, u64 offset, long *err)
{
	if (offset > 0xffff || (offset & 1)) {
		*err = -EFAULT;
		return NULL;
	}
	if (!pkt_writable(&st->pkt, offset + 2)) {
		*err = -EFAULT;
		return NULL;
	}
	return st->pkt.data + offset;
}

u64 helper_l3_csum_replace(struct exec_ctx *x, u64 ctx, u64 offset, u64 from, u64 to, u64 flags)
{
	struct skb_state *st = skb_arg(x, ctx);
	long err = 0;

	if (!st)
		return 0;
	if (flags & ~(u64)BPF_F_HDR_FIELD_MASK)
		return (u64)-EINVAL;
	u8 *sum = csum_field(st, offset, &err);
	if (!sum)
		return (u64)err;
	switch (flags & BPF_F_HDR_FIELD_MASK) {
	case 0:
		if (from)
			return (u64)-EINVAL;
		csum_replace_by_diff(sum, (u32)to);
		break;
	case 2:
		csum_replace2(sum, (u16)from, (u16)to);
		break;
	case 4:
		csum_replace4(sum, (u32)from, (u32)to);
		break;
	default:
		return (u64)-EINVAL;
	}
	return 0;
}

#ifndef BPF_F_IPV6
#define BPF_F_IPV6 (1ULL << 7)
#endif

u64 helper_l4_csum_replace(struct exec_ctx *x, u64 ctx, u64 offset, u64 from, u64 to, u64 flags)
{
	struct skb_state *st = skb_arg(x, ctx);
	bool mangled_0 = flags & BPF_F_MARK_MANGLED_0, enforce = flags & BPF_F_MARK_ENFORCE;
	long err = 0;

	if (!st)
		return 0;
	if (flags & ~(u64)(BPF_F_MARK_MANGLED_0 | BPF_F_MARK_ENFORCE | BPF_F_PSEUDO_HDR |
			   BPF_F_HDR_FIELD_MASK | BPF_F_IPV6))
		return (u64)-EINVAL;
	u8 *sum = csum_field(st, offset, &err);
	if (!sum)
		return (u64)err;
	if (mangled_0 && !enforce && !load16(sum))
		return 0;
	/* Not CHECKSUM_PARTIAL: the field is updated; with a pseudo-header change a
	 * CHECKSUM_COMPLETE skb->csum follows it (inet_proto_csum_replace*). */
	bool csum_follows = st->csum_complete && (flags & BPF_F_PSEUDO_HDR);
	switch (flags & BPF_F_HDR_FIELD_MASK) {
	case 0:
		if (from)
			return (u64)-EINVAL;
		csum_replace_by_diff(sum, (u32)to);
		if (csum_follows && !(flags & BPF_F_IPV6))
			st->csum = ~csum_sub((u32)to, st->csum);
		break;
	case 2:
	case 4: {
		u32 f = (flags & BPF_F_HDR_FIELD_MASK) == 2 ? (u16)from : (u32)from;
		u32 t = (flags & BPF_F_HDR_FIELD_MASK) == 2 ? (u16)to : (u32)to;
		csum_replace4(sum, f, t);
		if (csum_follows)
			st->csum = ~csum_add(csum_add(~st->csum, ~f), t);
		break;
	}
	default:
		return (u64)-EINVAL;
	}
	if (mangled_0 && !load16(sum))
		store16(sum, CSUM_MANGLED_0);
	return 0;
}

u64 helper_csum_diff(struct exec_ctx *x, u64 from, u64 from_size, u64 to, u64 to_size, u64 seed)
{
	u32 fs = (u32)from_size, ts = (u32)to_size;
	/* Any sizes (Linux 6.18 no longer asks for multiples of 4); folded to 16 bits. */
	const u8 *f = vm_mem(x, from, fs, false), *t = vm_mem(x, to, ts, false);
	if ((fs && !f) || (ts && !t))
		return 0;
	if (fs && ts)
		return csum_from32to16(
			csum_sub(pkt_csum_partial(t, ts, (u32)seed), pkt_csum_partial(f, fs, 0)));
	if (ts)
		return csum_from32to16(pkt_csum_partial(t, ts, (u32)seed));
	if (fs)
		return csum_from32to16(~pkt_csum_partial(f, fs, ~(u32)seed));
	return (u32)seed;
}

static void xdp_sync(struct exec_ctx *x, struct xdp_state *st)
{
	pkt_sync(x, &st->pkt);
}

u64 helper_xdp_adjust_head(struct exec_ctx *x, u64 ctx, u64 offset, u64 r3, u64 r4, u64 r5)
{
	struct xdp_state *st = xdp_arg(x, ctx);

	if (!st)
		return 0;
	s32 delta = (s32)offset;
	size_t metalen = (size_t)(st->pkt.data - st->pkt.meta);
	u8 *start = st->pkt.head + XDP_FRAME_SIZE + metalen;
	u8 *data = st->pkt.data + delta;
	if (data < start || data > st->pkt.data_end - ETH_HLEN)
		return (u64)-EINVAL;
	if (metalen)
		memmove(st->pkt.meta + delta, st->pkt.meta, metalen);
	st->pkt.meta += delta;
	st->pkt.data = data;
	xdp_sync(x, st);
	return 0;
}

/* Multi-buffer frames grow into the last fragment's page and shrink from the last
 * fragment backwards, releasing emptied ones (bpf_xdp_frags_increase/shrink_tail). */
static long xdp_frags_adjust_tail(struct xdp_state *st, s32 delta)
{
	struct pkt_frags *f = &st->frags;

	if (delta > 0) {
		u32 last = f->nr - 1;
		if ((u32)delta > TEST_PAGE_SIZE - f->len[last])
			return -EINVAL;
		memset(f->page[last] + f->len[last], 0, (size_t)delta);
		f->len[last] += (u32)delta;
		f->total += (u32)delta;
		return 0;
	}
	u32 shrink = (u32) - (s64)delta;
	if ((s64)shrink > (s64)pkt_len(&st->pkt) + f->total - ETH_HLEN)
		return -EINVAL;
	while (f->nr && shrink) {
		u32 last = f->nr - 1, n = MIN(shrink, f->len[last]);
		f->len[last] -= n;
		f->total -= n;
		shrink -= n;
		if (!f->len[last])
			f->nr--;
	}
	if (!f->nr)
		st->pkt.data_end -= shrink;
	return 0;
}

u64 helper_xdp_adjust_tail(struct exec_ctx *x, u64 ctx, u64 offset, u64 r3, u64 r4, u64 r5)
{
	struct xdp_state *st = xdp_arg(x, ctx);

	if (!st)
		return 0;
	s32 delta = (s32)offset;
	if (st->frags.nr) {
		long err = xdp_frags_adjust_tail(st, delta);
		xdp_sync(x, st);
		return (u64)err;
	}
	u8 *end = st->pkt.data_end + delta;
	if (end > st->pkt.hard_end || end < st->pkt.data + ETH_HLEN)
		return (u64)-EINVAL;
	if (delta > 0)
		memset(st->pkt.data_end, 0, (size_t)delta);
	st->pkt.data_end = end;
	xdp_sync(x, st);
	return 0;
}

/* ---- multi-buffer frames: the linear part, then the fragments ---- */

static u32 xdp_linear_len(const struct xdp_state *st)
{
	return (u32)(st->pkt.data_end - st->pkt.data);
}

u64 helper_xdp_get_buff_len(struct exec_ctx *x, u64 ctx, u64 r2, u64 r3, u64 r4, u64 r5)
{
	struct xdp_state *st = xdp_arg(x, ctx);

	return st ? xdp_linear_len(st) + st->frags.total : 0;
}

/* Copies len bytes at offset of the frame to or from buf (bpf_xdp_copy_buf); the caller
 * checked that they lie in it. */
static void xdp_copy(struct xdp_state *st, u32 offset, u8 *buf, u32 len, bool to_frame)
{
	u32 lin = xdp_linear_len(st);

	for (u32 i = 0; len && i <= st->frags.nr; i++) {
		u8 *area = i ? st->frags.page[i - 1] : st->pkt.data;
		u32 size = i ? st->frags.len[i - 1] : lin;
		if (offset >= size) {
			offset -= size;
			continue;
		}
		u32 n = MIN(len, size - offset);
		if (to_frame)
			memcpy(area + offset, buf, n);
		else
			memcpy(buf, area + offset, n);
		buf += n;
		len -= n;
		offset = 0;
	}
}

/* bpf_xdp_load_bytes / store_bytes: EFAULT past 64 KiB, EINVAL past the frame. */
static u64 xdp_bytes(struct exec_ctx *x, u64 ctx, u64 offset, u64 buf, u64 len, bool store)
{
	struct xdp_state *st = xdp_arg(x, ctx);
	u32 off = (u32)offset, n = (u32)len;
	u8 *mem = vm_mem(x, buf, n, !store);

	if (!st || !mem)
		return 0;
	if (off > 0xffff || n > 0xffff)
		return (u64)-EFAULT;
	if ((u64)off + n > xdp_linear_len(st) + st->frags.total)
		return (u64)-EINVAL;
	xdp_copy(st, off, mem, n, store);
	return 0;
}

u64 helper_xdp_load_bytes(struct exec_ctx *x, u64 ctx, u64 offset, u64 buf, u64 len, u64 r5)
{
	return xdp_bytes(x, ctx, offset, buf, len, false);
}

u64 helper_xdp_store_bytes(struct exec_ctx *x, u64 ctx, u64 offset, u64 buf, u64 len, u64 r5)
{
	return xdp_bytes(x, ctx, offset, buf, len, true);
}

u64 helper_xdp_adjust_meta(struct exec_ctx *x, u64 ctx, u64 offset, u64 r3, u64 r4, u64 r5)
{
	struct xdp_state *st = xdp_arg(x, ctx);

	if (!st)
		return 0;
	u8 *meta = st->pkt.meta + (s32)offset;
	if (meta < st->pkt.head + XDP_FRAME_SIZE || meta > st->pkt.data)
		return (u64)-EINVAL;
	size_t metalen = (size_t)(st->pkt.data - meta);
	if ((metalen & 3) || metalen > XDP_MAX_META)
		return (u64)-EACCES;
	st->pkt.meta = meta;
	xdp_sync(x, st);
	return 0;
}

/* A test run's skb carries a fresh dummy socket: its cookie is new for each test run and
 * stays the same across the run's repetitions. */
u64 helper_get_socket_cookie(struct exec_ctx *x, u64 ctx, u64 r2, u64 r3, u64 r4, u64 r5)
{
	static u64 next_cookie = 1;
	struct skb_state *st = skb_arg(x, ctx);

	if (!st)
		return 0;
	if (!st->sock_cookie)
		st->sock_cookie = __atomic_fetch_add(&next_cookie, 1, __ATOMIC_RELAXED);
	return st->sock_cookie;
}

/* The dummy socket of a test run has no struct socket: its sk_uid is root's. */
u64 helper_get_socket_uid(struct exec_ctx *x, u64 ctx, u64 r2, u64 r3, u64 r4, u64 r5)
{
	skb_arg(x, ctx);
	return 0;
}
