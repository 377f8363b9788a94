/* XDP programs: struct xdp_md, and the test run of the kernel's bpf_prog_test_run_xdp.
 *
 * The frame sits in a page after XDP_PACKET_HEADROOM (256) bytes, less any metadata the
 * caller put in front of it (ctx_in's data); the room between the page start plus the
 * size of struct xdp_frame and the end of the page less the skb_shared_info tailroom is
 * what bpf_xdp_adjust_head/tail/meta may use.  data_out is everything from data_meta to
 * data_end, then the fragments of a frame larger than that room.  No locking: a run's state belongs to its thread.
 */
#include <stdlib.h>
#include <string.h>

#include "types.h"
#include "test_run.h"
#include "../lib/uaccess.h"
#include "../vm/vm.h"

#define XDP_HEADROOM 256u
#define XDP_TAILROOM 320u /* SKB_DATA_ALIGN(sizeof(struct skb_shared_info)) */
#define XDP_MAX_META 255u /* skb_shared_info.meta_len is a u8 */

#define XDP_OFF(f) offsetof(struct xdp_md, f)

/* xdp_is_valid_access: 4-byte reads only (no ctx_store); egress_ifindex for devmap
 * programs only. */
static bool xdp_access_ok(const struct bpf_prog *prog, u32 off, u32 size, bool write)
{
	if (write || off >= sizeof(struct xdp_md) || size != 4 || off % 4)
		return false;
	return off != XDP_OFF(egress_ifindex) || prog->expected_attach_type == BPF_XDP_DEVMAP;
}

static int xdp_ctx_access(const struct bpf_prog *prog, u32 off, u32 size, bool write, u8 *kind)
{
	if (!xdp_access_ok(prog, off, size, write))
		return -EACCES;
	*kind = off == XDP_OFF(data)      ? CTX_PKT :
		off == XDP_OFF(data_end)  ? CTX_PKT_END :
		off == XDP_OFF(data_meta) ? CTX_PKT_META :
					    CTX_SCALAR;
	return 0;
}

static int xdp_ctx_load(struct exec_ctx *x, u32 off, u32 size, u64 *val)
{
	struct xdp_state *st = pkt_state(x, PKT_XDP);

	if (!st || !xdp_access_ok(x->prog, off, size, false))
		return -EACCES;
	switch (off) {
	case XDP_OFF(data):
		*val = (u64)(uintptr_t)st->pkt.data;
		break;
	case XDP_OFF(data_end):
		*val = (u64)(uintptr_t)st->pkt.data_end;
		break;
	case XDP_OFF(data_meta):
		*val = (u64)(uintptr_t)st->pkt.meta;
		break;
	default:
		*val = ctx_read_bytes(&st->md, off, 4);
	}
	return 0;
}

static bool metalen_invalid(u32 len)
{
	return (len & 3) || len > XDP_MAX_META;
}

/* Checks ctx_in (xdp_convert_md_to_buff and the checks before it). */
static int xdp_check_ctx(const union bpf_attr *attr, const struct xdp_md *ctx)
{
	if (ctx->data_meta || ctx->data_end > attr->test.data_size_in ||
	    ctx->data > ctx->data_end || metalen_invalid(ctx->data))
		return -EINVAL;
	if (ctx->egress_ifindex)
		return -EINVAL;
	if (ctx->ingress_ifindex && !netdev_exists(ctx->ingress_ifindex))
		return -ENODEV;
	return ctx->rx_queue_index ? -EINVAL : 0;
}

/* What does not fit the linear part goes to page-sized fragments. */
static int xdp_build_frags(struct pkt_frags *frags, const union bpf_attr *attr, u32 done)
{
	const u8 *in = u64_to_ptr(attr->test.data_in);

	while (done < attr->test.data_size_in) {
		if (frags->nr == PKT_MAX_FRAGS)
			return -ENOMEM;
		u32 n = MIN(attr->test.data_size_in - done, TEST_PAGE_SIZE);
		u8 *page = malloc(TEST_PAGE_SIZE);
		if (!page)
			return -ENOMEM;
		if (copy_from_user(page, in + done, n)) {
			free(page);
			return -EFAULT;
		}
		frags->page[frags->nr] = page;
		frags->len[frags->nr++] = n;
		frags->total += n;
		done += n;
	}
	return 0;
}

static void xdp_free(struct xdp_state *st)
{
	for (u32 i = 0; i < PKT_MAX_FRAGS; i++)
		free(st->frags.page[i]);
	free(st->pkt.head);
}

static int xdp_build(struct xdp_state *st, const union bpf_attr *attr, const struct xdp_md *ctx)
{
	u32 headroom = XDP_HEADROOM, meta = 0, linear = attr->test.data_size_in;

	if (ctx) {
		headroom -= ctx->data;
		meta = ctx->data;
		linear = ctx->data_end;
	}
	u32 max_linear = TEST_PAGE_SIZE - headroom - XDP_TAILROOM;
	linear = MIN(linear, max_linear);
	if (attr->test.data_size_in - meta < ETH_HLEN || linear < ETH_HLEN)
		return -EINVAL;
	int err = pkt_alloc(&st->pkt, PKT_XDP, attr, XDP_TAILROOM);
	if (err)
		return err;
	st->pkt.meta = st->pkt.head + headroom;
	if (copy_from_user(st->pkt.meta, u64_to_ptr(attr->test.data_in), linear))
		return -EFAULT;
	st->pkt.data = st->pkt.meta + meta;
	st->pkt.data_end = st->pkt.meta + linear;
	st->md.ingress_ifindex = ctx && ctx->ingress_ifindex ? ctx->ingress_ifindex :
							       LOOPBACK_IFINDEX;
	return xdp_build_frags(&st->frags, attr, linear);
}

static int xdp_test_run(struct bpf_prog *prog, const union bpf_attr *attr, union bpf_attr *uattr)
{
	struct xdp_state st = { 0 };
	u32 retval = 0, duration = 0;
	int err;

	if (prog->expected_attach_type == BPF_XDP_DEVMAP ||
	    prog->expected_attach_type == BPF_XDP_CPUMAP)
		return -EINVAL;
	if (attr->test.flags & ~BPF_F_TEST_XDP_LIVE_FRAMES)
		return -EINVAL;
	if (attr->test.flags & BPF_F_TEST_XDP_LIVE_FRAMES)
		return -EOPNOTSUPP; /* no devices to send frames to */
	if (attr->test.batch_size)
		return -EINVAL;
	struct xdp_md *ctx = test_ctx_init(attr, sizeof(struct xdp_md));
	if (IS_ERR(ctx))
		return (int)PTR_ERR(ctx);
	err = ctx ? xdp_check_ctx(attr, ctx) : 0;
	if (!err)
		err = xdp_build(&st, attr, ctx);
	if (err)
		goto out;
	err = pkt_test_run(prog, attr, &st.md, sizeof(st.md), &st.pkt, &retval, &duration);
	if (ctx) {
		ctx->data = (u32)(st.pkt.data - st.pkt.meta);
		ctx->data_end = (u32)(st.pkt.data_end - st.pkt.meta);
	}
	if (err)
		goto out;
	err = test_finish(attr, uattr, st.pkt.meta,
			  (u32)(st.pkt.data_end - st.pkt.meta) + st.frags.total, &st.frags, retval,
			  duration);
	if (!err)
		err = test_ctx_finish(attr, uattr, ctx, sizeof(*ctx));
out:
	free(ctx);
	xdp_free(&st);
	return err;
}

const struct prog_type_ops xdp_ops = {
	.name = "xdp",
	.ctx_size = sizeof(struct xdp_md),
	.helpers = &xdp_helpers,
	.ctx_load = xdp_ctx_load,
	.ctx_access = xdp_ctx_access,
	.test_run = xdp_test_run,
};
