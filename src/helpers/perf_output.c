/* bpf_perf_event_output: a sample of the program's bytes into the ring of the perf event
 * at an index of a PERF_EVENT_ARRAY (maps/perf_event_array.h, maps/perf_ring.h), with the
 * kernel's three forms of the one helper id: tracing programs (bpf_perf_event_output:
 * flags hold the index only), skb programs (bpf_skb_event_output) and xdp programs
 * (bpf_xdp_event_output), where the upper 32 bits of flags ask for that many packet bytes
 * after the program's.  Errors as the kernel's, in its order: -EINVAL (flags), -EFAULT
 * (more packet bytes than the packet has), -E2BIG (index), -ENOENT (empty slot), -EINVAL
 * (not a BPF_OUTPUT event), -EOPNOTSUPP (disabled, or another CPU's event), -ENOSPC (no
 * ring mapped, or full).
 *
 * bpf_perf_event_read and bpf_perf_event_read_value: the count of the event at an index
 * (perf_ring_read: 0 for BPF_OUTPUT events, which count nothing in the kernel either; 0
 * too for bpfrun's probe events, which keep no count).
 *
 * No locking here: the map and the ring lock themselves. */
#include <string.h>

#include "internal.h"
#include "../maps/perf_event_array.h"
#include "../pkt/pkt.h"

#define MAX_FRAGS (2 + PKT_MAX_FRAGS) /* the program's bytes, linear data, fragments */

/* Appends up to want bytes of the packet (linear data, then an xdp buffer's fragments). */
static u32 packet_frags(struct exec_ctx *x, struct perf_frag *f, u32 n, u64 want)
{
	struct pkt_buf *pkt = x->type_data;
	struct xdp_state *xs = pkt_state(x, PKT_XDP);
	u64 take = MIN(want, (u64)(pkt->data_end - pkt->data));

	f[n++] = (struct perf_frag){ pkt->data, take };
	want -= take;
	for (u32 i = 0; xs && want && i < xs->frags.nr; i++) {
		take = MIN(want, (u64)xs->frags.len[i]);
		f[n++] = (struct perf_frag){ xs->frags.page[i], take };
		want -= take;
	}
	return n;
}

/* The packet's length in bytes (an xdp buffer's fragments count), or 0 with none. */
static u64 packet_len(struct exec_ctx *x)
{
	struct pkt_buf *pkt = x->type_data;
	struct xdp_state *xs = pkt_state(x, PKT_XDP);

	if (!pkt_state(x, PKT_SKB) && !xs)
		return 0;
	return (u64)(pkt->data_end - pkt->data) + (xs ? xs->frags.total : 0);
}

static long output(struct exec_ctx *x, struct bpf_map *map, u64 flags, struct perf_frag *f, u32 nr)
{
	u64 index = flags & BPF_F_INDEX_MASK;
	struct perf_ring *ring;
	struct obj *ev;

	if (index == BPF_F_CURRENT_CPU)
		index = x->cpu;
	long err = perf_event_array_get(map, index, &ev, &ring);
	if (err)
		return err;
	err = ring ? perf_ring_output(ring, x->cpu, f, nr) : -EINVAL;
	obj_put(ev);
	return err;
}

HELPER(perf_event_output)
{
	struct bpf_map *m = vm_map_arg(x, r2);
	const void *data = m ? vm_mem(x, r4, r5, false) : NULL;
	bool pkt = pkt_state(x, PKT_SKB) || pkt_state(x, PKT_XDP);
	u64 ctx_len = pkt ? (r3 & BPF_F_CTXLEN_MASK) >> 32 : 0;
	struct perf_frag f[MAX_FRAGS] = { { data, r5 } };

	if (!m || (!data && r5))
		return 0;
	if (!map_is_perf_event_array(m)) {
		vm_fault(x, "cannot pass map_type %u into func bpf_perf_event_output#25",
			 m->map_type);
		return 0;
	}
	if (r3 & ~(BPF_F_INDEX_MASK | (pkt ? BPF_F_CTXLEN_MASK : 0)))
		return (u64)-EINVAL;
	if (ctx_len > packet_len(x))
		return (u64)-EFAULT;
	u32 nr = ctx_len ? packet_frags(x, f, 1, ctx_len) : 1;
	return (u64)output(x, m, r3, f, nr);
}

static struct bpf_map *array_arg(struct exec_ctx *x, u64 reg, const char *fn)
{
	struct bpf_map *m = vm_map_arg(x, reg);

	if (m && !map_is_perf_event_array(m)) {
		vm_fault(x, "cannot pass map_type %u into func %s", m->map_type, fn);
		return NULL;
	}
	return m;
}

/* The kernel's get_map_perf_counter. */
static long read_counter(struct exec_ctx *x, struct bpf_map *map, u64 flags,
			 struct bpf_perf_event_value *v)
{
	u64 index = flags & BPF_F_INDEX_MASK;
	struct perf_ring *ring;
	struct obj *ev;

	if (flags & ~BPF_F_INDEX_MASK)
		return -EINVAL;
	if (index == BPF_F_CURRENT_CPU)
		index = x->cpu;
	long err = perf_event_array_get(map, index, &ev, &ring);
	if (err)
		return err;
	u64 count = 0, enabled = 0, running = 0;
	if (ring)
		err = perf_ring_read(ring, x->cpu, &count, &enabled, &running);
	obj_put(ev);
	*v = (struct bpf_perf_event_value){ count, enabled, running };
	return err;
}

HELPER(perf_event_read)
{
	struct bpf_map *m = array_arg(x, r1, "bpf_perf_event_read#22");
	struct bpf_perf_event_value v;

	if (!m)
		return 0;
	long err = read_counter(x, m, r2, &v);
	return err ? (u64)err : v.counter;
}

HELPER(perf_event_read_value)
{
	struct bpf_map *m = array_arg(x, r1, "bpf_perf_event_read_value#55");
	struct bpf_perf_event_value *buf = m ? vm_mem(x, r3, r4, true) : NULL;
	long err = -EINVAL;

	if (!m || (!buf && r4))
		return 0;
	if (r4 == sizeof(*buf))
		err = read_counter(x, m, r2, buf);
	if (err)
		memset(buf, 0, r4);
	return (u64)err;
}
