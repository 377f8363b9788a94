/* TCX chains and their commands (tcx.h): BPF_PROG_ATTACH, BPF_PROG_DETACH and
 * BPF_PROG_QUERY for BPF_TCX_INGRESS/EGRESS, TCX links, and running a packet through a
 * chain, with the kernel's errnos and revisions (kernel/bpf/tcx.c, mprog.c, syscall.c;
 * measured by tests/diff/link_tcx.c).
 *
 * Locking: tcx_lock (tcx.h).  A chain's items hold program references; a link's item
 * points at the link without a reference (the link takes its item out before it goes).
 * The objects a request names (relative program or link, BPF_F_REPLACE's program) are
 * looked up before tcx_lock and dropped after it, their errors reported at the point of
 * the kernel's checks.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <linux/pkt_cls.h>

#include "commands.h"
#include "link.h"
#include "tcx.h"
#include "../lib/bpf_newer.h"
#include "../lib/uaccess.h"
#include "../prog/attach.h"
#include "../prog/test_run.h"

#define TCX_MAX 63 /* the kernel's bpf_mprog_max(): 64 slots, one kept empty */
#define TCX_CHAINS 128
#define MPROG_FLAGS (BPF_F_REPLACE | BPFRUN_F_BEFORE | BPFRUN_F_AFTER | BPFRUN_F_ID | BPFRUN_F_LINK)

struct tcx_item {
	struct bpf_prog *prog; /* referenced */
	struct bpf_link *link; /* the owning link, or NULL (BPF_PROG_ATTACH) */
};

struct tcx_chain {
	u32 ifindex;
	bool ingress;
	u64 revision;
	u32 n;
	struct tcx_item items[TCX_MAX];
};

static pthread_mutex_t tcx_lock = PTHREAD_MUTEX_INITIALIZER;
static struct tcx_chain *chains[TCX_CHAINS];

/* ---- chains ---- */

static struct tcx_chain **chain_slot(u32 ifindex, bool ingress)
{
	for (u32 i = 0; i < TCX_CHAINS; i++)
		if (chains[i] && chains[i]->ifindex == ifindex && chains[i]->ingress == ingress)
			return &chains[i];
	return NULL;
}

static struct tcx_chain *chain_find(u32 ifindex, bool ingress)
{
	struct tcx_chain **slot = chain_slot(ifindex, ingress);

	return slot ? *slot : NULL;
}

/* The chain, made empty (revision 1) when there is none; NULL when out of memory. */
static struct tcx_chain *chain_get(u32 ifindex, bool ingress)
{
	struct tcx_chain *c = chain_find(ifindex, ingress);

	for (u32 i = 0; !c && i < TCX_CHAINS; i++) {
		if (chains[i])
			continue;
		if ((c = calloc(1, sizeof(*c)))) {
			*c = (struct tcx_chain){ .ifindex = ifindex,
						 .ingress = ingress,
						 .revision = 1 };
			chains[i] = c;
		}
		break;
	}
	return c;
}

/* An emptied chain goes away, as the kernel frees its entry. */
static void chain_put_if_empty(struct tcx_chain *c)
{
	struct tcx_chain **slot = chain_slot(c->ifindex, c->ingress);

	if (c->n || !slot)
		return;
	*slot = NULL;
	free(c);
}

static bool chain_has(const struct tcx_chain *c, const struct bpf_prog *prog)
{
	for (u32 i = 0; i < c->n; i++)
		if (c->items[i].prog == prog)
			return true;
	return false;
}

/* ---- what a request names ---- */

/* A program or link named by fd or id (the kernel's bpf_tuple), referenced, or the error
 * the lookup gave. */
struct tuple {
	struct bpf_prog *prog;
	struct bpf_link *link; /* referenced when set; then prog is its program */
	int err;
};

static void tuple_put(struct tuple *t)
{
	if (t->link)
		obj_put(&t->link->obj);
	else if (t->prog)
		prog_put(t->prog);
}

static void tuple_link(struct tuple *t, u32 id_or_fd, bool by_id, u32 type)
{
	struct obj *o = by_id    ? obj_by_id(OBJ_LINK, id_or_fd) :
			id_or_fd ? obj_from_fd((int)id_or_fd, OBJ_LINK, NULL) :
				   ERR_PTR(-EINVAL);
	if (!o)
		o = ERR_PTR(-ENOENT);
	if (IS_ERR(o)) {
		t->err = (int)PTR_ERR(o);
		return;
	}
	t->link = link_of(o);
	pthread_mutex_lock(&t->link->lock);
	t->prog = t->link->prog;
	pthread_mutex_unlock(&t->link->lock);
	if (type && (!t->prog || t->prog->type != type))
		t->err = -EINVAL;
}

static void tuple_prog(struct tuple *t, u32 id_or_fd, bool by_id, u32 type)
{
	struct bpf_prog *p = NULL;

	if (by_id) {
		struct obj *o = obj_by_id(OBJ_PROG, id_or_fd);
		p = o ? prog_of(o) : ERR_PTR(-ENOENT);
	} else {
		p = prog_from_fd((int)id_or_fd);
	}
	if (IS_ERR(p)) {
		t->err = (int)PTR_ERR(p);
		return;
	}
	t->prog = p;
	if (type && p->type != type)
		t->err = -EINVAL;
}

/* The relative object of BPF_F_BEFORE/AFTER (bpf_mprog_tuple_relative). */
static struct tuple tuple_relative(u32 id_or_fd, u32 flags, u32 type)
{
	struct tuple t = { 0 };
	bool by_id = flags & BPFRUN_F_ID;

	if (flags & BPFRUN_F_LINK)
		tuple_link(&t, id_or_fd, by_id, type);
	else if (by_id || id_or_fd)
		tuple_prog(&t, id_or_fd, by_id, type);
	return t;
}

/* ---- positions (bpf_mprog_pos_*): -1 is before the first, n after the last ---- */

static bool tuple_at(const struct tcx_item *it, const struct tuple *t)
{
	return t->prog == it->prog && (!t->link || t->link == it->link);
}

static int pos_exact(const struct tcx_chain *c, const struct bpf_prog *prog,
		     const struct bpf_link *link)
{
	for (u32 i = 0; i < c->n; i++)
		if (c->items[i].prog == prog)
			return c->items[i].link == link ? (int)i : -EBUSY;
	return -ENOENT;
}

static int pos_before(const struct tcx_chain *c, const struct tuple *t)
{
	for (u32 i = 0; i < c->n; i++)
		if (tuple_at(&c->items[i], t))
			return (int)i - 1;
	return t->prog ? -ENOENT : -1;
}

static int pos_after(const struct tcx_chain *c, const struct tuple *t)
{
	for (u32 i = 0; i < c->n; i++)
		if (tuple_at(&c->items[i], t))
			return (int)i + 1;
	return t->prog ? -ENOENT : (int)c->n;
}

#define IDX_NONE (-ERANGE) /* no rule chose a position yet */

/* Narrows *idx by the BEFORE and AFTER rules; every rule must agree (ERANGE).  With none,
 * the end of the chain, flags becoming BPF_F_AFTER; an object named without a rule is
 * EINVAL.  Then the 63-program bound (ERANGE). */
static int pos_rules(const struct tcx_chain *c, const struct tuple *rel, u32 *flags, int *idx)
{
	if (*flags & BPFRUN_F_BEFORE) {
		int t = pos_before(c, rel);
		if (t < -1 || (*idx >= -1 && t != *idx))
			return t < -1 ? t : -ERANGE;
		*idx = t;
	}
	if (*flags & BPFRUN_F_AFTER) {
		int t = pos_after(c, rel);
		if (t < -1 || (*idx >= -1 && t != *idx))
			return t < 0 ? t : -ERANGE;
		*idx = t;
	}
	if (*idx < -1) {
		if (rel->prog || *flags)
			return -EINVAL;
		*idx = (int)c->n;
		*flags = BPFRUN_F_AFTER;
	}
	return *idx >= TCX_MAX ? -ERANGE : 0;
}

/* ---- attach and detach (bpf_mprog_attach, bpf_mprog_detach) ---- */

/* A request on one chain: the new or departing program and its link, the rules' flags,
 * the relative object and BPF_F_REPLACE's program (looked up before tcx_lock). */
struct mprog_req {
	struct bpf_prog *prog;
	struct bpf_link *link;
	u32 flags;
	u64 revision;
	struct tuple rel;
	struct bpf_prog *old; /* BPF_F_REPLACE */
};

static void item_insert(struct tcx_chain *c, int idx, u32 flags, struct tcx_item it)
{
	if (idx != (int)c->n && flags & BPFRUN_F_BEFORE)
		idx++;
	memmove(&c->items[idx + 1], &c->items[idx], (c->n - (u32)idx) * sizeof(it));
	c->items[idx] = it;
	c->n++;
}

/* Takes item i out (a change: the revision moves); its program reference is returned. */
static struct bpf_prog *item_remove(struct tcx_chain *c, u32 i)
{
	struct bpf_prog *prog = c->items[i].prog;

	c->n--;
	memmove(&c->items[i], &c->items[i + 1], (c->n - i) * sizeof(c->items[0]));
	c->revision++;
	return prog;
}

/* Caller holds tcx_lock. */
static int mprog_attach(struct tcx_chain *c, struct mprog_req *r)
{
	int idx = IDX_NONE;

	if (r->revision && r->revision != c->revision)
		return -ESTALE;
	if (chain_has(c, r->prog))
		return -EEXIST;
	if (r->rel.err)
		return r->rel.err;
	if (r->flags & BPF_F_REPLACE) {
		idx = pos_exact(c, r->old, r->link);
		if (idx < 0)
			return idx;
	}
	int err = pos_rules(c, &r->rel, &r->flags, &idx);
	if (err)
		return err;
	prog_get(r->prog);
	if (r->flags & BPF_F_REPLACE) {
		prog_put(c->items[idx].prog); /* the chain holds another reference on it */
		c->items[idx] = (struct tcx_item){ r->prog, r->link };
	} else {
		item_insert(c, idx, r->flags, (struct tcx_item){ r->prog, r->link });
	}
	c->revision++;
	return 0;
}

/* Caller holds tcx_lock; the departing program's reference is handed to *gone. */
static int mprog_detach(struct tcx_chain *c, struct mprog_req *r, struct bpf_prog **gone)
{
	int idx = IDX_NONE;

	if (r->flags & BPF_F_REPLACE)
		return -EINVAL;
	if (r->revision && r->revision != c->revision)
		return -ESTALE;
	if (r->rel.err)
		return r->rel.err;
	if (r->prog) {
		idx = pos_exact(c, r->prog, r->link);
		if (idx < 0)
			return idx;
	}
	int err = pos_rules(c, &r->rel, &r->flags, &idx);
	if (err)
		return err;
	idx = idx < 0 ? 0 : idx == (int)c->n ? (int)c->n - 1 : idx;
	if (c->items[idx].link && !r->link)
		return -EBUSY; /* a link's program goes with its link only */
	*gone = item_remove(c, (u32)idx);
	return 0;
}

/* ---- BPF_PROG_ATTACH, BPF_PROG_DETACH, BPF_PROG_QUERY ---- */

bool tcx_attach_type(u32 attach_type)
{
	return attach_type == BPFRUN_TCX_INGRESS || attach_type == BPFRUN_TCX_EGRESS;
}

static void req_put(struct mprog_req *r)
{
	tuple_put(&r->rel);
	if (!IS_ERR_OR_NULL(r->old))
		prog_put(r->old);
}

static int attach_locked(u32 ifindex, bool ingress, struct mprog_req *r)
{
	if (IS_ERR(r->old))
		return (int)PTR_ERR(r->old);
	struct tcx_chain *c = chain_get(ifindex, ingress);
	if (!c)
		return -ENOMEM;
	int err = mprog_attach(c, r);
	if (err)
		chain_put_if_empty(c);
	else if (r->link)
		r->link->tcx_on = true;
	return err;
}

/* Attaches r->prog (and r->link) to a chain: tcx_prog_attach / tcx_link_prog_attach. */
static int chain_attach(u32 ifindex, bool ingress, struct mprog_req *r)
{
	int err = -ENODEV;

	if (netdev_exists(ifindex)) { /* a system call: outside the lock */
		pthread_mutex_lock(&tcx_lock);
		err = attach_locked(ifindex, ingress, r);
		pthread_mutex_unlock(&tcx_lock);
	}
	req_put(r);
	return err;
}

static int detach_locked(u32 ifindex, bool ingress, struct mprog_req *r, struct bpf_prog **gone)
{
	struct tcx_chain *c = chain_find(ifindex, ingress);
	if (!c)
		return -ENOENT;
	int err = mprog_detach(c, r, gone);
	if (!err)
		chain_put_if_empty(c);
	return err;
}

static int chain_detach(u32 ifindex, bool ingress, struct mprog_req *r)
{
	struct bpf_prog *gone = NULL;
	int err = -ENODEV;

	if (netdev_exists(ifindex)) {
		pthread_mutex_lock(&tcx_lock);
		err = detach_locked(ifindex, ingress, r, &gone);
		pthread_mutex_unlock(&tcx_lock);
	}
	if (gone)
		prog_put(gone);
	req_put(r);
	return err;
}

static const struct bpf_attr_prog_attach *attach_attr(const union bpf_attr *attr)
{
	return (const struct bpf_attr_prog_attach *)attr;
}

int tcx_prog_attach(union bpf_attr *attr, union bpf_attr *uattr, u32 size)
{
	const struct bpf_attr_prog_attach *a = attach_attr(attr);

	if (!tcx_attach_type(a->attach_type) || a->attach_flags & ~(u32)MPROG_FLAGS)
		return -EINVAL; /* bpfrun attaches nothing else this way */
	struct bpf_prog *prog = prog_from_fd_type((int)a->attach_bpf_fd, BPF_PROG_TYPE_SCHED_CLS);
	if (IS_ERR(prog))
		return (int)PTR_ERR(prog);
	struct mprog_req r = {
		.prog = prog,
		.flags = a->attach_flags,
		.revision = a->expected_revision,
		.rel = tuple_relative(a->relative_fd, a->attach_flags & ~(u32)BPF_F_REPLACE,
				      prog->type),
		.old = a->attach_flags & BPF_F_REPLACE ?
			       prog_from_fd_type((int)a->replace_bpf_fd, BPF_PROG_TYPE_SCHED_CLS) :
			       NULL,
	};
	int err = chain_attach(a->target_ifindex, a->attach_type == BPFRUN_TCX_INGRESS, &r);
	prog_put(prog);
	return err;
}

int tcx_prog_detach(union bpf_attr *attr, union bpf_attr *uattr, u32 size)
{
	const struct bpf_attr_prog_attach *a = attach_attr(attr);
	struct bpf_prog *prog = NULL;

	if (!tcx_attach_type(a->attach_type) || a->attach_flags & ~(u32)MPROG_FLAGS)
		return -EINVAL;
	if (a->attach_bpf_fd &&
	    IS_ERR(prog = prog_from_fd_type((int)a->attach_bpf_fd, BPF_PROG_TYPE_SCHED_CLS)))
		return (int)PTR_ERR(prog);
	struct mprog_req r = {
		.prog = prog,
		.flags = a->attach_flags,
		.revision = a->expected_revision,
		.rel = tuple_relative(a->relative_fd, a->attach_flags, prog ? prog->type : 0),
	};
	int err = chain_detach(a->target_ifindex, a->attach_type == BPFRUN_TCX_INGRESS, &r);
	if (prog)
		prog_put(prog);
	return err;
}

/* The ids of a chain, copied out under tcx_lock (ids never change). */
struct chain_ids {
	u64 revision;
	u32 n, prog[TCX_MAX], link[TCX_MAX];
};

static int chain_ids(u32 ifindex, bool ingress, struct chain_ids *ids)
{
	if (!netdev_exists(ifindex))
		return -ENODEV;
	pthread_mutex_lock(&tcx_lock);
	const struct tcx_chain *c = chain_find(ifindex, ingress);
	ids->revision = c ? c->revision : 1; /* no chain: an empty one, as 6.18 answers */
	ids->n = c ? c->n : 0;
	for (u32 i = 0; i < ids->n; i++) {
		ids->prog[i] = c->items[i].prog->obj.id;
		ids->link[i] = c->items[i].link ? c->items[i].link->obj.id : 0;
	}
	pthread_mutex_unlock(&tcx_lock);
	return 0;
}

/* The user's array (NULL: not asked for) gets the first n ids. */
static int put_ids(u64 uptr, const u32 *ids, u32 n)
{
	return uptr ? copy_to_user(u64_to_ptr(uptr), ids, n * sizeof(u32)) : 0;
}

/* bpf_mprog_query: revision and count always; ids when asked, ENOSPC when cut short. */
int tcx_prog_query(union bpf_attr *attr, union bpf_attr *uattr, u32 size)
{
	const struct bpf_attr_prog_query *q = (const struct bpf_attr_prog_query *)attr;
	struct bpf_attr_prog_query *out = (struct bpf_attr_prog_query *)uattr;
	static const u32 zeroes[TCX_MAX];
	struct chain_ids ids;

	if (q->query_flags & ~(u32)BPF_F_QUERY_EFFECTIVE || !tcx_attach_type(q->attach_type))
		return -EINVAL;
	int err = chain_ids(q->target_ifindex, q->attach_type == BPFRUN_TCX_INGRESS, &ids);
	if (err)
		return err;
	if (q->query_flags || q->attach_flags)
		return -EINVAL;
	out->attach_flags = 0;
	out->revision = ids.revision;
	out->count = ids.n;
	if (!q->count || !q->prog_ids || !ids.n)
		return 0;
	u32 n = MIN(q->count, ids.n);
	err = put_ids(q->prog_ids, ids.prog, n)                ?:
		      put_ids(q->prog_attach_flags, zeroes, n) ?:
		      put_ids(q->link_ids, ids.link, n)        ?:
		      put_ids(q->link_attach_flags, zeroes, n);
	return err ? err : q->count < ids.n ? -ENOSPC : 0;
}

/* ---- links ---- */

int tcx_link_attach(struct bpf_prog *prog, const union bpf_attr *attr)
{
	const struct bpf_attr_link_tcx *l = (const struct bpf_attr_link_tcx *)attr;

	if (!netdev_exists(l->target_ifindex))
		return -ENODEV;
	struct bpf_link *link = link_alloc(BPFRUN_LINK_TYPE_TCX, l->attach_type, prog);
	if (IS_ERR(link))
		return (int)PTR_ERR(link);
	link->ifindex = l->target_ifindex;
	struct mprog_req r = {
		.prog = prog,
		.link = link,
		.flags = l->flags,
		.revision = l->expected_revision,
		.rel = tuple_relative(l->relative_fd, l->flags & ~(u32)BPF_F_REPLACE, prog->type),
	};
	int err = chain_attach(l->target_ifindex, l->attach_type == BPFRUN_TCX_INGRESS, &r);
	if (err) {
		obj_put(&link->obj);
		return err;
	}
	return link_publish(link);
}

/* The link's item goes (found by the link: its program may have changed meanwhile). */
void tcx_link_release(struct bpf_link *link)
{
	struct bpf_prog *gone = NULL;

	pthread_mutex_lock(&tcx_lock);
	struct tcx_chain *c = link->tcx_on ? chain_find(link->ifindex,
							link->attach_type == BPFRUN_TCX_INGRESS) :
					     NULL;
	for (u32 i = 0; c && i < c->n; i++) {
		if (c->items[i].link != link)
			continue;
		gone = item_remove(c, i);
		chain_put_if_empty(c);
		break; /* c may be gone */
	}
	link->tcx_on = false;
	pthread_mutex_unlock(&tcx_lock);
	if (gone)
		prog_put(gone);
}

u32 tcx_link_ifindex(struct bpf_link *link)
{
	pthread_mutex_lock(&tcx_lock);
	u32 ifindex = link->tcx_on ? link->ifindex : 0;
	pthread_mutex_unlock(&tcx_lock);
	return ifindex;
}

int tcx_link_update(struct bpf_link *link, struct bpf_prog *prog, struct bpf_prog *old)
{
	struct bpf_prog *cur = link->prog;
	int err = 0;

	pthread_mutex_lock(&tcx_lock);
	struct tcx_chain *c = chain_find(link->ifindex, link->attach_type == BPFRUN_TCX_INGRESS);
	if (!link->tcx_on) {
		err = -ENOLINK;
	} else if (old && old != cur) {
		err = -EPERM;
	} else if (prog != cur) {
		struct mprog_req r = {
			.prog = prog, .link = link, .flags = BPF_F_REPLACE, .old = cur
		};
		r.rel.prog = cur; /* relative to its own program, by id */
		r.rel.err = prog->type != cur->type ? -EINVAL : 0;
		err = c ? mprog_attach(c, &r) : -ENOENT;
	}
	pthread_mutex_unlock(&tcx_lock);
	if (!err && prog != cur) {
		prog_get(prog);
		link->prog = prog;
		prog_put(cur);
	}
	return err;
}

/* ---- packets ---- */

/* tcx_action_code: what the chain's last verdict means to the device. */
static int action_code(int ret)
{
	switch (ret) {
	case BPFRUN_TCX_PASS:
	case BPFRUN_TCX_DROP:
	case BPFRUN_TCX_REDIRECT:
		return ret;
	default:
		return BPFRUN_TCX_NEXT;
	}
}

int tcx_run(u32 ifindex, bool ingress, const void *pkt, u32 size, int *verdict)
{
	struct bpf_prog *progs[TCX_MAX];
	u32 n = 0;

	pthread_mutex_lock(&tcx_lock);
	const struct tcx_chain *c = chain_find(ifindex, ingress);
	for (u32 i = 0; c && i < c->n; i++) {
		progs[n] = c->items[i].prog;
		prog_get(progs[n++]);
	}
	pthread_mutex_unlock(&tcx_lock);
	int err = n ? 0 : -ENOENT, ret = BPFRUN_TCX_NEXT;
	for (u32 i = 0; i < n; i++) {
		u32 r;
		if (!err && ret == BPFRUN_TCX_NEXT) { /* tcx_run: until one is not TCX_NEXT */
			err = attach_run_packet(progs[i], pkt, size, &r);
			ret = (int)r;
		}
		prog_put(progs[i]);
	}
	*verdict = action_code(ret);
	return err;
}
