/* Dynptrs (dynptr.h): the helpers bpf_dynptr_from_mem/read/write/data and the kfuncs
 * over them (bpf_dynptr_from_skb/xdp, slice, slice_rdwr, adjust, is_null, is_rdonly,
 * size, clone), with the kernel's checks and errors (kernel/bpf/helpers.c,
 * net/core/filter.c).  Packet dynptrs read and write the run's packet as
 * bpf_skb_load/store_bytes and bpf_xdp_load/store_bytes do (fragments included for XDP).
 * No state, no locking: the dynptr and the packet belong to the running thread.
 */
#include <string.h>

#include "internal.h"
#include "dynptr.h"
#include "kfunc.h"
#include "../obj/prog.h"
#include "../pkt/pkt.h"

static u32 dsize(const struct dynptr_kern *d)
{
	return d->size_bits & DYNPTR_MAX_SIZE;
}

static enum dynptr_type dtype(const struct dynptr_kern *d)
{
	return (d->size_bits >> DYNPTR_TYPE_SHIFT) & 7;
}

static bool drdonly(const struct dynptr_kern *d)
{
	return d->size_bits & DYNPTR_RDONLY_BIT;
}

/* Copies the dynptr at addr out of program memory (false after a fault). */
static bool dynptr_get(struct exec_ctx *x, u64 addr, struct dynptr_kern *d)
{
	const void *p = vm_mem(x, addr, sizeof(*d), false);

	if (p)
		memcpy(d, p, sizeof(*d));
	return p != NULL;
}

static void dynptr_put(struct exec_ctx *x, u64 addr, const struct dynptr_kern *d)
{
	void *p = vm_mem(x, addr, sizeof(*d), true);

	if (p)
		memcpy(p, d, sizeof(*d));
}

bool dynptr_init(struct exec_ctx *x, u64 addr, u64 data, enum dynptr_type type, u32 size,
		 bool rdonly)
{
	struct dynptr_kern d = { data, size | (u32)type << DYNPTR_TYPE_SHIFT, 0 };

	if (rdonly)
		d.size_bits |= DYNPTR_RDONLY_BIT;
	dynptr_put(x, addr, &d);
	return !x->fault;
}

void dynptr_set_null(struct exec_ctx *x, u64 addr)
{
	struct dynptr_kern d = { 0 };

	dynptr_put(x, addr, &d);
}

/* bpf_dynptr_check_off_len */
static long check_off_len(const struct dynptr_kern *d, u32 offset, u32 len)
{
	u32 size = dsize(d);

	return len > size || offset > size - len ? -E2BIG : 0;
}

/* ---- the run's packet, linear part then XDP fragments ---- */

/* Copies len bytes at off of the run's packet to or from buf (the kernel's
 * skb_header_pointer / bpf_xdp_copy_buf). */
static long pkt_copy(struct exec_ctx *x, enum dynptr_type type, u64 off, u8 *buf, u32 len,
		     bool write)
{
	struct pkt_buf *pkt = pkt_state(x, type == DYNPTR_SKB ? PKT_SKB : PKT_XDP);
	struct xdp_state *xs = type == DYNPTR_XDP ? (struct xdp_state *)pkt : NULL;
	u64 linear, total;

	if (!pkt)
		return -EINVAL; /* no packet in this run: the dynptr outlived its own */
	linear = (u64)(pkt->data_end - pkt->data);
	total = linear + (xs ? xs->frags.total : 0);
	if (off > total || len > total - off)
		return type == DYNPTR_SKB ? -EFAULT : -EINVAL;
	for (u32 f = 0, done = 0; done < len; f++) {
		u8 *base = f == 0 ? pkt->data : xs->frags.page[f - 1];
		u64 n = f == 0 ? linear : xs->frags.len[f - 1];
		if (off >= n) {
			off -= n;
			continue;
		}
		u32 k = (u32)MIN(n - off, (u64)(len - done));
		if (write)
			memmove(base + off, buf + done, k);
		else
			memmove(buf + done, base + off, k);
		done += k;
		off = 0;
	}
	return 0;
}

/* Address of [off, off+len) of the run's packet when it lies in the linear part. */
static u64 pkt_linear(struct exec_ctx *x, enum dynptr_type type, u64 off, u32 len)
{
	struct pkt_buf *pkt = pkt_state(x, type == DYNPTR_SKB ? PKT_SKB : PKT_XDP);

	if (!pkt || off > (u64)(pkt->data_end - pkt->data) ||
	    len > (u64)(pkt->data_end - pkt->data) - off)
		return 0;
	return (u64)(uintptr_t)(pkt->data + off);
}

/* ---- helpers ---- */

HELPER(dynptr_from_mem)
{
	u64 data = r1, size = (u32)r2, flags = r3, ptr = r4;

	if (size && !vm_mem(x, data, size, true))
		return 0;
	if (size > DYNPTR_MAX_SIZE || flags) {
		dynptr_set_null(x, ptr);
		return (u64)(s64)(size > DYNPTR_MAX_SIZE ? -E2BIG : -EINVAL);
	}
	dynptr_init(x, ptr, data, DYNPTR_LOCAL, (u32)size, false);
	return 0;
}

HELPER(dynptr_read)
{
	u64 dst = r1, src = r3, flags = r5;
	u32 len = (u32)r2, offset = (u32)r4;
	struct dynptr_kern d;
	u8 *to = vm_mem(x, dst, len, true);

	if ((!to && len) || !dynptr_get(x, src, &d))
		return 0;
	if (!d.data || flags)
		return (u64)-EINVAL;
	long err = check_off_len(&d, offset, len);
	if (err)
		return (u64)err;
	if (dtype(&d) == DYNPTR_SKB || dtype(&d) == DYNPTR_XDP) {
		err = pkt_copy(x, dtype(&d), (u64)d.offset + offset, to, len, false);
		if (err && dtype(&d) == DYNPTR_SKB)
			memset(to, 0, len);
		return (u64)err;
	}
	const u8 *from = vm_mem(x, d.data + d.offset + offset, len, false);
	if (len && from)
		memmove(to, from, len);
	return 0;
}

HELPER(dynptr_write)
{
	u64 dst = r1, src = r3, flags = r5;
	u32 offset = (u32)r2, len = (u32)r4;
	struct dynptr_kern d;
	const u8 *from = vm_mem(x, src, len, false);

	if ((!from && len) || !dynptr_get(x, dst, &d))
		return 0;
	if (!d.data || drdonly(&d))
		return (u64)-EINVAL;
	long err = check_off_len(&d, offset, len);
	if (err)
		return (u64)err;
	if (dtype(&d) == DYNPTR_SKB)
		return helper_skb_store_bytes(x, (u64)(uintptr_t)x->ctx, (u64)d.offset + offset,
					      src, len, flags);
	if (flags)
		return (u64)-EINVAL;
	if (dtype(&d) == DYNPTR_XDP)
		return (u64)pkt_copy(x, DYNPTR_XDP, (u64)d.offset + offset, (u8 *)from, len, true);
	u8 *to = vm_mem(x, d.data + d.offset + offset, len, true);
	if (len && to)
		memmove(to, from, len);
	return 0;
}

HELPER(dynptr_data)
{
	struct dynptr_kern d;
	u32 offset = (u32)r2, len = (u32)r3;

	if (!dynptr_get(x, r1, &d) || !d.data || check_off_len(&d, offset, len) || drdonly(&d))
		return 0;
	if (dtype(&d) == DYNPTR_SKB || dtype(&d) == DYNPTR_XDP)
		return 0; /* packets: bpf_dynptr_slice */
	return d.data + d.offset + offset;
}

/* ---- kfuncs ---- */

/* bpf_dynptr_from_skb(skb, flags, ptr) and _xdp: the whole packet, read-only where the
 * program may not write packets (cgroup_skb). */
static u64 from_pkt(struct exec_ctx *x, u64 ctx, u64 flags, u64 ptr, enum pkt_kind kind)
{
	struct pkt_buf *pkt = pkt_state(x, kind);

	if (!pkt || ctx != (u64)(uintptr_t)x->ctx) {
		vm_fault(x, "kfunc expects the program's context in R1");
		return 0;
	}
	if (flags) {
		dynptr_set_null(x, ptr);
		return (u64)-EINVAL;
	}
	u64 len = (u64)(pkt->data_end - pkt->data);
	if (kind == PKT_XDP)
		len += ((struct xdp_state *)pkt)->frags.total;
	dynptr_init(x, ptr, ctx, kind == PKT_SKB ? DYNPTR_SKB : DYNPTR_XDP, (u32)len,
		    kind == PKT_SKB && x->prog->tops->pkt_readonly);
	return 0;
}

u64 kfunc_bpf_dynptr_from_skb(struct exec_ctx *x, u64 ctx, u64 flags, u64 ptr, u64 r4, u64 r5)
{
	return from_pkt(x, ctx, flags, ptr, PKT_SKB);
}

u64 kfunc_bpf_dynptr_from_xdp(struct exec_ctx *x, u64 ctx, u64 flags, u64 ptr, u64 r4, u64 r5)
{
	return from_pkt(x, ctx, flags, ptr, PKT_XDP);
}

/* bpf_dynptr_slice(ptr, offset, buffer, buffer_size): a pointer to the bytes, or to the
 * buffer holding a copy of them when a packet's bytes are not contiguous. */
static u64 slice(struct exec_ctx *x, u64 ptr, u32 offset, u64 buf, u32 len, bool rdwr)
{
	struct dynptr_kern d;

	if (!dynptr_get(x, ptr, &d) || !d.data || (rdwr && drdonly(&d)) ||
	    check_off_len(&d, offset, len))
		return 0;
	if (dtype(&d) != DYNPTR_SKB && dtype(&d) != DYNPTR_XDP)
		return d.data + d.offset + offset;
	u64 at = (u64)d.offset + offset, p = pkt_linear(x, dtype(&d), at, len);
	if (p || !buf || dtype(&d) == DYNPTR_SKB) /* a test run's skb is linear */
		return p;
	u8 *to = vm_mem(x, buf, len, true);
	return to && !pkt_copy(x, DYNPTR_XDP, at, to, len, false) ? buf : 0;
}

u64 kfunc_bpf_dynptr_slice(struct exec_ctx *x, u64 ptr, u64 offset, u64 buf, u64 len, u64 r5)
{
	return slice(x, ptr, (u32)offset, buf, (u32)len, false);
}

u64 kfunc_bpf_dynptr_slice_rdwr(struct exec_ctx *x, u64 ptr, u64 offset, u64 buf, u64 len, u64 r5)
{
	if (x->prog->tops->pkt_readonly)
		return 0;
	return slice(x, ptr, (u32)offset, buf, (u32)len, true);
}

u64 kfunc_bpf_dynptr_adjust(struct exec_ctx *x, u64 ptr, u64 start, u64 end, u64 r4, u64 r5)
{
	struct dynptr_kern d;
	u32 s = (u32)start, e = (u32)end;

	if (!dynptr_get(x, ptr, &d))
		return 0;
	if (!d.data)
		return (u64)-EINVAL;
	if (s > dsize(&d) || e > dsize(&d))
		return (u64)-ERANGE;
	if (s > e)
		return (u64)-EINVAL;
	d.offset += s;
	d.size_bits = (d.size_bits & ~DYNPTR_MAX_SIZE) | (e - s);
	dynptr_put(x, ptr, &d);
	return 0;
}

u64 kfunc_bpf_dynptr_is_null(struct exec_ctx *x, u64 ptr, u64 r2, u64 r3, u64 r4, u64 r5)
{
	struct dynptr_kern d;

	return dynptr_get(x, ptr, &d) && !d.data;
}

u64 kfunc_bpf_dynptr_is_rdonly(struct exec_ctx *x, u64 ptr, u64 r2, u64 r3, u64 r4, u64 r5)
{
	struct dynptr_kern d;

	return dynptr_get(x, ptr, &d) && d.data && drdonly(&d);
}

u64 kfunc_bpf_dynptr_size(struct exec_ctx *x, u64 ptr, u64 r2, u64 r3, u64 r4, u64 r5)
{
	struct dynptr_kern d;

	if (!dynptr_get(x, ptr, &d))
		return 0;
	return d.data ? dsize(&d) : (u32)-EINVAL; /* the kfunc returns a u32 */
}

u64 kfunc_bpf_dynptr_clone(struct exec_ctx *x, u64 ptr, u64 clone, u64 r3, u64 r4, u64 r5)
{
	struct dynptr_kern d;

	if (!dynptr_get(x, ptr, &d))
		return 0;
	if (!d.data) {
		dynptr_set_null(x, clone);
		return (u64)-EINVAL;
	}
	dynptr_put(x, clone, &d);
	return 0;
}
