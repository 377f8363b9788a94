/* The modelled network devices' tc and XDP attachment through rtnetlink (netdev.h), with
 * the kernel's answers: a clsact qdisc created once (EEXIST), filters only under it
 * (EINVAL without), a filter's handle and priority unique on its hook (EEXIST without
 * NLM_F_REPLACE), deleting or querying a missing filter (ENOENT), a device the host lacks
 * (ENODEV).  The reply to a new filter echoes it with its program's id (TCA_BPF_ID), as
 * libbpf's bpf_tc_attach reads it.
 *
 * Locking: netdev_lock (netdev.h). */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <linux/if_ether.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/pkt_cls.h>
#include <linux/pkt_sched.h>
#include <linux/rtnetlink.h>

#include "netdev.h"
#include "tcx.h"
#include "../lib/bpf_newer.h"
#include "../prog/attach.h"
#include "../prog/test_run.h"

#define MAX_DEVS 64
#define MAX_FILTERS 256

struct filter {
	u32 ifindex, parent, handle, prio;
	struct attachment *att;
	struct bpf_prog *prog; /* referenced (for queries) */
};

static pthread_mutex_t netdev_lock = PTHREAD_MUTEX_INITIALIZER;
static u32 clsact[MAX_DEVS]; /* ifindexes with a clsact qdisc */
static u32 nr_clsact;
static struct filter filters[MAX_FILTERS];
static u32 nr_filters;

/* ---- netlink messages ---- */

struct reply {
	u8 *buf;
	size_t len, cap;
	bool failed; /* a message could not be allocated: the kernel's ENOBUFS */
};

static void *reply_put(struct reply *r, size_t n)
{
	size_t need = r->len + NLMSG_ALIGN(n);

	if (need > r->cap) {
		size_t cap = need * 2;
		u8 *b = realloc(r->buf, cap);
		if (!b) {
			r->failed = true;
			return NULL;
		}
		memset(b + r->cap, 0, cap - r->cap);
		r->buf = b;
		r->cap = cap;
	}
	void *p = r->buf + r->len;
	r->len = need;
	return p;
}

/* The acknowledgement (error 0) or error of request req. */
static void reply_ack(struct reply *r, const struct nlmsghdr *req, u32 nl_pid, int err)
{
	struct nlmsghdr *nh = reply_put(r, NLMSG_HDRLEN + sizeof(struct nlmsgerr));

	if (!nh)
		return;
	nh->nlmsg_len = NLMSG_HDRLEN + sizeof(struct nlmsgerr);
	nh->nlmsg_type = NLMSG_ERROR;
	nh->nlmsg_flags = err ? 0 : NLM_F_CAPPED;
	nh->nlmsg_seq = req->nlmsg_seq;
	nh->nlmsg_pid = nl_pid;
	struct nlmsgerr *e = NLMSG_DATA(nh);
	e->error = err;
	e->msg = *req;
}

/* An attribute at the end of the message that starts at offset at (reply_put may move
 * the buffer, so the message is found again after it). */
static struct rtattr *rta_put(struct reply *r, size_t at, u16 type, const void *data, u16 len)
{
	struct rtattr *a = reply_put(r, RTA_LENGTH(len));

	if (!a)
		return NULL;
	struct nlmsghdr *nh = (struct nlmsghdr *)(r->buf + at);
	a->rta_type = type;
	a->rta_len = RTA_LENGTH(len);
	if (data)
		memcpy(RTA_DATA(a), data, len);
	nh->nlmsg_len += RTA_ALIGN(a->rta_len);
	return a;
}

/* The filter as RTM_NEWTFILTER describes it: kind bpf, options { TCA_BPF_ID }. */
static void reply_filter(struct reply *r, const struct nlmsghdr *req, u32 nl_pid,
			 const struct filter *f)
{
	size_t at = r->len;
	struct nlmsghdr *nh = reply_put(r, NLMSG_HDRLEN + sizeof(struct tcmsg));

	if (!nh)
		return;
	nh->nlmsg_len = NLMSG_HDRLEN + sizeof(struct tcmsg);
	nh->nlmsg_type = RTM_NEWTFILTER;
	nh->nlmsg_flags = req->nlmsg_flags & NLM_F_ECHO;
	nh->nlmsg_seq = req->nlmsg_seq;
	nh->nlmsg_pid = nl_pid;
	struct tcmsg *t = NLMSG_DATA(nh);
	t->tcm_family = AF_UNSPEC;
	t->tcm_ifindex = (int)f->ifindex;
	t->tcm_handle = f->handle;
	t->tcm_parent = f->parent;
	t->tcm_info = TC_H_MAKE(f->prio << 16, htons(ETH_P_ALL));
	rta_put(r, at, TCA_KIND, "bpf", 4);
	size_t opt = r->len;
	struct rtattr *o = rta_put(r, at, TCA_OPTIONS, NULL, 0);
	u32 id = f->prog->obj.id;
	if (o && rta_put(r, at, TCA_BPF_ID, &id, sizeof(id)))
		((struct rtattr *)(r->buf + opt))->rta_len += RTA_SPACE(sizeof(id));
}

/* The attributes of a message after its fixed header of hdr bytes: tb[type] or NULL (the
 * type without its NLA_F_NESTED / NLA_F_NET_BYTEORDER bits, which libbpf sets). */
static void rta_parse(const struct nlmsghdr *nh, size_t hdr, const struct rtattr **tb, u16 max)
{
	int len = (int)nh->nlmsg_len - (int)NLMSG_LENGTH(hdr);
	const struct rtattr *a = (const void *)((const u8 *)NLMSG_DATA(nh) + NLMSG_ALIGN(hdr));

	memset(tb, 0, sizeof(*tb) * (max + 1u));
	for (; len > 0 && RTA_OK(a, len); a = RTA_NEXT(a, len))
		if ((a->rta_type & NLA_TYPE_MASK) <= max)
			tb[a->rta_type & NLA_TYPE_MASK] = a;
}

static void rta_parse_nested(const struct rtattr *nest, const struct rtattr **tb, u16 max)
{
	int len = (int)RTA_PAYLOAD(nest);
	const struct rtattr *a = RTA_DATA(nest);

	memset(tb, 0, sizeof(*tb) * (max + 1u));
	for (; len > 0 && RTA_OK(a, len); a = RTA_NEXT(a, len))
		if ((a->rta_type & NLA_TYPE_MASK) <= max)
			tb[a->rta_type & NLA_TYPE_MASK] = a;
}

static bool rta_is_str(const struct rtattr *a, const char *s)
{
	return a && RTA_PAYLOAD(a) >= strlen(s) + 1 && !strcmp(RTA_DATA(a), s);
}

static u32 rta_u32(const struct rtattr *a)
{
	u32 v = 0;

	if (a && RTA_PAYLOAD(a) >= sizeof(v))
		memcpy(&v, RTA_DATA(a), sizeof(v));
	return v;
}

/* ---- clsact qdiscs ---- */

static int clsact_find(u32 ifindex)
{
	for (u32 i = 0; i < nr_clsact; i++)
		if (clsact[i] == ifindex)
			return (int)i;
	return -1;
}

static void filter_drop(u32 i)
{
	attach_del(filters[i].att);
	prog_put(filters[i].prog);
	filters[i] = filters[--nr_filters];
}

/* RTM_NEWQDISC / RTM_DELQDISC of kind clsact.  Caller holds netdev_lock. */
static int qdisc_request(const struct nlmsghdr *nh, const struct tcmsg *t)
{
	u32 ifindex = (u32)t->tcm_ifindex;
	int at = clsact_find(ifindex);

	if (!netdev_exists(ifindex))
		return -ENODEV;
	if (nh->nlmsg_type == RTM_NEWQDISC) {
		if (at >= 0)
			return nh->nlmsg_flags & NLM_F_EXCL ? -EEXIST : 0;
		if (nr_clsact == MAX_DEVS)
			return -ENOSPC;
		clsact[nr_clsact++] = ifindex;
		return 0;
	}
	if (at < 0)
		return -ENOENT;
	clsact[at] = clsact[--nr_clsact];
	for (u32 i = nr_filters; i-- > 0;)
		if (filters[i].ifindex == ifindex)
			filter_drop(i);
	return 0;
}

/* ---- bpf filters ---- */

/* The hook of a filter's parent: "IFINDEX/ingress" or "IFINDEX/egress"; false for a
 * parent that is neither. */
static bool tc_hook_name(u32 ifindex, u32 parent, char *name, size_t len)
{
	if (TC_H_MAJ(parent) != TC_H_MAJ(TC_H_CLSACT) ||
	    (TC_H_MIN(parent) != TC_H_MIN_INGRESS && TC_H_MIN(parent) != TC_H_MIN_EGRESS))
		return false;
	snprintf(name, len, "%u/%s", ifindex,
		 TC_H_MIN(parent) == TC_H_MIN_INGRESS ? "ingress" : "egress");
	return true;
}

static int filter_find(u32 ifindex, u32 parent, u32 prio, u32 handle)
{
	for (u32 i = 0; i < nr_filters; i++)
		if (filters[i].ifindex == ifindex && filters[i].parent == parent &&
		    filters[i].prio == prio && filters[i].handle == handle)
			return (int)i;
	return -1;
}

/* The kernel's choices for a filter given without priority or handle: below the
 * hook's lowest priority (0xC000 on an empty hook), handle 1. */
static void filter_defaults(struct filter *f)
{
	u32 lowest = 0xc000 + 1;

	for (u32 i = 0; i < nr_filters; i++)
		if (filters[i].ifindex == f->ifindex && filters[i].parent == f->parent &&
		    filters[i].prio < lowest)
			lowest = filters[i].prio;
	if (!f->prio)
		f->prio = lowest > 1 ? lowest - 1 : 1;
	if (!f->handle)
		f->handle = 1;
}

static int filter_new(const struct nlmsghdr *nh, struct filter *f, const struct rtattr *opts)
{
	const struct rtattr *tb[TCA_BPF_MAX + 1];
	char name[32];

	rta_parse_nested(opts, tb, TCA_BPF_MAX);
	if (!tb[TCA_BPF_FD])
		return -EINVAL;
	struct bpf_prog *prog = prog_from_fd_type((int)rta_u32(tb[TCA_BPF_FD]),
						  BPF_PROG_TYPE_SCHED_CLS);
	if (IS_ERR(prog))
		return (int)PTR_ERR(prog);
	filter_defaults(f);
	int at = filter_find(f->ifindex, f->parent, f->prio, f->handle);
	if (at >= 0 && (nh->nlmsg_flags & NLM_F_EXCL || !(nh->nlmsg_flags & NLM_F_REPLACE))) {
		prog_put(prog);
		return -EEXIST;
	}
	if (at >= 0)
		filter_drop((u32)at);
	if (nr_filters == MAX_FILTERS) {
		prog_put(prog);
		return -ENOSPC;
	}
	tc_hook_name(f->ifindex, f->parent, name, sizeof(name));
	f->prog = prog;
	f->att = attach_add(HOOK_TC, name, f->prio, false, prog, 0);
	if (!f->att) {
		prog_put(prog);
		return -ENOMEM;
	}
	filters[nr_filters++] = *f;
	return 0;
}

/* RTM_NEWTFILTER / DELTFILTER / GETTFILTER.  Caller holds netdev_lock. */
static int filter_request(const struct nlmsghdr *nh, const struct tcmsg *t,
			  const struct rtattr **tb, struct reply *r, u32 nl_pid)
{
	struct filter f = { (u32)t->tcm_ifindex,         t->tcm_parent, t->tcm_handle,
			    TC_H_MAJ(t->tcm_info) >> 16, NULL,          NULL };
	char name[32];

	if (!netdev_exists(f.ifindex))
		return -ENODEV;
	if (clsact_find(f.ifindex) < 0 || !tc_hook_name(f.ifindex, f.parent, name, sizeof(name)))
		return -EINVAL;
	if (nh->nlmsg_type == RTM_NEWTFILTER) {
		int err = tb[TCA_OPTIONS] ? filter_new(nh, &f, tb[TCA_OPTIONS]) : -EINVAL;
		if (!err && nh->nlmsg_flags & NLM_F_ECHO)
			reply_filter(r, nh, nl_pid, &filters[nr_filters - 1]);
		return err;
	}
	int at = filter_find(f.ifindex, f.parent, f.prio, f.handle);
	if (at < 0)
		return -ENOENT;
	if (nh->nlmsg_type == RTM_GETTFILTER)
		reply_filter(r, nh, nl_pid, &filters[at]);
	else
		filter_drop((u32)at);
	return 0;
}

/* ---- XDP through RTM_SETLINK ---- */

static struct attachment *xdp_rtnl[MAX_DEVS];                /* by slot; xdp_rtnl_dev: its device */
static u32 xdp_rtnl_dev[MAX_DEVS], xdp_rtnl_flags[MAX_DEVS]; /* flags: XDP_FLAGS_*_MODE */

static int xdp_slot(u32 ifindex)
{
	int free_slot = -1;

	for (int i = 0; i < MAX_DEVS; i++) {
		if (xdp_rtnl[i] && xdp_rtnl_dev[i] == ifindex)
			return i;
		if (!xdp_rtnl[i] && free_slot < 0)
			free_slot = i;
	}
	return free_slot;
}

/* dev_change_xdp_fd: fd -1 detaches; an XDP link on the device makes it EBUSY, as does
 * XDP_FLAGS_UPDATE_IF_NOEXIST over an attached program.  Caller holds netdev_lock. */
static int xdp_request(const struct ifinfomsg *ifi, const struct rtattr *xdp)
{
	const struct rtattr *tb[IFLA_XDP_MAX + 1];
	u32 ifindex = (u32)ifi->ifi_index;
	char name[16];

	rta_parse_nested(xdp, tb, IFLA_XDP_MAX);
	if (!netdev_exists(ifindex))
		return -ENODEV;
	int fd = (int)rta_u32(tb[IFLA_XDP_FD]), slot = xdp_slot(ifindex);
	u32 flags = rta_u32(tb[IFLA_XDP_FLAGS]);
	if (slot < 0)
		return -ENOSPC;
	snprintf(name, sizeof(name), "%u", ifindex);
	if (attach_count(HOOK_XDP, name, NULL) > (xdp_rtnl[slot] ? 1u : 0u))
		return -EBUSY; /* a link holds the device */
	if (fd < 0) {
		attach_del(xdp_rtnl[slot]);
		xdp_rtnl[slot] = NULL;
		return 0;
	}
	if (xdp_rtnl[slot] && flags & XDP_FLAGS_UPDATE_IF_NOEXIST)
		return -EBUSY;
	struct bpf_prog *prog = prog_from_fd(fd);
	if (IS_ERR(prog))
		return (int)PTR_ERR(prog);
	int err = 0;
	if (prog->type != BPF_PROG_TYPE_XDP) {
		err = -EINVAL;
	} else if (xdp_rtnl[slot]) {
		attach_set_prog(xdp_rtnl[slot], prog);
	} else {
		/* exclusive: an XDP link made since the count above wins (EBUSY) */
		struct attach_req req = { .kind = HOOK_XDP,
					  .name = name,
					  .role = BPF_XDP,
					  .prog = prog,
					  .exclusive = true };
		err = attach_add_req(&req, &xdp_rtnl[slot]);
		xdp_rtnl_dev[slot] = ifindex;
		xdp_rtnl_flags[slot] = flags & XDP_FLAGS_MODES;
	}
	prog_put(prog);
	return err;
}

/* ---- XDP state through RTM_GETLINK ---- */

/* The mode an XDP program on the device runs in, as IFLA_XDP_ATTACHED says it: the mode
 * its netlink attach asked for, else generic (bpfrun knows no driver's native XDP). */
static u8 xdp_mode(u32 ifindex)
{
	int slot = xdp_slot(ifindex);
	u32 flags = slot >= 0 && xdp_rtnl[slot] ? xdp_rtnl_flags[slot] : 0;

	return flags & XDP_FLAGS_HW_MODE  ? XDP_ATTACHED_HW :
	       flags & XDP_FLAGS_DRV_MODE ? XDP_ATTACHED_DRV :
					    XDP_ATTACHED_SKB;
}

/* One device of a link dump: its index, name and XDP state (IFLA_XDP: the mode, and the
 * program's id in IFLA_XDP_PROG_ID and the mode's own attribute). */
static void reply_link(struct reply *r, const struct nlmsghdr *req, u32 nl_pid, u32 ifindex,
		       const char *ifname)
{
	static const u16 mode_attr[] = { [XDP_ATTACHED_DRV] = IFLA_XDP_DRV_PROG_ID,
					 [XDP_ATTACHED_SKB] = IFLA_XDP_SKB_PROG_ID,
					 [XDP_ATTACHED_HW] = IFLA_XDP_HW_PROG_ID };
	char name[16];
	size_t at = r->len;
	struct nlmsghdr *nh = reply_put(r, NLMSG_HDRLEN + sizeof(struct ifinfomsg));

	if (!nh)
		return;
	*nh = (struct nlmsghdr){ NLMSG_HDRLEN + sizeof(struct ifinfomsg), RTM_NEWLINK, NLM_F_MULTI,
				 req->nlmsg_seq, nl_pid };
	((struct ifinfomsg *)NLMSG_DATA(nh))->ifi_index = (int)ifindex;
	rta_put(r, at, IFLA_IFNAME, ifname, (u16)(strlen(ifname) + 1));
	snprintf(name, sizeof(name), "%u", ifindex);
	struct bpf_prog *prog = attach_first_prog(HOOK_XDP, name);
	u8 mode = prog ? xdp_mode(ifindex) : XDP_ATTACHED_NONE;
	size_t nest = r->len;
	if (!rta_put(r, at, IFLA_XDP | NLA_F_NESTED, NULL, 0))
		goto out;
	size_t before = r->len;
	rta_put(r, at, IFLA_XDP_ATTACHED, &mode, sizeof(mode));
	if (prog) {
		u32 id = prog->obj.id;
		rta_put(r, at, IFLA_XDP_PROG_ID, &id, sizeof(id));
		rta_put(r, at, mode_attr[mode], &id, sizeof(id));
	}
	((struct rtattr *)(r->buf + nest))->rta_len += (u16)(r->len - before);
out:
	if (prog)
		prog_put(prog);
}

/* libbpf's bpf_xdp_query: a dump of every device of the caller's network namespace with
 * its XDP state, then NLMSG_DONE. */
static int links_dump(const struct nlmsghdr *req, struct reply *r, u32 nl_pid)
{
	struct if_nameindex *devs = if_nameindex();

	if (!devs)
		return -ENOBUFS;
	for (struct if_nameindex *d = devs; d->if_index; d++)
		reply_link(r, req, nl_pid, d->if_index, d->if_name);
	if_freenameindex(devs);
	size_t at = r->len;
	struct nlmsghdr *done = reply_put(r, NLMSG_LENGTH(sizeof(int)));
	if (done) {
		*done = (struct nlmsghdr){ NLMSG_LENGTH(sizeof(int)), NLMSG_DONE, NLM_F_MULTI,
					   req->nlmsg_seq, nl_pid };
		memset(r->buf + at + NLMSG_HDRLEN, 0, sizeof(int));
	}
	return 0;
}

/* ---- requests ---- */

/* The answer to a request of ours (0 or -errno, extra messages in r), or 1: not ours. */
static int rtnl_dispatch(const struct nlmsghdr *nh, struct reply *r, u32 nl_pid)
{
	const struct rtattr *tb[TCA_MAX + 1], *lb[IFLA_MAX + 1];

	switch (nh->nlmsg_type) {
	case RTM_NEWQDISC:
	case RTM_DELQDISC:
		if (nh->nlmsg_len < NLMSG_LENGTH(sizeof(struct tcmsg)))
			return 1;
		rta_parse(nh, sizeof(struct tcmsg), tb, TCA_MAX);
		return rta_is_str(tb[TCA_KIND], "clsact") ? qdisc_request(nh, NLMSG_DATA(nh)) : 1;
	case RTM_NEWTFILTER:
	case RTM_DELTFILTER:
	case RTM_GETTFILTER:
		if (nh->nlmsg_len < NLMSG_LENGTH(sizeof(struct tcmsg)))
			return 1;
		rta_parse(nh, sizeof(struct tcmsg), tb, TCA_MAX);
		if (!rta_is_str(tb[TCA_KIND], "bpf") && nh->nlmsg_type == RTM_NEWTFILTER)
			return 1;
		return filter_request(nh, NLMSG_DATA(nh), tb, r, nl_pid);
	case RTM_SETLINK:
		if (nh->nlmsg_len < NLMSG_LENGTH(sizeof(struct ifinfomsg)))
			return 1;
		rta_parse(nh, sizeof(struct ifinfomsg), lb, IFLA_MAX);
		return lb[IFLA_XDP] ? xdp_request(NLMSG_DATA(nh), lb[IFLA_XDP]) : 1;
	case RTM_GETLINK: /* a dump with no attribute is libbpf's bpf_xdp_query; iproute2's
			   * dumps carry IFLA_EXT_MASK and are the kernel's */
		if ((nh->nlmsg_flags & NLM_F_DUMP) != NLM_F_DUMP ||
		    nh->nlmsg_len != NLMSG_LENGTH(sizeof(struct ifinfomsg)))
			return 1;
		return links_dump(nh, r, nl_pid);
	default:
		return 1;
	}
}

int netdev_rtnl_answer(const void *msg, size_t len, u32 nl_pid, netdev_deliver_fn deliver,
		       void *arg)
{
	const struct nlmsghdr *nh = msg;
	struct reply r = { 0 };

	if (len < NLMSG_HDRLEN || nh->nlmsg_len > len || nh->nlmsg_len < NLMSG_HDRLEN)
		return 0;
	pthread_mutex_lock(&netdev_lock);
	int err = rtnl_dispatch(nh, &r, nl_pid);
	if (err <= 0 && (err || nh->nlmsg_flags & NLM_F_ACK))
		reply_ack(&r, nh, nl_pid, err);
	pthread_mutex_unlock(&netdev_lock);
	int ret = err > 0 ? 0 : r.failed ? -ENOBUFS : 1;
	/* one message per datagram, as the kernel sends an echo and its acknowledgement
	 * (libbpf's bpf_tc_attach reads them apart) */
	for (size_t off = 0; ret > 0 && off + NLMSG_HDRLEN <= r.len;) {
		const struct nlmsghdr *m = (const void *)(r.buf + off);
		if (m->nlmsg_len < NLMSG_HDRLEN || m->nlmsg_len > r.len - off)
			break;
		int derr = deliver(m, m->nlmsg_len, arg);
		if (derr)
			ret = derr;
		off += NLMSG_ALIGN(m->nlmsg_len);
	}
	free(r.buf);
	return ret;
}

/* ---- packets through tc ---- */

/* The classic filters of the hook, in priority order (direct action). */
static int filters_run(const char *hook, const void *pkt, u32 size, u32 *retval)
{
	struct bpf_prog *progs[MAX_FILTERS];
	u32 prios[MAX_FILTERS], n = 0;
	char name[32];

	pthread_mutex_lock(&netdev_lock);
	for (u32 i = 0; i < nr_filters; i++) {
		tc_hook_name(filters[i].ifindex, filters[i].parent, name, sizeof(name));
		if (strcmp(name, hook))
			continue;
		u32 k = n++; /* insertion by priority */
		while (k && prios[k - 1] > filters[i].prio) {
			progs[k] = progs[k - 1];
			prios[k] = prios[k - 1];
			k--;
		}
		progs[k] = filters[i].prog;
		prios[k] = filters[i].prio;
		prog_get(progs[k]);
	}
	pthread_mutex_unlock(&netdev_lock);
	int err = n ? 0 : -ENOENT;
	*retval = (u32)TC_ACT_UNSPEC;
	for (u32 i = 0; i < n; i++) {
		if (!err && *retval == (u32)TC_ACT_UNSPEC) /* direct action: the first verdict */
			err = attach_run_packet(progs[i], pkt, size, retval);
		prog_put(progs[i]);
	}
	return err;
}

/* As sch_handle_ingress/egress: the TCX chain first, whose verdict other than TCX_NEXT is
 * final; then the classic filters. */
int netdev_tc_run(const char *hook, const void *pkt, u32 size, u32 *retval)
{
	char *dir;
	u32 ifindex = (u32)strtoul(hook, &dir, 10);
	int verdict, tcx = tcx_run(ifindex, !strcmp(dir, "/ingress"), pkt, size, &verdict);

	if (tcx && tcx != -ENOENT)
		return tcx;
	if (!tcx && verdict != BPFRUN_TCX_NEXT) {
		*retval = (u32)verdict;
		return 0;
	}
	int err = filters_run(hook, pkt, size, retval);
	if (err == -ENOENT && !tcx) {
		*retval = (u32)BPFRUN_TCX_NEXT; /* the chain said next, no filter is there */
		return 0;
	}
	return err;
}
