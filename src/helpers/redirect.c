/* The redirect helpers: bpf_redirect (XDP and tc forms), bpf_redirect_map (XDP, over the
 * redirect maps of maps/redirect.h), bpf_redirect_peer and bpf_redirect_neigh, with the
 * kernel's flag checks and verdicts (net/core/filter.c).  As the kernel's per-CPU
 * bpf_redirect_info, each thread keeps the target of its run's last redirect call; a
 * test run moves no packet but publishes that target when the program's verdict is a
 * redirect (bpfrun_last_redirect, include/bpfrun.h): XDP_REDIRECT, TC_ACT_REDIRECT, or
 * SK_PASS after a socket-map redirect (helpers/sockmap.c, bpfrun_fire("sk_skb/...")).
 * State: thread-local only, no locking.
 */
#include <linux/pkt_cls.h>
#include <string.h>

#include "bpfrun.h"
#include "internal.h"
#include "redirect.h"
#include "../maps/redirect.h"
#include "../pkt/pkt.h"

#define XDP_ACTION_MASK (XDP_ABORTED | XDP_DROP | XDP_PASS | XDP_TX)
#ifndef BPF_F_REDIRECT_INTERNAL
#define BPF_F_REDIRECT_INTERNAL (1ull << 1) /* the kernel's own bit past BPF_F_INGRESS */
#endif

static __thread struct bpfrun_redirect pending; /* the run's last redirect call */
static __thread bool pending_set;
static __thread struct bpfrun_redirect last; /* the last test run's, when it redirected */
static __thread bool last_set;

static void set_target(u32 ifindex, u32 how, u64 flags)
{
	pending = (struct bpfrun_redirect){
		.ifindex = ifindex, .cpu = -1, .xsk = -1, .how = how, .flags = flags
	};
	pending_set = true;
}

void redirect_run_begin(void)
{
	pending_set = false;
}

void redirect_run_end(u32 retval, bool xdp)
{
	u32 redirected = pending.how == BPFRUN_REDIRECT_SOCKET ? SK_PASS :
			 xdp                                   ? XDP_REDIRECT :
								 TC_ACT_REDIRECT;

	last_set = pending_set && retval == redirected;
	last = pending;
	last.action = retval;
}

void redirect_set_socket(const struct bpf_map *map, u32 key, u64 cookie, u64 flags)
{
	set_target(0, BPFRUN_REDIRECT_SOCKET, flags);
	pending.map_id = map->obj.id;
	pending.map_type = map->map_type;
	pending.key = key;
	pending.cookie = cookie;
}

int bpfrun_last_redirect(struct bpfrun_redirect *out)
{
	if (!last_set)
		return -ENOENT;
	*out = last;
	return 0;
}

HELPER(redirect)
{
	u32 ifindex = (u32)r1;
	u64 flags = r2;

	if (pkt_state(x, PKT_XDP)) { /* bpf_xdp_redirect */
		if (flags)
			return XDP_ABORTED;
		set_target(ifindex, BPFRUN_REDIRECT_EGRESS, 0);
		return XDP_REDIRECT;
	}
	if (flags & (~(u64)BPF_F_INGRESS | BPF_F_REDIRECT_INTERNAL))
		return TC_ACT_SHOT;
	set_target(ifindex,
		   flags & BPF_F_INGRESS ? BPFRUN_REDIRECT_INGRESS : BPFRUN_REDIRECT_EGRESS, flags);
	return TC_ACT_REDIRECT;
}

HELPER(redirect_peer)
{
	if (r2)
		return TC_ACT_SHOT;
	set_target((u32)r1, BPFRUN_REDIRECT_PEER, 0);
	return TC_ACT_REDIRECT;
}

/* bpf_redirect_neigh(ifindex, params, plen, flags): params (struct bpf_redir_neigh) may
 * give the next hop; the neighbour lookup happens at transmit, which a test run does not
 * reach. */
HELPER(redirect_neigh)
{
	u32 plen = (u32)r3;

	if ((plen && plen < sizeof(struct bpf_redir_neigh)) || r4)
		return TC_ACT_SHOT;
	if (plen && !vm_mem(x, r2, plen, false))
		return 0;
	set_target((u32)r1, BPFRUN_REDIRECT_NEIGH, 0);
	return TC_ACT_REDIRECT;
}

HELPER(redirect_map)
{
	struct bpf_map *map = vm_map_arg(x, r1);
	u32 key = (u32)r2, ifindex = 0;
	u64 flags = r3;

	if (!map)
		return 0;
	if (flags & ~(XDP_ACTION_MASK | redirect_map_flag_mask(map)))
		return XDP_ABORTED;
	if (!redirect_map_target(map, key, &ifindex) && !(flags & BPF_F_BROADCAST)) {
		pending_set = false; /* a failed lookup clears the target, as the kernel's */
		return flags & XDP_ACTION_MASK;
	}
	set_target(ifindex,
		   flags & BPF_F_BROADCAST ? BPFRUN_REDIRECT_BROADCAST : BPFRUN_REDIRECT_EGRESS,
		   flags & BPF_F_BROADCAST ? flags : 0);
	pending.map_id = map->obj.id;
	pending.map_type = map->map_type;
	pending.key = key;
	if (map->map_type == BPF_MAP_TYPE_CPUMAP)
		pending.cpu = (s32)key;
	if (map->map_type == BPF_MAP_TYPE_XSKMAP)
		pending.xsk = (s32)key;
	return XDP_REDIRECT;
}
