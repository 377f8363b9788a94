/* Links (link.h) and the link commands: BPF_LINK_CREATE, BPF_RAW_TRACEPOINT_OPEN,
 * BPF_LINK_UPDATE, BPF_LINK_DETACH and the link part of BPF_OBJ_GET_INFO_BY_FD (the id
 * commands are syscall.c's, shared by every object type), with the kernel's errnos
 * (kernel/bpf/syscall.c, bpf_trampoline.c, trace/bpf_trace.c).
 *
 * Locking: link->lock (link.h); raw_tp_lock guards the cache of raw tracepoint names; the
 * attach layer and perf events lock themselves.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <linux/btf.h>
#include <linux/if_link.h>
#include <string.h>

#include "commands.h"
#include "link.h"
#include "perf_event.h"
#include "sockmap_attach.h"
#include "tcx.h"
#include "../btf/kernel_btf.h"
#include "../lib/bpf_newer.h"
#include "../lib/ksyms.h"
#include "../lib/uaccess.h"
#include "../prog/attach.h"
#include "../prog/test_run.h"

#define BPF_MAX_TRAMP_LINKS 38 /* the kernel's limit of programs per trampoline */
#define RAW_TP_NAME_MAX 128

/* Ends the link's attachment (detach, or its last user reference going away).  The link
 * keeps its program until it is freed, as the kernel's (link info still names it). */
static void link_detach_now(struct bpf_link *link)
{
	if (link->type == BPFRUN_LINK_TYPE_TCX)
		tcx_link_release(link);
	pthread_mutex_lock(&link->lock);
	struct attachment *att = link->att, **multi = link->multi;
	struct perf_event *ev = link->perf_event;
	struct bpf_prog *prog = link->prog; /* kept: link_free drops it */
	struct bpf_map *map = link->map;
	u32 nr_multi = link->nr_multi;
	link->map = NULL;
	link->att = NULL;
	link->multi = NULL;
	link->nr_multi = 0;
	link->perf_event = NULL;
	pthread_mutex_unlock(&link->lock);
	attach_del(att);
	for (u32 i = 0; i < nr_multi; i++)
		attach_del(multi[i]);
	free(multi);
	if (ev) {
		perf_event_clear_prog(ev);
		perf_event_put(ev);
	}
	if (map)
		sockmap_link_release(link, map, prog);
}

static void link_release_user(struct obj *o)
{
	link_detach_now(link_of(o));
}

static void link_free(struct obj *o)
{
	struct bpf_link *link = link_of(o);

	link_detach_now(link);
	if (link->prog)
		prog_put(link->prog);
	free(link->multi_addrs);
	free(link->multi_cookies);
	pthread_mutex_destroy(&link->lock);
	free(link->tp_name);
	free(link);
}

static const struct obj_ops link_obj_ops = { .free = link_free, .release_user = link_release_user };

struct bpf_link *link_alloc(u32 type, u32 attach_type, struct bpf_prog *prog)
{
	struct bpf_link *link = calloc(1, sizeof(*link));

	if (!link)
		return ERR_PTR(-ENOMEM);
	int err = obj_init(&link->obj, OBJ_LINK, &link_obj_ops);
	if (err) {
		free(link);
		return ERR_PTR(err);
	}
	pthread_mutex_init(&link->lock, NULL);
	link->type = type;
	link->attach_type = attach_type;
	prog_get(prog);
	link->prog = prog;
	return link;
}

int link_publish(struct bpf_link *link)
{
	int fd = obj_fd_new(&link->obj, O_CLOEXEC);

	obj_put(&link->obj); /* the descriptor holds it now, or the failure frees it */
	return fd;
}

/* link_publish() of a link whose attachment is att, attach_add()'s result (NULL: out of
 * memory, the link torn down). */
static int link_publish_att(struct bpf_link *link, struct attachment *att)
{
	link->att = att;
	if (!att) {
		obj_put(&link->obj);
		return -ENOMEM;
	}
	return link_publish(link);
}

/* Attaches the link's program as req (limits checked with the add) and publishes the
 * link, or tears it down and returns attach_add_req's error. */
static int link_publish_req(struct bpf_link *link, struct attach_req *req)
{
	struct attachment *att = NULL;
	int err = attach_add_req(req, &att);

	if (err) {
		obj_put(&link->obj);
		return err;
	}
	return link_publish_att(link, att);
}

/* A trampoline link (fentry, fexit, fmod_ret, LSM) at the function the program was
 * loaded for: the kernel's bpf_tracing_prog_attach.  One program may be attached to a
 * function once (EBUSY), at most BPF_MAX_TRAMP_LINKS programs to one function (E2BIG). */
static int tracing_attach(struct bpf_prog *prog, u32 target_fd, u32 btf_id, u64 cookie)
{
	if (!!target_fd != !!btf_id)
		return -EINVAL;
	if (target_fd)
		return -EINVAL; /* only freplace (EXT) programs attach to another program */
	if (btf_id && btf_id != prog->attach_btf_id)
		return -EINVAL;
	struct attach_req req = { .kind = HOOK_TRAMP,
				  .name = prog->attach_func,
				  .role = prog->expected_attach_type,
				  .prog = prog,
				  .cookie = cookie,
				  .max = BPF_MAX_TRAMP_LINKS,
				  .once = true };
	struct bpf_link *link = link_alloc(BPF_LINK_TYPE_TRACING, prog->expected_attach_type, prog);
	if (IS_ERR(link))
		return (int)PTR_ERR(link);
	link->target_btf_id = prog->attach_btf_id;
	return link_publish_req(link, &req);
}

/* Raw tracepoint names found in the kernel's BTF, so that attaching again does not
 * search its 100,000 types (a linear search, half a millisecond) each time.  Under
 * raw_tp_lock; the kernel's BTF never changes, so an entry stays true. */
#define RAW_TP_CACHE 64
static pthread_mutex_t raw_tp_lock = PTHREAD_MUTEX_INITIALIZER;
static char raw_tp_known[RAW_TP_CACHE][RAW_TP_NAME_MAX];
static u32 raw_tp_next;

static bool raw_tp_cached(const char *name)
{
	bool hit = false;

	pthread_mutex_lock(&raw_tp_lock);
	for (u32 i = 0; i < RAW_TP_CACHE && !hit; i++)
		hit = !strcmp(raw_tp_known[i], name);
	pthread_mutex_unlock(&raw_tp_lock);
	return hit;
}

/* A raw tracepoint exists when the kernel's BTF has its btf_trace_<name> typedef. */
static bool raw_tp_exists(const char *name)
{
	char type_name[RAW_TP_NAME_MAX + 16];

	if (!*name || strlen(name) >= RAW_TP_NAME_MAX)
		return false;
	if (raw_tp_cached(name))
		return true;
	snprintf(type_name, sizeof(type_name), "btf_trace_%s", name);
	if (kernel_btf_find(type_name, BTF_KIND_TYPEDEF) <= 0)
		return false;
	pthread_mutex_lock(&raw_tp_lock);
	snprintf(raw_tp_known[raw_tp_next++ % RAW_TP_CACHE], RAW_TP_NAME_MAX, "%s", name);
	pthread_mutex_unlock(&raw_tp_lock);
	return true;
}

static int raw_tp_attach(struct bpf_prog *prog, const char *name, u64 cookie)
{
	if (!raw_tp_exists(name))
		return -ENOENT;
	struct bpf_link *link = link_alloc(BPF_LINK_TYPE_RAW_TRACEPOINT, BPF_TRACE_RAW_TP, prog);
	if (IS_ERR(link))
		return (int)PTR_ERR(link);
	link->tp_name = strdup(name);
	struct attachment *att = link->tp_name ? attach_add(HOOK_RAW_TP, name, BPF_TRACE_RAW_TP,
							    false, prog, cookie) :
						 NULL;
	return link_publish_att(link, att);
}

/* bpf_perf_link_attach: the program runs on the event's firing, with the cookie. */
static int perf_link_attach(struct bpf_prog *prog, int event_fd, u64 cookie)
{
	struct perf_event *ev = perf_event_from_fd(event_fd);

	if (IS_ERR(ev))
		return (int)PTR_ERR(ev);
	struct bpf_link *link = link_alloc(BPF_LINK_TYPE_PERF_EVENT, BPF_PERF_EVENT, prog);
	if (IS_ERR(link)) {
		perf_event_put(ev);
		return (int)PTR_ERR(link);
	}
	int err = perf_event_set_prog(ev, prog, cookie);
	if (err) {
		perf_event_put(ev);
		obj_put(&link->obj);
		return err;
	}
	link->perf_event = ev;
	return link_publish(link);
}

#define MAX_KPROBE_MULTI_CNT (1u << 20)
#define KSYM_NAME_LEN 512

/* The function names of a kprobe.multi link, and their addresses when they are known
 * (by address) or wanted (bpf_get_func_ip): kallsyms is read once for all of them. */
struct multi_syms {
	char **names;
	u64 *addrs;
	u32 cnt;
};

static void multi_syms_free(struct multi_syms *ms)
{
	for (u32 i = 0; ms->names && i < ms->cnt; i++)
		free(ms->names[i]);
	free(ms->names);
	free(ms->addrs);
}

/* syms: a user array of string pointers; each name is copied. */
static int multi_names_from_user(struct multi_syms *ms, u64 syms)
{
	char name[KSYM_NAME_LEN];
	u64 uptr;

	for (u32 i = 0; i < ms->cnt; i++) {
		if (copy_from_user(&uptr, u64_to_ptr(syms + (u64)i * sizeof(u64)), sizeof(uptr)))
			return -EFAULT;
		long n = strncpy_from_user(name, u64_to_ptr(uptr), KSYM_NAME_LEN);
		if (n < 0)
			return -EFAULT;
		if (n == KSYM_NAME_LEN)
			return -E2BIG;
		if (!(ms->names[i] = strdup(name)))
			return -ENOMEM;
	}
	return 0;
}

/* By name (syms, with their addresses through kallsyms, which link info gives) or by
 * kernel address (addrs, named through kallsyms: EINVAL where no symbol is). */
static int multi_syms_get(struct multi_syms *ms, u64 syms, u64 addrs)
{
	ms->names = calloc(ms->cnt, sizeof(*ms->names));
	ms->addrs = calloc(ms->cnt, sizeof(*ms->addrs));
	if (!ms->names || !ms->addrs)
		return -ENOMEM;
	if (syms) {
		int err = multi_names_from_user(ms, syms);
		return err ? err : ksym_addrs((const char *const *)ms->names, ms->cnt, ms->addrs);
	}
	if (copy_from_user(ms->addrs, u64_to_ptr(addrs), ms->cnt * sizeof(u64)))
		return -EFAULT;
	int err = ksym_names(ms->addrs, ms->cnt, ms->names);
	for (u32 i = 0; !err && i < ms->cnt; i++)
		if (!ms->names[i])
			err = -EINVAL;
	return err;
}

static int addr_order(const void *a, const void *b, void *arg)
{
	const u64 *addrs = arg;
	u64 x = addrs[*(const u32 *)a], y = addrs[*(const u32 *)b];

	return (x > y) - (x < y);
}

/* Keeps the addresses and cookies for link info, in the kernel's ascending order. */
static int multi_keep_info(struct bpf_link *link, const u64 *addrs, const u64 *cookies)
{
	u32 n = link->nr_multi, *order = malloc(n * sizeof(*order));

	link->multi_addrs = malloc(n * sizeof(u64));
	link->multi_cookies = malloc(n * sizeof(u64));
	if (!order || !link->multi_addrs || !link->multi_cookies) {
		free(order);
		return -ENOMEM;
	}
	for (u32 i = 0; i < n; i++)
		order[i] = i;
	qsort_r(order, n, sizeof(*order), addr_order, (void *)addrs);
	for (u32 i = 0; i < n; i++) {
		link->multi_addrs[i] = addrs[order[i]];
		link->multi_cookies[i] = cookies[order[i]];
	}
	link->multi_cnt = n;
	free(order);
	return 0;
}

/* One attachment per function, with its cookie (cookies: user array of u64, optional). */
static int multi_attach_all(struct bpf_link *link, const union bpf_attr *attr, bool ret)
{
	struct multi_syms ms = { .cnt = link->nr_multi };
	u64 ucookies = attr->link_create.kprobe_multi.cookies;
	u64 *cookies = calloc(link->nr_multi, sizeof(u64));
	int err = cookies ? multi_syms_get(&ms, attr->link_create.kprobe_multi.syms,
					   attr->link_create.kprobe_multi.addrs) :
			    -ENOMEM;

	for (u32 i = 0; !err && i < link->nr_multi; i++) {
		struct attach_req req = { .kind = HOOK_KPROBE,
					  .name = ms.names[i],
					  .role = BPF_TRACE_KPROBE_MULTI,
					  .retprobe = ret,
					  .prog = link->prog,
					  .func_ip = ms.addrs[i],
					  .ip_known = true };
		if (ucookies &&
		    copy_from_user(&req.cookie, u64_to_ptr(ucookies + (u64)i * 8), sizeof(u64)))
			err = -EFAULT;
		else
			err = attach_add_req(&req, &link->multi[i]);
		if (!err)
			cookies[i] = req.cookie;
	}
	if (!err)
		err = multi_keep_info(link, ms.addrs, cookies);
	multi_syms_free(&ms);
	free(cookies);
	return err;
}

/* bpf_kprobe_multi_link_attach: functions by name or by kallsyms address. */
static int kprobe_multi_attach(struct bpf_prog *prog, const union bpf_attr *attr)
{
	u32 flags = attr->link_create.kprobe_multi.flags, cnt = attr->link_create.kprobe_multi.cnt;
	bool syms = attr->link_create.kprobe_multi.syms,
	     addrs = attr->link_create.kprobe_multi.addrs;

	if (prog->expected_attach_type != BPF_TRACE_KPROBE_MULTI)
		return -EINVAL;
	if (flags & ~(u32)BPF_F_KPROBE_MULTI_RETURN || syms == addrs || !cnt)
		return -EINVAL;
	if (cnt > MAX_KPROBE_MULTI_CNT)
		return -E2BIG;
	struct bpf_link *link = link_alloc(BPF_LINK_TYPE_KPROBE_MULTI, BPF_TRACE_KPROBE_MULTI,
					   prog);
	if (IS_ERR(link))
		return (int)PTR_ERR(link);
	link->multi = calloc(cnt, sizeof(*link->multi));
	link->nr_multi = cnt;
	link->multi_flags = flags;
	int err = link->multi ? multi_attach_all(link, attr, flags & BPF_F_KPROBE_MULTI_RETURN) :
				-ENOMEM;
	if (err) {
		obj_put(&link->obj);
		return err;
	}
	return link_publish(link);
}

#define XDP_FLAGS_MODES (XDP_FLAGS_SKB_MODE | XDP_FLAGS_DRV_MODE | XDP_FLAGS_HW_MODE)

/* bpf_xdp_link_attach: one XDP program per device (EBUSY), on a device the host has
 * (EINVAL, as dev_get_by_index failing); hardware offload is not modelled (EINVAL, as
 * without a capable driver). */
static int xdp_link_attach(struct bpf_prog *prog, const union bpf_attr *attr)
{
	u32 flags = attr->link_create.flags, ifindex = attr->link_create.target_ifindex;
	char name[16];

	if (flags & ~(u32)XDP_FLAGS_MODES || flags & XDP_FLAGS_HW_MODE)
		return -EINVAL;
	if (!ifindex || !netdev_exists(ifindex))
		return -EINVAL;
	snprintf(name, sizeof(name), "%u", ifindex);
	struct attach_req req = {
		.kind = HOOK_XDP, .name = name, .role = BPF_XDP, .prog = prog, .exclusive = true
	};
	struct bpf_link *link = link_alloc(BPF_LINK_TYPE_XDP, BPF_XDP, prog);
	if (IS_ERR(link))
		return (int)PTR_ERR(link);
	link->ifindex = ifindex;
	return link_publish_req(link, &req);
}

/* sock_map_link_create, after bpf_prog_attach_check_attach_type: the attach type is
 * one of the program type's (EINVAL). */
static int sockmap_link_create(struct bpf_prog *prog, const union bpf_attr *attr)
{
	u32 type = attr->link_create.attach_type;
	bool skb = type == BPF_SK_SKB_STREAM_PARSER || type == BPF_SK_SKB_STREAM_VERDICT ||
		   type == BPF_SK_SKB_VERDICT;

	if (prog->type == BPF_PROG_TYPE_SK_SKB ? !skb : type != BPF_SK_MSG_VERDICT)
		return -EINVAL;
	struct bpf_link *link = link_alloc(BPF_LINK_TYPE_SOCKMAP, type, prog);
	if (IS_ERR(link))
		return (int)PTR_ERR(link);
	int err = sockmap_link_attach(link, attr);
	if (err) {
		obj_put(&link->obj);
		return err;
	}
	return link_publish(link);
}

static bool is_trampoline_type(u32 attach_type)
{
	return attach_type == BPF_TRACE_FENTRY || attach_type == BPF_TRACE_FEXIT ||
	       attach_type == BPF_MODIFY_RETURN || attach_type == BPF_LSM_MAC;
}

static int link_create_for(struct bpf_prog *prog, const union bpf_attr *attr)
{
	u32 type = attr->link_create.attach_type;

	switch (prog->type) {
	case BPF_PROG_TYPE_TRACING:
	case BPF_PROG_TYPE_LSM:
		if (type != prog->expected_attach_type)
			return -EINVAL;
		if (type == BPF_TRACE_RAW_TP)
			return raw_tp_attach(prog, prog->attach_func,
					     attr->link_create.tracing.cookie);
		if (!is_trampoline_type(type))
			return -EINVAL;
		return tracing_attach(prog, attr->link_create.target_fd,
				      attr->link_create.tracing.target_btf_id,
				      attr->link_create.tracing.cookie);
	case BPF_PROG_TYPE_KPROBE:
		if (type == BPF_TRACE_KPROBE_MULTI)
			return kprobe_multi_attach(prog, attr);
		/* fall through */
	case BPF_PROG_TYPE_TRACEPOINT:
	case BPF_PROG_TYPE_PERF_EVENT:
		if (type != BPF_PERF_EVENT)
			return -EINVAL;
		return perf_link_attach(prog, (int)attr->link_create.target_fd,
					attr->link_create.perf_event.bpf_cookie);
	case BPF_PROG_TYPE_XDP:
		return type == BPF_XDP ? xdp_link_attach(prog, attr) : -EINVAL;
	case BPF_PROG_TYPE_SCHED_CLS:
		if (type == BPFRUN_TCX_INGRESS || type == BPFRUN_TCX_EGRESS)
			return tcx_link_attach(prog, attr);
		return -EINVAL;
	case BPF_PROG_TYPE_SK_SKB:
	case BPF_PROG_TYPE_SK_MSG:
		return sockmap_link_create(prog, attr);
	default:
		return -EINVAL;
	}
}

int link_create(union bpf_attr *attr, union bpf_attr *uattr, u32 size)
{
	struct bpf_prog *prog = prog_from_fd((int)attr->link_create.prog_fd);

	if (IS_ERR(prog))
		return (int)PTR_ERR(prog);
	int ret = link_create_for(prog, attr);
	prog_put(prog);
	return ret;
}

/* bpf_raw_tp_link_attach via BPF_RAW_TRACEPOINT_OPEN: raw tracepoint programs name the
 * tracepoint here; TRACING and LSM programs named their target at load (a name here is
 * EINVAL) and get a raw tracepoint link (tp_btf) or a trampoline link. */
int raw_tracepoint_open(union bpf_attr *attr, union bpf_attr *uattr, u32 size)
{
	struct bpf_prog *prog = prog_from_fd((int)attr->raw_tracepoint.prog_fd);
	char name[RAW_TP_NAME_MAX];
	int ret = -EINVAL;

	if (IS_ERR(prog))
		return (int)PTR_ERR(prog);
	switch (prog->type) {
	case BPF_PROG_TYPE_TRACING:
	case BPF_PROG_TYPE_LSM:
		if (attr->raw_tracepoint.name)
			break;
		if (prog->expected_attach_type == BPF_TRACE_RAW_TP)
			ret = raw_tp_attach(prog, prog->attach_func, 0);
		else if (is_trampoline_type(prog->expected_attach_type))
			ret = tracing_attach(prog, 0, 0, 0);
		break;
	case BPF_PROG_TYPE_RAW_TRACEPOINT:
	case BPF_PROG_TYPE_RAW_TRACEPOINT_WRITABLE:
		if (strncpy_from_user(name, u64_to_ptr(attr->raw_tracepoint.name),
				      sizeof(name) - 1) < 0) {
			ret = -EFAULT;
			break;
		}
		name[sizeof(name) - 1] = 0;
		ret = raw_tp_attach(prog, name, 0);
		break;
	}
	prog_put(prog);
	return ret;
}

static struct bpf_link *link_from_fd(int fd)
{
	struct obj *o = obj_from_fd(fd, OBJ_LINK, NULL);

	return IS_ERR(o) ? (struct bpf_link *)o : link_of(o);
}

/* bpf_xdp_link_update: a program of the link's type (EINVAL), the old one named with
 * BPF_F_REPLACE (EPERM when it is not the link's), on a link not detached (ENOLINK). */
static int xdp_link_update(struct bpf_link *link, struct bpf_prog *prog, const union bpf_attr *attr)
{
	int err = 0;

	if (prog->type != BPF_PROG_TYPE_XDP)
		return -EINVAL;
	pthread_mutex_lock(&link->lock);
	if (!link->att) {
		err = -ENOLINK;
	} else if (attr->link_update.flags & BPF_F_REPLACE) {
		struct bpf_prog *old = prog_from_fd((int)attr->link_update.old_prog_fd);
		err = IS_ERR(old) ? (int)PTR_ERR(old) : old != link->prog ? -EPERM : 0;
		if (!IS_ERR(old))
			prog_put(old);
	}
	if (!err) {
		attach_set_prog(link->att, prog);
		prog_get(prog);
		prog_put(link->prog);
		link->prog = prog;
	}
	pthread_mutex_unlock(&link->lock);
	return err;
}

/* BPF_LINK_UPDATE of a link type with an update_prog (update): the old program named
 * with BPF_F_REPLACE is looked up first (its errors), update checks the rest, under the
 * link's lock. */
static int link_update_with(struct bpf_link *link, struct bpf_prog *prog,
			    const union bpf_attr *attr,
			    int (*update)(struct bpf_link *, struct bpf_prog *, struct bpf_prog *))
{
	struct bpf_prog *old = NULL;

	if (attr->link_update.flags & BPF_F_REPLACE) {
		old = prog_from_fd((int)attr->link_update.old_prog_fd);
		if (IS_ERR(old))
			return (int)PTR_ERR(old);
	}
	pthread_mutex_lock(&link->lock);
	int err = update(link, prog, old);
	pthread_mutex_unlock(&link->lock);
	if (old)
		prog_put(old);
	return err;
}

/* Only XDP, TCX and sockmap links change program; the kernel's tracing, raw tracepoint
 * and perf links have no update_prog: EINVAL after the argument checks. */
int link_update(union bpf_attr *attr, union bpf_attr *uattr, u32 size)
{
	if (attr->link_update.flags & ~(u32)BPF_F_REPLACE)
		return -EINVAL;
	if (!(attr->link_update.flags & BPF_F_REPLACE) && attr->link_update.old_prog_fd)
		return -EINVAL;
	struct bpf_link *link = link_from_fd((int)attr->link_update.link_fd);
	if (IS_ERR(link))
		return (int)PTR_ERR(link);
	struct bpf_prog *prog = prog_from_fd((int)attr->link_update.new_prog_fd);
	int err = IS_ERR(prog) ? (int)PTR_ERR(prog) : -EINVAL;
	if (!IS_ERR(prog) && link->type == BPF_LINK_TYPE_XDP)
		err = xdp_link_update(link, prog, attr);
	if (!IS_ERR(prog) && link->type == BPFRUN_LINK_TYPE_TCX)
		err = link_update_with(link, prog, attr, tcx_link_update);
	if (!IS_ERR(prog) && link->type == BPF_LINK_TYPE_SOCKMAP)
		err = link_update_with(link, prog, attr, sockmap_link_update);
	if (!IS_ERR(prog))
		prog_put(prog);
	obj_put(&link->obj);
	return err;
}

/* The kernel's link_detach: only link types with a detach operation (tracing, XDP, TCX
 * and sockmap links; not raw tracepoint or perf links: EOPNOTSUPP). */
int link_detach(union bpf_attr *attr, union bpf_attr *uattr, u32 size)
{
	struct bpf_link *link = link_from_fd((int)attr->link_detach.link_fd);

	if (IS_ERR(link))
		return (int)PTR_ERR(link);
	int err = -EOPNOTSUPP;
	if (link->type == BPF_LINK_TYPE_TRACING || link->type == BPF_LINK_TYPE_XDP ||
	    link->type == BPFRUN_LINK_TYPE_TCX || link->type == BPF_LINK_TYPE_SOCKMAP) {
		link_detach_now(link);
		err = 0;
	}
	obj_put(&link->obj);
	return err;
}

/* raw_tracepoint.tp_name: the kernel copies what fits (NUL-terminated) and reports the
 * full length with its NUL; ENOSPC when the buffer was too small. */
static int info_tp_name(struct bpf_link_info *info, const char *name)
{
	u32 len = (u32)strlen(name) + 1, ulen = info->raw_tracepoint.tp_name_len;
	void *ubuf = u64_to_ptr(info->raw_tracepoint.tp_name);
	int err = 0;

	if (!ubuf && ulen)
		return -EINVAL;
	info->raw_tracepoint.tp_name_len = len;
	if (!ubuf)
		return 0;
	if (ulen >= len)
		return copy_to_user(ubuf, name, len);
	if (ulen) {
		err = copy_to_user(ubuf, name, ulen - 1);
		char nul = 0;
		if (!err)
			err = copy_to_user((char *)ubuf + ulen - 1, &nul, 1);
	}
	return err ? err : -ENOSPC;
}

/* A perf link's name buffer (bpf_perf_link_fill_common): a buffer and its length go
 * together (EINVAL); name_len becomes the name's size; a short buffer gets what fits,
 * NUL-ended, and ENOSPC. */
static int perf_info_name(struct bpf_link_info_perf_event *pi, const char *name)
{
	u32 len = (u32)strlen(name), ulen = pi->name_len;
	char *ubuf = u64_to_ptr(pi->name), nul = 0;

	if (!ulen != !ubuf)
		return -EINVAL;
	pi->name_len = len + 1;
	if (!ubuf)
		return 0;
	if (ulen > len)
		return copy_to_user(ubuf, name, len + 1);
	return copy_to_user(ubuf, name, ulen - 1)             ?:
		       copy_to_user(ubuf + ulen - 1, &nul, 1) ?:
								-ENOSPC;
}

/* bpf_kprobe_multi_link_fill_link_info: count and flags; with an array (and its
 * length: EINVAL without), the addresses and the cookies, ENOSPC when it is short. */
static int kprobe_multi_info(struct bpf_link *link, struct bpf_link_info *info)
{
	struct bpf_link_info_kprobe_multi km;

	memcpy(&km, &info->raw_tracepoint, sizeof(km)); /* the union's start: the inputs */
	if (!km.addrs != !km.count || (km.cookies && !km.count))
		return -EINVAL;
	u32 n = km.count;
	km.count = link->multi_cnt;
	km.flags = link->multi_flags;
	km.missed = 0;
	int err = 0;
	if (km.addrs) {
		if (n < link->multi_cnt)
			err = -ENOSPC;
		else
			n = link->multi_cnt;
		if ((km.cookies &&
		     copy_to_user(u64_to_ptr(km.cookies), link->multi_cookies, n * sizeof(u64))) ||
		    copy_to_user(u64_to_ptr(km.addrs), link->multi_addrs, n * sizeof(u64)))
			return -EFAULT;
	}
	memcpy(&info->raw_tracepoint, &km, sizeof(km));
	return err;
}

/* bpf_perf_link_fill_link_info: the event's kind, name, offset and cookie. */
static int perf_link_info(struct bpf_link *link, struct bpf_link_info *info)
{
	struct bpf_link_info_perf_event pi;
	struct perf_event_desc *d = malloc(sizeof(*d));

	memcpy(&pi, &info->raw_tracepoint, sizeof(pi)); /* the union's start: the inputs */
	pthread_mutex_lock(&link->lock);
	struct perf_event *ev = link->perf_event;
	if (ev)
		obj_get(&ev->obj);
	pthread_mutex_unlock(&link->lock);
	int err = !d ? -ENOMEM : ev ? perf_event_describe(ev, d) : -EINVAL;
	if (!err)
		err = perf_info_name(&pi, d->name);
	if (!err) {
		pi.type = d->type;
		pi.offset = (u32)d->offset;
		if (d->type == BPFRUN_PERF_EVENT_KPROBE || d->type == BPFRUN_PERF_EVENT_KRETPROBE)
			pi = (struct bpf_link_info_perf_event){
				pi.type,     0,         pi.name,
				pi.name_len, pi.offset, .kprobe = { d->addr, 0, d->cookie }
			};
		else /* the uprobe and tracepoint cookies are at the same place */
			pi.uprobe = (typeof(pi.uprobe)){ d->cookie, d->ref_ctr_offset };
		memcpy(&info->raw_tracepoint, &pi, sizeof(pi));
	}
	if (ev)
		perf_event_put(ev);
	free(d);
	return err;
}

int link_get_info(struct bpf_link *link, struct bpf_link_info *info)
{
	pthread_mutex_lock(&link->lock);
	info->type = link->type;
	info->id = link->obj.id;
	info->prog_id = link->prog ? link->prog->obj.id : 0;
	bool attached = link->att;
	pthread_mutex_unlock(&link->lock);
	switch (link->type) {
	case BPF_LINK_TYPE_RAW_TRACEPOINT:
		return info_tp_name(info, link->tp_name);
	case BPF_LINK_TYPE_XDP:
		info->xdp.ifindex = attached ? link->ifindex : 0;
		return 0;
	case BPF_LINK_TYPE_PERF_EVENT:
		return perf_link_info(link, info);
	case BPF_LINK_TYPE_KPROBE_MULTI:
		return kprobe_multi_info(link, info);
	case BPFRUN_LINK_TYPE_TCX: {
		struct bpf_link_info_tcx tcx = { tcx_link_ifindex(link), link->attach_type };
		memcpy(&info->raw_tracepoint, &tcx, sizeof(tcx)); /* the union's start */
		return 0;
	}
	case BPF_LINK_TYPE_TRACING:
		info->tracing.attach_type = link->attach_type;
		info->tracing.target_obj_id = BTF_VMLINUX_ID;
		info->tracing.target_btf_id = link->target_btf_id;
		return 0;
	case BPF_LINK_TYPE_SOCKMAP:
		sockmap_link_info(link, info);
		return 0;
	default:
		return 0;
	}
}

/* ---- BPF_PROG_ATTACH, BPF_PROG_DETACH, BPF_PROG_QUERY: by attach type ---- */

int prog_attach(union bpf_attr *attr, union bpf_attr *uattr, u32 size)
{
	if (tcx_attach_type(attr->attach_type))
		return tcx_prog_attach(attr, uattr, size);
	return sockmap_prog_attach(attr);
}

int prog_detach(union bpf_attr *attr, union bpf_attr *uattr, u32 size)
{
	if (tcx_attach_type(attr->attach_type))
		return tcx_prog_detach(attr, uattr, size);
	return sockmap_prog_detach(attr);
}

int prog_query(union bpf_attr *attr, union bpf_attr *uattr, u32 size)
{
	if (tcx_attach_type(attr->query.attach_type))
		return tcx_prog_query(attr, uattr, size);
	return sockmap_prog_query(attr, uattr);
}
