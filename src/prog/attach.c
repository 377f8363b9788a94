/* Attach points and firing (attach.h).
 *
 * Locking: attach_lock guards the list of attachments and each attachment's program
 * pointer.  A fire takes a snapshot (program references included) under the lock and runs
 * it after dropping the lock: programs never run under it, so a program may attach or
 * detach (through bpf_sys_bpf one day) without deadlock.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attach.h"
#include "test_run.h"
#include "../helpers/trace_info.h"
#include "../lib/ksyms.h"
#include "../vm/vm.h"

struct attachment {
	enum hook_kind kind;
	char *name;
	u32 role;
	bool retprobe;
	struct bpf_prog *prog; /* referenced; under attach_lock */
	u64 cookie;
	u64 func_ip; /* kallsyms address, looked up when the program asks for it */
	struct attachment *next;
};

static pthread_mutex_t attach_lock = PTHREAD_MUTEX_INITIALIZER;
static struct attachment *attachments, **attachments_tail = &attachments;

/* True when prog calls bpf_get_func_ip: its attachments need the function's address. */
static bool attach_wants_func_ip(const struct bpf_prog *prog)
{
	for (u32 i = 0; i < prog->len; i++)
		if (prog->insns[i].code == (BPF_JMP | BPF_CALL) && !prog->insns[i].src_reg &&
		    prog->insns[i].imm == BPF_FUNC_get_func_ip)
			return true;
	return false;
}

static bool hook_matches(const struct attachment *a, enum hook_kind kind, const char *name)
{
	return a->kind == kind && !strcmp(a->name, name);
}

/* How many attachments at the request's hook, and how many of them are its program.
 * Caller holds attach_lock. */
static void hook_counts(const struct attach_req *req, u32 *all, u32 *same)
{
	*all = *same = 0;
	for (struct attachment *a = attachments; a; a = a->next)
		if (hook_matches(a, req->kind, req->name)) {
			(*all)++;
			*same += a->prog == req->prog;
		}
}

/* The kernel's order (bpf_trampoline_link_prog): the hook's limit, then the program
 * attached twice.  Caller holds attach_lock. */
static int hook_limits(const struct attach_req *req)
{
	u32 all, same;

	if (!req->max && !req->once && !req->exclusive)
		return 0;
	hook_counts(req, &all, &same);
	if (req->max && all >= req->max)
		return -E2BIG;
	if ((req->once && same) || (req->exclusive && all))
		return -EBUSY;
	return 0;
}

int attach_add_req(const struct attach_req *req, struct attachment **out)
{
	struct attachment *a = calloc(1, sizeof(*a));

	if (!a || !(a->name = strdup(req->name))) {
		free(a);
		return -ENOMEM;
	}
	a->kind = req->kind;
	a->role = req->role;
	a->retprobe = req->retprobe;
	a->cookie = req->cookie;
	a->func_ip = req->func_ip;
	if (!req->ip_known && (a->kind == HOOK_KPROBE || a->kind == HOOK_TRAMP) &&
	    attach_wants_func_ip(req->prog))
		a->func_ip = ksym_addr(req->name); /* before the lock: it reads a file */
	a->prog = req->prog;
	pthread_mutex_lock(&attach_lock);
	int err = hook_limits(req);
	if (!err) {
		prog_get(a->prog);
		*attachments_tail = a;
		attachments_tail = &a->next;
	}
	pthread_mutex_unlock(&attach_lock);
	if (err) {
		free(a->name);
		free(a);
		return err;
	}
	*out = a;
	return 0;
}

struct attachment *attach_add(enum hook_kind kind, const char *name, u32 role, bool retprobe,
			      struct bpf_prog *prog, u64 cookie)
{
	struct attach_req req = { .kind = kind,
				  .name = name,
				  .role = role,
				  .retprobe = retprobe,
				  .prog = prog,
				  .cookie = cookie };
	struct attachment *a = NULL;

	return attach_add_req(&req, &a) ? NULL : a;
}

void attach_del(struct attachment *a)
{
	if (!a)
		return;
	pthread_mutex_lock(&attach_lock);
	struct attachment **pp = &attachments;
	while (*pp && *pp != a)
		pp = &(*pp)->next;
	if (*pp) {
		*pp = a->next;
		if (attachments_tail == &a->next)
			attachments_tail = pp;
	}
	pthread_mutex_unlock(&attach_lock);
	prog_put(a->prog);
	free(a->name);
	free(a);
}

void attach_set_prog(struct attachment *a, struct bpf_prog *prog)
{
	prog_get(prog);
	pthread_mutex_lock(&attach_lock);
	struct bpf_prog *old = a->prog;
	a->prog = prog;
	pthread_mutex_unlock(&attach_lock);
	prog_put(old);
}

/* One program to run, copied out of an attachment. */
struct fire_entry {
	struct bpf_prog *prog; /* referenced */
	u32 role;
	u64 cookie, func_ip;
};

struct snapshot {
	struct fire_entry *v;
	u32 n;
};

/* The programs attached at (kind, name) with the return flag, in attach order. */
static int snapshot_take(struct snapshot *s, enum hook_kind kind, const char *name, bool retprobe)
{
	u32 cap = 0;

	s->v = NULL;
	s->n = 0;
	pthread_mutex_lock(&attach_lock);
	for (struct attachment *a = attachments; a; a = a->next)
		cap += hook_matches(a, kind, name) && a->retprobe == retprobe;
	if (cap && !(s->v = calloc(cap, sizeof(*s->v)))) {
		pthread_mutex_unlock(&attach_lock);
		return -ENOMEM;
	}
	for (struct attachment *a = attachments; a && s->n < cap; a = a->next) {
		if (!hook_matches(a, kind, name) || a->retprobe != retprobe)
			continue;
		prog_get(a->prog);
		s->v[s->n++] = (struct fire_entry){ a->prog, a->role, a->cookie, a->func_ip };
	}
	pthread_mutex_unlock(&attach_lock);
	return 0;
}

static void snapshot_put(struct snapshot *s)
{
	for (u32 i = 0; i < s->n; i++)
		prog_put(s->v[i].prog);
	free(s->v);
}

struct bpf_prog *attach_first_prog(enum hook_kind kind, const char *name)
{
	struct bpf_prog *prog = NULL;

	pthread_mutex_lock(&attach_lock);
	for (struct attachment *a = attachments; a && !prog; a = a->next)
		if (hook_matches(a, kind, name)) {
			prog = a->prog;
			prog_get(prog);
		}
	pthread_mutex_unlock(&attach_lock);
	return prog;
}

int attach_run_packet(struct bpf_prog *prog, const void *data, u32 size, u32 *retval)
{
	union bpf_attr attr = { 0 }, out;

	if (!prog->tops->test_run)
		return -ENOTSUPP;
	attr.test.data_in = (u64)(uintptr_t)data;
	attr.test.data_size_in = size;
	attr.test.repeat = 1;
	out = attr;
	int err = prog->tops->test_run(prog, &attr, &out);
	if (!err)
		*retval = out.test.retval;
	return err;
}

u32 attach_count(enum hook_kind kind, const char *name, const struct bpf_prog *prog)
{
	u32 n = 0;

	pthread_mutex_lock(&attach_lock);
	for (struct attachment *a = attachments; a; a = a->next)
		n += hook_matches(a, kind, name) && (!prog || a->prog == prog);
	pthread_mutex_unlock(&attach_lock);
	return n;
}

u32 attach_prog_ids(enum hook_kind kind, const char *name, u32 role, u32 *ids, u32 cap)
{
	u32 n = 0;

	pthread_mutex_lock(&attach_lock);
	for (struct attachment *a = attachments; a; a = a->next) {
		if (!hook_matches(a, kind, name) || a->role != role)
			continue;
		if (n < cap)
			ids[n] = a->prog->obj.id;
		n++;
	}
	pthread_mutex_unlock(&attach_lock);
	return n;
}

/* Runs one program on ctx as a fresh run of this thread: 0 or -EFAULT (reported), or
 * -EBUSY when the thread is inside a run already. */
static int run_one(const struct fire_entry *e, void *ctx, u32 ctx_size, struct trace_info *ti,
		   u64 *ret)
{
	struct exec_ctx *x = test_exec_ctx(e->prog, ctx, ctx_size, ti);

	if (!x)
		return -EBUSY;
	ti->cookie = e->cookie;
	ti->func_ip = e->func_ip;
	*ret = vm_run(x, e->prog, (u64)(uintptr_t)ctx);
	int err = 0;
	if (x->fault) {
		fprintf(stderr, "bpfrun: program %s faulted: %s\n", e->prog->name, x->fault_msg);
		err = -EFAULT;
	}
	__atomic_add_fetch(&e->prog->run_cnt, 1, __ATOMIC_RELAXED);
	vm_reset_run(x);
	return err;
}

int attach_fire(enum hook_kind kind, const char *name, bool retprobe, void *ctx, u32 ctx_size,
		u64 *ret, bool *override)
{
	struct trace_info ti = { 0 };
	struct snapshot s;
	int err = snapshot_take(&s, kind, name, retprobe);

	if (err)
		return err;
	*ret = 0;
	for (u32 i = 0; i < s.n; i++) {
		int e = run_one(&s.v[i], ctx, ctx_size, &ti, ret);
		err = err ? err : e;
	}
	if (override)
		*override = ti.override;
	if (ti.override)
		*ret = ti.override_ret;
	int n = (int)s.n;
	snapshot_put(&s);
	return err ? err : n;
}

/* Runs one trampoline program on ctx (arguments, and the return value when has_ret). */
static u64 tramp_run_one(const struct fire_entry *e, u64 *ctx, struct trace_info *ti,
			 struct tramp_result *res)
{
	u64 r = 0;

	res->runs++;
	res->faults += run_one(e, ctx, (ti->nr_args + ti->has_ret) * 8, ti, &r) < 0;
	return r;
}

/* Runs the entries of s attached as role on the trampoline context. */
static void tramp_run(struct snapshot *s, u32 role, u64 *ctx, struct trace_info *ti,
		      struct tramp_result *res)
{
	for (u32 i = 0; i < s->n; i++)
		if (s->v[i].role == role)
			tramp_run_one(&s->v[i], ctx, ti, res);
}

/* fmod_ret and LSM programs: each sees the previous return value; the first nonzero one
 * ends the chain (the kernel's trampoline branches past the function).  True when the
 * function is to be skipped. */
static bool tramp_modify(struct snapshot *s, u64 *ctx, struct trace_info *ti,
			 struct tramp_result *res)
{
	for (u32 i = 0; i < s->n; i++) {
		if (s->v[i].role != BPF_MODIFY_RETURN && s->v[i].role != BPF_LSM_MAC)
			continue;
		u64 r = tramp_run_one(&s->v[i], ctx, ti, res);
		ctx[ti->nr_args] = r;
		if (r)
			return true;
	}
	return false;
}

u64 attach_tramp_call(const char *func, const u64 *args, u32 nr_args, u64 (*orig)(const u64 *args),
		      u64 orig_ret, struct tramp_result *res)
{
	u64 ctx[MAX_FUNC_ARGS + 1] = { 0 };
	struct trace_info ti = { .args = ctx, .nr_args = MIN(nr_args, MAX_FUNC_ARGS) };
	struct snapshot s;

	*res = (struct tramp_result){ 0 };
	memcpy(ctx, args, ti.nr_args * sizeof(u64));
	if (snapshot_take(&s, HOOK_TRAMP, func, false))
		return orig ? orig(args) : orig_ret;
	tramp_run(&s, BPF_TRACE_FENTRY, ctx, &ti, res);
	ti.has_ret = true;
	if (!tramp_modify(&s, ctx, &ti, res))
		ctx[ti.nr_args] = orig ? orig(args) : orig_ret;
	u64 ret = ctx[ti.nr_args];
	tramp_run(&s, BPF_TRACE_FEXIT, ctx, &ti, res);
	snapshot_put(&s);
	return ret;
}
