/* The verifier's driver: depth-first exploration of every path of the program from
 * each entry, one instruction at a time, with branches pushed on a stack; registers and
 * stack are tracked per path (state.h), states are kept at prune points and a path whose
 * state a fully explored kept state covers is cut (pruning); the kernel's limit of 1M
 * processed instructions applies.  ALU, loads and stores, jumps are here; memory rules
 * in mem.c, calls in calls.c, scalar arithmetic in scalar.c.
 *
 * Locking: none inside a verification; the on/off switch is an atomic int read once per
 * load. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bpfrun.h"
#include "env.h"
#include "../lib/insn.h"
#include "../maps/map.h"

#define COMPLEXITY_LIMIT 1000000u
#define MAX_KEPT_TOTAL 20000u
#define MAX_KEPT_PER_INSN 64u
/* Comparisons of the current state with kept ones.  Each costs up to a whole state (every
 * frame's registers and stack), and the two limits above allow 64 per instruction over
 * 1M instructions: a hostile program could hold a load for minutes.  Past this many the
 * verifier gives up, and the run-time checks guard the program, as for what it does not
 * model. */
#define COMPARE_LIMIT 2000000u

/* ---- the switch ---- */

static int enabled = -1; /* -1: not decided yet (environment) */

bool verifier_enabled(void)
{
	int on = __atomic_load_n(&enabled, __ATOMIC_RELAXED);

	if (on < 0) {
		const char *e = getenv("BPFRUN_VERIFIER");
		on = !(e && !strcmp(e, "0"));
		__atomic_store_n(&enabled, on, __ATOMIC_RELAXED);
	}
	return on;
}

void verifier_set_enabled(bool on)
{
	__atomic_store_n(&enabled, on ? 1 : 0, __ATOMIC_RELAXED);
}

void bpfrun_set_verifier(int on)
{
	verifier_set_enabled(on != 0);
}

/* ---- errors ---- */

int vfail(struct venv *env, const struct vreg *r, int err, const char *fmt, ...)
{
	va_list ap;
	size_t n = strlen(env->msg);

	if (env->cur.fuzzy || (r && r->fuzzy))
		return vgiveup(env, "coarse tracking");
	if (getenv("BPFRUN_VERIFIER_DEBUG"))
		fprintf(stderr, "bpfrun verifier: refusal at insn %u\n", env->insn);
	va_start(ap, fmt);
	vsnprintf(env->msg + n, sizeof(env->msg) - n - 1, fmt, ap);
	va_end(ap);
	n = strlen(env->msg);
	env->msg[n] = '\n';
	env->msg[n + 1] = 0;
	return err;
}

int vgiveup(struct venv *env, const char *why)
{
	if (getenv("BPFRUN_VERIFIER_DEBUG"))
		fprintf(stderr, "bpfrun verifier: gives up at insn %u: %s\n", env->insn, why);
	env->stats->gave_up = true;
	return -EGIVEUP;
}

const char *reg_type_str(const struct vreg *r)
{
	static const char *const names[] = {
		[NOT_INIT] = "?",          [SCALAR] = "scalar",     [PTR_CTX] = "ctx",
		[PTR_STACK] = "fp",        [CONST_MAP] = "map_ptr", [PTR_MAP_VALUE] = "map_value",
		[PTR_MAP_KEY] = "map_key", [PTR_PKT] = "pkt",       [PTR_PKT_META] = "pkt_meta",
		[PTR_PKT_END] = "pkt_end", [PTR_FUNC] = "func",     [PTR_OPAQUE] = "ptr_",
	};
	if (r->maybe_null && r->type == PTR_MAP_VALUE)
		return "map_value_or_null";
	return names[r->type];
}

int check_reg_init(struct venv *env, u32 regno)
{
	if (cur_regs(env)[regno].type == NOT_INIT)
		return vfail(env, NULL, -EACCES, "R%u !read_ok", regno);
	return 0;
}

/* ---- states ---- */

u32 subprog_of(const struct bpf_prog *prog, u32 insn)
{
	u32 s = 0;

	while (s + 1 < prog->nr_subprogs && prog->subprogs[s + 1].start <= insn)
		s++;
	return s;
}

struct vframe *frame_new(u32 subprog, u32 callsite, u32 frameno)
{
	struct vframe *fr = calloc(1, sizeof(*fr));

	if (!fr)
		return NULL;
	fr->subprog = subprog;
	fr->callsite = callsite;
	fr->regs[BPF_REG_10] = (struct vreg){ .type = PTR_STACK,
					      .frame = (u8)frameno,
					      .var_off = tnum_const(0) };
	return fr;
}

int state_copy(struct vstate *dst, const struct vstate *src)
{
	*dst = *src;
	for (u32 i = 0; i < src->nframes; i++) {
		dst->fr[i] = malloc(sizeof(struct vframe));
		if (!dst->fr[i]) {
			dst->nframes = i;
			state_free(dst);
			return -ENOMEM;
		}
		memcpy(dst->fr[i], src->fr[i], sizeof(struct vframe));
	}
	return 0;
}

void state_free(struct vstate *st)
{
	for (u32 i = 0; i < st->nframes; i++)
		free(st->fr[i]);
	st->nframes = 0;
}

/* v (an array of n elements of elem bytes, capacity *cap) with room for one more:
 * itself, or reallocated to twice the capacity; NULL when out of memory. */
static void *grow(void *v, u32 n, u32 *cap, size_t elem)
{
	if (n < *cap)
		return v;
	u32 c = *cap ? *cap * 2 : 64;
	void *p = realloc(v, c * elem);
	if (p)
		*cap = c;
	return p;
}

int push_branch(struct venv *env, const struct vstate *st, u32 insn)
{
	struct pending *p = grow(env->stack, env->nstack, &env->cap, sizeof(*p));

	if (!p)
		return -ENOMEM;
	env->stack = p;
	int err = state_copy(&p[env->nstack].st, st);
	if (err)
		return err;
	p[env->nstack++].insn = insn;
	return 0;
}

void for_each_reg(struct vstate *st, void (*f)(struct vreg *, void *), void *arg)
{
	for (u32 i = 0; i < st->nframes; i++) {
		struct vframe *fr = st->fr[i];
		for (u32 r = 0; r < MAX_BPF_REG; r++)
			f(&fr->regs[r], arg);
		for (u32 s = 0; s < STACK_SLOTS; s++)
			if (fr->slot[s * 8] == SLOT_SPILL)
				f(&fr->spill[s], arg);
	}
}

/* ---- pruning ---- */

struct idmap {
	u32 n;
	u32 old[64], cur[64];
};

static bool ids_match(struct idmap *m, u32 old, u32 cur)
{
	if (!old)
		return true;
	if (!cur)
		return false;
	for (u32 i = 0; i < m->n; i++)
		if (m->old[i] == old || m->cur[i] == cur)
			return m->old[i] == old && m->cur[i] == cur;
	if (m->n == ARRAY_SIZE(m->old))
		return false;
	m->old[m->n] = old;
	m->cur[m->n++] = cur;
	return true;
}

static bool reg_covers(const struct vreg *old, const struct vreg *cur, struct idmap *m, bool exact)
{
	if (old->type == NOT_INIT)
		return !exact || cur->type == NOT_INIT;
	if (old->type != cur->type || old->maybe_null != cur->maybe_null)
		return false;
	if (exact)
		return scalar_within(old, cur) && scalar_within(cur, old) && old->off == cur->off &&
		       old->range == cur->range && old->map == cur->map &&
		       old->frame == cur->frame && old->subprog == cur->subprog &&
		       ids_match(m, old->id, cur->id);
	if (old->type != SCALAR &&
	    (old->off != cur->off || old->map != cur->map || old->frame != cur->frame ||
	     old->subprog != cur->subprog || old->range > cur->range))
		return false;
	return scalar_within(old, cur) && ids_match(m, old->id, cur->id);
}

static bool slot_covers(const struct vframe *o, const struct vframe *c, u32 i, struct idmap *m,
			bool exact)
{
	u8 ot = o->slot[i], ct = c->slot[i];

	if (exact && ot != ct)
		return false;
	if (ot == SLOT_SPILL)
		return ct == SLOT_SPILL && reg_covers(&o->spill[i / 8], &c->spill[i / 8], m, exact);
	if (ot == SLOT_ZERO)
		return ct == SLOT_ZERO;
	/* invalid or misc: whatever a read found there, it was an unknown number */
	return ct != SLOT_SPILL || c->spill[i / 8].type == SCALAR;
}

static bool frame_covers(const struct vframe *o, const struct vframe *c, struct idmap *m,
			 bool exact)
{
	if (o->callsite != c->callsite || o->is_callback != c->is_callback)
		return false;
	for (u32 i = 0; i < MAX_BPF_REG; i++)
		if (!reg_covers(&o->regs[i], &c->regs[i], m, exact))
			return false;
	for (u32 i = 0; i < MAX_BPF_STACK; i++)
		if (!slot_covers(o, c, i, m, exact))
			return false;
	return true;
}

static bool state_covers(const struct vstate *o, const struct vstate *c, bool exact)
{
	struct idmap m = { 0 };

	if (o->nframes != c->nframes || o->in_async != c->in_async)
		return false;
	for (u32 f = 0; f < o->nframes; f++)
		if (!frame_covers(o->fr[f], c->fr[f], &m, exact))
			return false;
	return true;
}

static int keep_state(struct venv *env)
{
	u32 processed = env->stats->insn_processed;

	if (!env->state_freq && (env->jmps - env->prev_jmps < 2 || processed - env->prev_insns < 8))
		return 0;
	if (env->total_kept >= MAX_KEPT_TOTAL || env->nkept[env->insn] >= MAX_KEPT_PER_INSN)
		return 0;
	env->prev_jmps = env->jmps;
	env->prev_insns = processed;
	struct open_kept *o = grow(env->open, env->nopen, &env->open_cap, sizeof(*o));
	if (!o)
		return -ENOMEM;
	env->open = o;
	struct kept *k = calloc(1, sizeof(*k));
	if (!k || state_copy(&k->st, &env->cur)) {
		free(k);
		return -ENOMEM;
	}
	k->insn = env->insn;
	k->next = env->kept[env->insn];
	env->kept[env->insn] = k;
	env->nkept[env->insn]++;
	env->total_kept++;
	env->stats->total_states++;
	env->stats->peak_states = env->total_kept;
	env->stats->max_states_per_insn = MAX(env->stats->max_states_per_insn,
					      env->nkept[env->insn]);
	env->open[env->nopen++] = (struct open_kept){ .k = k, .depth = env->nstack };
	return 0;
}

/* 1: the current path is covered by an explored state (cut it); 0: go on. */
static int visit_state(struct venv *env)
{
	for (struct kept *k = env->kept[env->insn]; k; k = k->next) {
		if (++env->compares > COMPARE_LIMIT)
			return vgiveup(env, "complexity");
		if (k->done && state_covers(&k->st, &env->cur, false))
			return 1;
		if (!k->done && state_covers(&k->st, &env->cur, true))
			return vfail(env, NULL, -EINVAL, "infinite loop detected at insn %u",
				     env->insn);
	}
	return keep_state(env);
}

/* The current path ended: kept states whose every path is explored become done. */
static void path_done(struct venv *env)
{
	while (env->nopen && env->open[env->nopen - 1].depth >= env->nstack)
		env->open[--env->nopen].k->done = true;
}

/* ---- ALU ---- */

static void link_scalar(struct venv *env, struct vreg *src)
{
	if (src->type == SCALAR && !src->id && !tnum_is_const(src->var_off))
		src->id = ++env->id_gen;
}

static int check_mov(struct venv *env, const struct bpf_insn *insn, bool alu64)
{
	struct vreg *regs = cur_regs(env), *dst = &regs[insn->dst_reg];

	if (BPF_SRC(insn->code) == BPF_K) {
		reg_mark_const(dst, alu64 ? (u64)(s64)insn->imm : (u32)insn->imm);
		return 0;
	}
	int err = check_reg_init(env, insn->src_reg);
	if (err)
		return err;
	struct vreg *src = &regs[insn->src_reg];
	if (insn->off) { /* movsx */
		if (src->type != SCALAR)
			return vgiveup(env, "sign-extending move of a pointer");
		*dst = *src;
		dst->fuzzy = true;
		reg_mark_unknown(dst);
		return 0;
	}
	if (alu64) {
		link_scalar(env, src);
		*dst = *src;
		return 0;
	}
	if (src->type != SCALAR) { /* privileged: a partial copy of a pointer is a number */
		reg_mark_range(dst, 0, 0xffffffffull);
		return 0;
	}
	struct vreg zero;
	reg_mark_const(&zero, 0);
	*dst = *src;
	scalar_alu(dst, &zero, BPF_OR, true);
	return 0;
}

static const char *const alu_names[16] = { "+=",  "-=",  "*=", "/=", "|=", "&=",   "<<=",
					   ">>=", "neg", "%=", "^=", "=",  "s>>=", "endian" };

/* The kernel's check_reg_sane_offset (failures are EINVAL). */
static int ptr_sane_offset(struct venv *env, const struct vreg *off_reg, const struct vreg *ptr)
{
	const char *t = reg_type_str(ptr);

	if (reg_is_const(off_reg) && ((s64)off_reg->var_off.value >= (1ll << 29) ||
				      (s64)off_reg->var_off.value <= -(1ll << 29)))
		return vfail(env, off_reg, -EINVAL,
			     "math between %s pointer and %lld is not allowed", t,
			     (long long)off_reg->var_off.value);
	if (off_reg->smin == INT64_MIN)
		return vfail(env, off_reg, -EINVAL,
			     "math between %s pointer and register with unbounded min value is not "
			     "allowed",
			     t);
	return 0;
}

/* dst = ptr +/- scalar (the kernel's adjust_ptr_min_max_vals). */
static int ptr_arith(struct venv *env, const struct bpf_insn *insn, struct vreg *dst,
		     const struct vreg *ptr, const struct vreg *off)
{
	u8 op = BPF_OP(insn->code);
	u32 d = insn->dst_reg;

	if (ptr->maybe_null)
		return vfail(env, NULL, -EACCES,
			     "R%u pointer arithmetic on %s prohibited, null-check it first", d,
			     reg_type_str(ptr));
	if (ptr->type == CONST_MAP && op == BPF_ADD && reg_is_const(off) && !off->var_off.value) {
		*dst = *ptr; /* adding a known zero keeps the map pointer */
		return 0;
	}
	if (ptr->type == CONST_MAP || ptr->type == PTR_PKT_END || ptr->type == PTR_FUNC)
		return vfail(env, NULL, -EACCES, "R%u pointer arithmetic on %s prohibited", d,
			     reg_type_str(ptr));
	if (ptr->type == PTR_OPAQUE)
		return vgiveup(env, "arithmetic on an unmodelled pointer");
	if (op != BPF_ADD && op != BPF_SUB)
		return vfail(env, NULL, -EACCES,
			     op == BPF_AND || op == BPF_OR || op == BPF_XOR ?
				     "R%u bitwise operator %s on pointer prohibited" :
				     "R%u pointer arithmetic with %s operator prohibited",
			     d, alu_names[op >> 4]);
	if (op == BPF_SUB && ptr == off)
		return vfail(env, NULL, -EACCES, "R%u tried to subtract pointer from scalar", d);
	if (op == BPF_SUB && ptr->type == PTR_STACK)
		return vfail(env, NULL, -EACCES, "R%u subtraction from stack pointer prohibited",
			     d);
	int err = ptr_sane_offset(env, off, ptr);
	if (err)
		return err;
	struct vreg res = *ptr;
	if (reg_is_const(off)) {
		s64 v = (s64)off->var_off.value;
		s64 no = (s64)ptr->off + (op == BPF_ADD ? v : -v);
		if (no >= (1ll << 29) || no <= -(1ll << 29))
			return vfail(env, off, -EINVAL,
				     "value %lld makes %s pointer be out of bounds", (long long)no,
				     reg_type_str(ptr));
		res.off = (s32)no;
	} else {
		struct vreg var = *ptr;
		var.type = SCALAR;
		scalar_alu(&var, off, op, false);
		res.var_off = var.var_off;
		res.smin = var.smin;
		res.smax = var.smax;
		res.umin = var.umin;
		res.umax = var.umax;
		res.fuzzy = var.fuzzy;
		if (ptr->type == PTR_PKT || ptr->type == PTR_PKT_META) {
			res.id = ++env->id_gen;
			res.range = 0;
		}
	}
	*dst = res;
	return 0;
}

static int check_alu(struct venv *env, const struct bpf_insn *insn)
{
	bool alu64 = BPF_CLASS(insn->code) == BPF_ALU64;
	u8 op = BPF_OP(insn->code);
	struct vreg *regs = cur_regs(env), *dst = &regs[insn->dst_reg];
	int err;

	if (insn->dst_reg == BPF_REG_10)
		return vfail(env, NULL, -EACCES, "frame pointer is read only");
	if (op == BPF_MOV)
		return check_mov(env, insn, alu64);
	err = check_reg_init(env, insn->dst_reg);
	if (err)
		return err;
	if (op == BPF_NEG || op == BPF_END) {
		if (dst->type != SCALAR)
			return vfail(env, NULL, -EACCES,
				     "R%u pointer arithmetic with %s operator prohibited",
				     insn->dst_reg, alu_names[op >> 4]);
		if (op == BPF_END)
			scalar_end(dst, BPF_SRC(insn->code) == BPF_TO_LE && alu64 == false,
				   (u32)insn->imm);
		else
			scalar_alu(dst, dst, BPF_NEG, !alu64);
		return 0;
	}
	struct vreg k;
	const struct vreg *src = &k;
	if (BPF_SRC(insn->code) == BPF_X) {
		err = check_reg_init(env, insn->src_reg);
		if (err)
			return err;
		src = &regs[insn->src_reg];
	} else {
		reg_mark_const(&k, alu64 ? (u64)(s64)insn->imm : (u32)insn->imm);
	}
	bool dptr = dst->type != SCALAR, sptr = src->type != SCALAR;
	if ((dptr || sptr) && !alu64) {
		if (op == BPF_SUB) { /* privileged: a meaningless number */
			reg_mark_range(dst, 0, 0xffffffffull);
			return 0;
		}
		return vfail(env, NULL, -EACCES, "R%u 32-bit pointer arithmetic prohibited",
			     insn->dst_reg);
	}
	if (dptr && sptr) {
		if (op == BPF_SUB) { /* privileged: the difference is a number */
			reg_mark_unknown(dst);
			return 0;
		}
		return vfail(env, NULL, -EACCES, "R%u pointer %s pointer prohibited", insn->dst_reg,
			     alu_names[op >> 4]);
	}
	if (dptr)
		return ptr_arith(env, insn, dst, dst, src);
	if (sptr) {
		if (op == BPF_SUB)
			return vfail(env, NULL, -EACCES,
				     "R%u tried to subtract pointer from scalar", insn->dst_reg);
		struct vreg off = *dst;
		return ptr_arith(env, insn, dst, src, &off);
	}
	if ((op == BPF_DIV || op == BPF_MOD) && BPF_SRC(insn->code) == BPF_K && !insn->imm)
		return vfail(env, NULL, -EINVAL, "div by zero");
	if ((op == BPF_LSH || op == BPF_RSH || op == BPF_ARSH) && BPF_SRC(insn->code) == BPF_K &&
	    (u32)insn->imm >= (alu64 ? 64u : 32u))
		return vfail(env, NULL, -EINVAL, "invalid shift %d", insn->imm);
	scalar_alu(dst, src, op, !alu64);
	return 0;
}

/* ---- loads and stores ---- */

static u32 size_bytes(u8 code)
{
	static const u8 bytes[4] = {
		[BPF_W >> 3] = 4, [BPF_H >> 3] = 2, [BPF_B >> 3] = 1, [BPF_DW >> 3] = 8
	};

	return bytes[BPF_SIZE(code) >> 3];
}

static int check_ldx(struct venv *env, const struct bpf_insn *insn)
{
	struct vreg val = { .type = NOT_INIT };
	int err;

	if (BPF_MODE(insn->code) != BPF_MEM)
		return vgiveup(env, "sign-extending or special load");
	err = check_reg_init(env, insn->src_reg);
	if (!err && insn->dst_reg == BPF_REG_10)
		err = vfail(env, NULL, -EACCES, "frame pointer is read only");
	if (!err)
		err = check_mem(env, insn->src_reg, insn->off, size_bytes(insn->code), false, &val);
	if (!err)
		cur_regs(env)[insn->dst_reg] = val;
	return err;
}

static int check_atomic(struct venv *env, const struct bpf_insn *insn)
{
	u32 size = size_bytes(insn->code);
	struct vreg *regs = cur_regs(env), val = { 0 };
	int err = check_reg_init(env, insn->src_reg);

	if (!err)
		err = check_reg_init(env, insn->dst_reg);
	if (err)
		return err;
	if (regs[insn->dst_reg].type != PTR_STACK && regs[insn->dst_reg].type != PTR_MAP_VALUE)
		return vgiveup(env, "atomic on memory the verifier does not model");
	if (regs[insn->src_reg].type != SCALAR)
		return vgiveup(env, "atomic with a pointer operand");
	if (insn->imm == BPF_CMPXCHG && (err = check_reg_init(env, BPF_REG_0)))
		return err;
	bool strict = env->strict_align;
	env->strict_align = true; /* atomics are always aligned */
	err = check_mem(env, insn->dst_reg, insn->off, size, false, &val);
	if (!err)
		err = check_mem(env, insn->dst_reg, insn->off, size, true, &regs[insn->src_reg]);
	env->strict_align = strict;
	if (err)
		return err;
	/* the stored value is unknown: the slot holds a number */
	if (regs[insn->dst_reg].type == PTR_STACK) {
		struct vreg unk = { 0 };
		reg_mark_unknown(&unk);
		check_mem(env, insn->dst_reg, insn->off, size, true, size == 8 ? &unk : NULL);
	}
	if (insn->imm == BPF_CMPXCHG)
		reg_mark_range(&regs[BPF_REG_0], 0, size == 8 ? UINT64_MAX : 0xffffffffull);
	else if (insn->imm & BPF_FETCH)
		reg_mark_range(&regs[insn->src_reg], 0, size == 8 ? UINT64_MAX : 0xffffffffull);
	return 0;
}

static int check_store(struct venv *env, const struct bpf_insn *insn)
{
	struct vreg *regs = cur_regs(env), copy;
	bool stx = BPF_CLASS(insn->code) == BPF_STX;
	int err;

	if (stx && BPF_MODE(insn->code) == BPF_ATOMIC)
		return check_atomic(env, insn);
	if (BPF_MODE(insn->code) != BPF_MEM)
		return vgiveup(env, "unknown store mode");
	if (stx) {
		err = check_reg_init(env, insn->src_reg);
		if (err)
			return err;
	}
	err = check_reg_init(env, insn->dst_reg);
	if (err)
		return err;
	if (stx && size_bytes(insn->code) == 8)
		link_scalar(env, &regs[insn->src_reg]); /* the spill keeps the register's id */
	if (stx)
		copy = regs[insn->src_reg];
	else
		reg_mark_const(&copy, (u64)(s64)insn->imm);
	return check_mem(env, insn->dst_reg, insn->off, size_bytes(insn->code), true, &copy);
}

static int check_ld(struct venv *env, const struct bpf_insn *insn)
{
	struct vreg *regs = cur_regs(env), *dst = &regs[insn->dst_reg];

	if (BPF_MODE(insn->code) == BPF_ABS || BPF_MODE(insn->code) == BPF_IND) {
		if (regs[BPF_REG_6].type != PTR_CTX)
			return vfail(env, NULL, -EINVAL,
				     "at the time of BPF_LD_ABS|IND R6 != pointer to skb");
		if (BPF_MODE(insn->code) == BPF_IND) {
			int err = check_reg_init(env, insn->src_reg);
			if (err)
				return err;
		}
		for (u32 i = BPF_REG_1; i <= BPF_REG_5; i++)
			regs[i] = (struct vreg){ .type = NOT_INIT };
		reg_mark_unknown(&regs[BPF_REG_0]);
		return 0;
	}
	const struct bpf_insn *xl = &env->prog->xlated[env->insn];
	const struct bpf_map *map = env->insn_map[env->insn];
	if (insn->dst_reg == BPF_REG_10)
		return vfail(env, NULL, -EACCES, "frame pointer is read only");
	if (xl->src_reg == BPF_PSEUDO_BTF_ID)
		return vgiveup(env, "typed ksym"); /* PTR_TO_BTF_ID and per-CPU pointers */
	if (xl->src_reg == BPF_PSEUDO_FUNC) {
		*dst = (struct vreg){ .type = PTR_FUNC,
				      .var_off = tnum_const(0),
				      .subprog = subprog_of(env->prog,
							    env->insn + (u32)xl->imm + 1) };
	} else if (map) {
		bool value = xl->src_reg == BPF_PSEUDO_MAP_VALUE;
		*dst = (struct vreg){ .type = value ? PTR_MAP_VALUE : CONST_MAP,
				      .map = map,
				      .off = value ? xl[1].imm : 0,
				      .var_off = tnum_const(0) };
	} else {
		reg_mark_const(dst, (u64)(u32)insn->imm | ((u64)(u32)insn[1].imm << 32));
	}
	env->insn++; /* the second half */
	return 0;
}

/* ---- jumps ---- */

struct null_mark {
	u32 id;
	bool is_null;
};

static void mark_null_one(struct vreg *r, void *arg)
{
	const struct null_mark *m = arg;

	if (!r->maybe_null || r->id != m->id)
		return;
	if (m->is_null) {
		reg_mark_const(r, 0);
	} else {
		r->maybe_null = false;
		r->id = 0;
	}
}

struct pkt_mark {
	u8 type;
	u32 id, range;
};

static void mark_pkt_one(struct vreg *r, void *arg)
{
	const struct pkt_mark *m = arg;

	if (r->type == m->type && r->id == m->id)
		r->range = MAX(r->range, m->range);
}

static void link_scalars_one(struct vreg *r, void *arg)
{
	const struct vreg *src = arg;

	if (r->type == SCALAR && r->id == src->id)
		*r = *src;
}

/* A pointer proven to stay below data_end (strict: below or at data_end - 1). */
static void find_good_pkt(struct vstate *st, const struct vreg *ptr, bool strict)
{
	struct pkt_mark m = { .type = ptr->type, .id = ptr->id };

	if (ptr->off < 0 || (!ptr->off && strict) || ptr->umax > 0xffff ||
	    ptr->off + ptr->umax > 0xffff)
		return;
	m.range = (u32)ptr->off + (strict ? 1 : 0);
	for_each_reg(st, mark_pkt_one, &m);
}

/* Comparisons of a packet pointer with data_end (or of pkt_meta with data): the ranges
 * each branch proves.  Returns true when it applied. */
static bool pkt_compare(struct venv *env, struct vstate *taken, u8 op, const struct vreg *d,
			const struct vreg *s)
{
	bool fwd = (d->type == PTR_PKT && s->type == PTR_PKT_END) ||
		   (d->type == PTR_PKT_META && s->type == PTR_PKT);
	bool rev = (d->type == PTR_PKT_END && s->type == PTR_PKT) ||
		   (d->type == PTR_PKT && s->type == PTR_PKT_META);

	if (!fwd && !rev)
		return false;
	const struct vreg *ptr = fwd ? d : s;
	struct vstate *fall = &env->cur;
	if (rev) /* end OP ptr is ptr OP' end */
		op = op == BPF_JGT ? BPF_JLT :
		     op == BPF_JLT ? BPF_JGT :
		     op == BPF_JGE ? BPF_JLE :
		     op == BPF_JLE ? BPF_JGE :
				     op;
	switch (op) {
	case BPF_JGT: /* ptr > end: the fall-through has ptr <= end */
		find_good_pkt(fall, ptr, false);
		break;
	case BPF_JGE:
		find_good_pkt(fall, ptr, true);
		break;
	case BPF_JLT:
		find_good_pkt(taken, ptr, true);
		break;
	case BPF_JLE:
		find_good_pkt(taken, ptr, false);
		break;
	}
	return true;
}

static bool same_ptr_kind(const struct vreg *a, const struct vreg *b)
{
	return a->type == b->type && a->type == PTR_MAP_VALUE && a->map == b->map;
}

/* Outcome of a comparison that types alone decide: 1, 0, or -1. */
static int ptr_branch_taken(const struct vreg *d, const struct vreg *s, u8 op)
{
	bool dptr = d->type != SCALAR, zero = reg_is_const(s) && !s->var_off.value;

	if (!dptr || d->maybe_null || !zero || d->type == PTR_OPAQUE)
		return -1;
	return op == BPF_JEQ ? 0 : op == BPF_JNE ? 1 : -1;
}

static int check_cond_jmp(struct venv *env, const struct bpf_insn *insn)
{
	bool jmp32 = BPF_CLASS(insn->code) == BPF_JMP32;
	u8 op = BPF_OP(insn->code);
	u32 target = env->insn + 1 + insn->off;
	struct vreg k, *regs = cur_regs(env), *d = &regs[insn->dst_reg], *s = &k;
	int err = check_reg_init(env, insn->dst_reg);

	if (err)
		return err;
	if (BPF_SRC(insn->code) == BPF_X) {
		err = check_reg_init(env, insn->src_reg);
		if (err)
			return err;
		s = &regs[insn->src_reg];
	} else {
		reg_mark_const(&k, jmp32 ? (u64)(u32)insn->imm : (u64)(s64)insn->imm);
	}
	int taken = -1;
	if (d->type == SCALAR && s->type == SCALAR)
		taken = scalar_branch_taken(d, s, op, jmp32);
	else if (!jmp32)
		taken = ptr_branch_taken(d, s, op);
	if (taken < 0 && (d->fuzzy || s->fuzzy))
		env->cur.fuzzy = true;
	if (taken == 1)
		env->insn = target - 1;
	if (taken >= 0)
		return 0;

	struct vstate other;
	err = state_copy(&other, &env->cur);
	if (err)
		return err;
	struct vreg *od = &other.fr[other.nframes - 1]->regs[insn->dst_reg];
	struct vreg ok = k, *os = BPF_SRC(insn->code) == BPF_X ?
					  &other.fr[other.nframes - 1]->regs[insn->src_reg] :
					  &ok;
	bool live_fall = true, live_taken = true;
	if (d->type == SCALAR && s->type == SCALAR) {
		live_taken = scalar_branch(od, os, op, true, jmp32);
		live_fall = scalar_branch(d, s, op, false, jmp32);
		if (od->id)
			for_each_reg(&other, link_scalars_one, od);
		if (os->id && os != &ok)
			for_each_reg(&other, link_scalars_one, os);
		if (d->id)
			for_each_reg(&env->cur, link_scalars_one, d);
		if (s->id && s != &k)
			for_each_reg(&env->cur, link_scalars_one, s);
	} else if (d->maybe_null && reg_is_const(s) && !s->var_off.value &&
		   (op == BPF_JEQ || op == BPF_JNE) && !jmp32) {
		struct null_mark null = { d->id, true }, nonnull = { d->id, false };
		for_each_reg(&other, mark_null_one, op == BPF_JEQ ? &null : &nonnull);
		for_each_reg(&env->cur, mark_null_one, op == BPF_JEQ ? &nonnull : &null);
	} else if (!jmp32 && (op == BPF_JEQ || op == BPF_JNE) && same_ptr_kind(d, s) &&
		   d->maybe_null != s->maybe_null) {
		/* equal to a non-NULL pointer: not NULL either */
		struct null_mark nonnull = { d->maybe_null ? d->id : s->id, false };
		for_each_reg(op == BPF_JEQ ? &other : &env->cur, mark_null_one, &nonnull);
	} else if (!jmp32) {
		pkt_compare(env, &other, op, d, s);
	}
	if (live_taken)
		err = push_branch(env, &other, target);
	state_free(&other);
	if (!err && !live_fall)
		return 1; /* this path cannot go on */
	return err;
}

/* ---- the main loop ---- */

static int step(struct venv *env)
{
	const struct bpf_insn *insn = &env->prog->insns[env->insn];
	u8 cls = BPF_CLASS(insn->code), op = BPF_OP(insn->code);

	switch (cls) {
	case BPF_ALU:
	case BPF_ALU64:
		return check_alu(env, insn);
	case BPF_LDX:
		return check_ldx(env, insn);
	case BPF_ST:
	case BPF_STX:
		return check_store(env, insn);
	case BPF_LD:
		return check_ld(env, insn);
	default:
		break;
	}
	env->jmps++;
	if (op == BPF_JA) {
		env->insn += cls == BPF_JMP32 ? insn->imm : insn->off;
		return 0;
	}
	if (op == BPF_EXIT)
		return check_exit(env);
	if (op == BPF_CALL) {
		if (insn->src_reg == BPF_PSEUDO_CALL) {
			int err = check_subprog_call(env, insn);
			if (!err)
				env->insn--; /* step() adds one */
			return err;
		}
		if (insn->src_reg)
			return vgiveup(env, "kfunc call");
		return check_helper_call(env, insn);
	}
	return check_cond_jmp(env, insn);
}

static int pop_branch(struct venv *env)
{
	path_done(env);
	state_free(&env->cur);
	if (!env->nstack)
		return 0;
	struct pending *p = &env->stack[--env->nstack];
	env->cur = p->st;
	env->insn = p->insn;
	return 1;
}

static int explore(struct venv *env)
{
	for (;;) {
		int err = 0;
		if (++env->stats->insn_processed > COMPLEXITY_LIMIT)
			return vgiveup(env, "complexity");
		if (env->prune_point[env->insn] || env->state_freq)
			err = visit_state(env);
		if (!err) {
			err = step(env);
			if (!err)
				env->insn++;
		}
		if (err < 0)
			return err;
		if (err == 1 && !pop_branch(env))
			return 0;
	}
}

static void mark_prune_points(struct venv *env)
{
	const struct bpf_prog *prog = env->prog;

	for (u32 i = 0; i < prog->len; i++) {
		const struct bpf_insn *insn = &prog->insns[i];
		u8 cls = BPF_CLASS(insn->code), op = BPF_OP(insn->code);
		if (is_ld_imm64(insn)) {
			i++;
			continue;
		}
		if (cls != BPF_JMP && cls != BPF_JMP32)
			continue;
		if (op == BPF_CALL) {
			if (i + 1 < prog->len)
				env->prune_point[i + 1] = 1;
			continue;
		}
		if (op == BPF_EXIT)
			continue;
		s64 to = (s64)i + 1 + (cls == BPF_JMP32 && op == BPF_JA ? insn->imm : insn->off);
		if (to >= 0 && to < prog->len)
			env->prune_point[to] = 1;
		if (op != BPF_JA && i + 1 < prog->len)
			env->prune_point[i + 1] = 1;
	}
}

static int init_entry(struct venv *env)
{
	env->cur = (struct vstate){ .nframes = 1 };
	env->cur.fr[0] = frame_new(0, 0, 0);
	if (!env->cur.fr[0])
		return -ENOMEM;
	env->cur.fr[0]->regs[BPF_REG_1] = (struct vreg){ .type = PTR_CTX,
							 .var_off = tnum_const(0) };
	env->insn = 0;
	return 0;
}

static void env_free(struct venv *env)
{
	state_free(&env->cur);
	for (u32 i = 0; i < env->nstack; i++)
		state_free(&env->stack[i].st);
	free(env->stack);
	for (u32 i = 0; env->kept && i < env->prog->len; i++) {
		for (struct kept *k = env->kept[i], *n; k; k = n) {
			n = k->next;
			state_free(&k->st);
			free(k);
		}
	}
	free(env->kept);
	free(env->nkept);
	free(env->prune_point);
	free(env->open);
}

int verifier_run(struct bpf_prog *prog, struct bpf_map *const *insn_map, const struct caps *caps,
		 struct vlog *log, struct verifier_stats *stats)
{
	struct venv env = { .prog = prog, .insn_map = insn_map, .stats = stats, .caps = *caps };
	int err = -ENOMEM;

	memset(stats, 0, sizeof(*stats));
	env.state_freq = prog->prog_flags & BPF_F_TEST_STATE_FREQ;
	env.strict_align = prog->prog_flags & BPF_F_STRICT_ALIGNMENT;
	env.kept = calloc(prog->len, sizeof(*env.kept));
	env.nkept = calloc(prog->len, sizeof(*env.nkept));
	env.prune_point = calloc(prog->len, 1);
	if (env.kept && env.nkept && env.prune_point) {
		mark_prune_points(&env);
		err = init_entry(&env);
	}
	/* Unprivileged loads follow many more rules (pointer leaks, speculation): not
	 * modelled, so left to the run-time checks. */
	if (!err && (!env.caps.perfmon || !env.caps.bpf))
		err = vgiveup(&env, "unprivileged loader");
	if (!err)
		err = explore(&env);
	env_free(&env);
	if (err == -EGIVEUP)
		return 0; /* vgiveup set stats->gave_up */
	if (err && err != -ENOMEM)
		vlog_printf(log, "%s", env.msg);
	return err;
}
