/* Scalar tracking: the value of a register as a tristate number plus unsigned and
 * signed 64-bit bounds, each tightening the others (reg_sync).  32-bit operations work on
 * the zero-extended low half; where the kernel's separate 32-bit bounds could know more
 * than that, the result is marked fuzzy (state.h).  No state. */
#include "state.h"

#define U32_MAXV 0xffffffffull

void reg_mark_unknown(struct vreg *r)
{
	bool fuzzy = r->fuzzy;

	*r = (struct vreg){ .type = SCALAR, .fuzzy = fuzzy, .var_off = TNUM_UNKNOWN };
	r->smin = INT64_MIN;
	r->smax = INT64_MAX;
	r->umax = UINT64_MAX;
}

void reg_mark_const(struct vreg *r, u64 v)
{
	*r = (struct vreg){ .type = SCALAR, .var_off = tnum_const(v) };
	r->smin = r->smax = (s64)v;
	r->umin = r->umax = v;
}

void reg_mark_range(struct vreg *r, u64 umin, u64 umax)
{
	reg_mark_unknown(r);
	r->umin = umin;
	r->umax = umax;
	r->var_off = tnum_range(umin, umax);
	reg_sync(r);
}

bool reg_is_const(const struct vreg *r)
{
	return r->type == SCALAR && tnum_is_const(r->var_off);
}

static void sync_once(struct vreg *r)
{
	struct tnum t = r->var_off;
	u64 sign = 1ull << 63, hi = t.value | t.mask;

	r->umin = MAX(r->umin, t.value);
	r->umax = MIN(r->umax, hi);
	if (t.mask & sign) {
		r->smin = MAX(r->smin, (s64)(t.value | sign));
		r->smax = MIN(r->smax, (s64)(hi & ~sign));
	} else {
		r->smin = MAX(r->smin, (s64)t.value);
		r->smax = MIN(r->smax, (s64)hi);
	}
	/* Signed bounds of one sign are unsigned bounds too, and back. */
	if (r->smin >= 0 || r->smax < 0) {
		r->umin = MAX(r->umin, (u64)r->smin);
		r->umax = MIN(r->umax, (u64)r->smax);
	}
	if ((s64)r->umax >= 0 || (s64)r->umin < 0) {
		r->smin = MAX(r->smin, (s64)r->umin);
		r->smax = MIN(r->smax, (s64)r->umax);
	}
	if (r->umin <= r->umax)
		r->var_off = tnum_intersect(r->var_off, tnum_range(r->umin, r->umax));
}

bool reg_sync(struct vreg *r)
{
	sync_once(r);
	sync_once(r);
	if (r->umin > r->umax || r->smin > r->smax || (r->var_off.value & r->var_off.mask))
		return false;
	return true;
}

/* The low 32 bits as a 64-bit scalar; coarser than the kernel's 32-bit bounds when the
 * register's bounds did not already fit. */
static struct vreg view32(const struct vreg *r)
{
	struct vreg v = *r;

	if (r->umax <= U32_MAXV)
		return v;
	reg_mark_unknown(&v);
	v.fuzzy = true;
	v.var_off = tnum_subreg(r->var_off);
	v.umax = U32_MAXV;
	reg_sync(&v);
	return v;
}

static bool add_ovf(s64 a, s64 b, s64 *res)
{
	return __builtin_add_overflow(a, b, res);
}
static bool sub_ovf(s64 a, s64 b, s64 *res)
{
	return __builtin_sub_overflow(a, b, res);
}

static void alu_add(struct vreg *d, const struct vreg *s)
{
	s64 lo, hi;
	u64 ulo, uhi;
	bool so = add_ovf(d->smin, s->smin, &lo) || add_ovf(d->smax, s->smax, &hi);
	bool uo = __builtin_add_overflow(d->umin, s->umin, &ulo) ||
		  __builtin_add_overflow(d->umax, s->umax, &uhi);

	d->var_off = tnum_add(d->var_off, s->var_off);
	d->smin = so ? INT64_MIN : lo;
	d->smax = so ? INT64_MAX : hi;
	d->umin = uo ? 0 : ulo;
	d->umax = uo ? UINT64_MAX : uhi;
}

static void alu_sub(struct vreg *d, const struct vreg *s)
{
	s64 lo, hi;
	bool so = sub_ovf(d->smin, s->smax, &lo) || sub_ovf(d->smax, s->smin, &hi);

	d->var_off = tnum_sub(d->var_off, s->var_off);
	d->smin = so ? INT64_MIN : lo;
	d->smax = so ? INT64_MAX : hi;
	if (d->umin < s->umax) {
		d->umin = 0;
		d->umax = UINT64_MAX;
	} else {
		d->umin -= s->umax;
		d->umax -= s->umin;
	}
}

static void unbound(struct vreg *d)
{
	d->smin = INT64_MIN;
	d->smax = INT64_MAX;
	d->umin = 0;
	d->umax = UINT64_MAX;
}

static void alu_mul(struct vreg *d, const struct vreg *s)
{
	bool small = d->umax <= U32_MAXV && s->umax <= U32_MAXV;
	u64 lo = d->umin * s->umin, hi = d->umax * s->umax;

	d->var_off = tnum_mul(d->var_off, s->var_off);
	unbound(d);
	if (small) {
		d->umin = lo;
		d->umax = hi;
	}
}

static void alu_bits(struct vreg *d, const struct vreg *s, u8 op)
{
	bool nonneg = d->smin >= 0 && s->smin >= 0;
	u64 umin = op == BPF_OR ? MAX(d->umin, s->umin) : 0;
	u64 umax = op == BPF_AND ? MIN(d->umax, s->umax) : UINT64_MAX;

	d->var_off = op == BPF_AND ? tnum_and(d->var_off, s->var_off) :
		     op == BPF_OR  ? tnum_or(d->var_off, s->var_off) :
				     tnum_xor(d->var_off, s->var_off);
	unbound(d);
	d->umin = umin;
	d->umax = umax;
	if (nonneg && op != BPF_AND) {
		d->smin = 0;
		d->smax = INT64_MAX;
	}
}

static void alu_shift(struct vreg *d, const struct vreg *s, u8 op, u8 bits)
{
	if (!reg_is_const(s) || s->var_off.value >= bits) {
		d->fuzzy |= !reg_is_const(s) && s->umax < bits;
		reg_mark_unknown(d);
		return;
	}
	u8 k = (u8)s->var_off.value;
	struct vreg old = *d;
	unbound(d);
	if (op == BPF_LSH) {
		d->var_off = tnum_lshift(old.var_off, k);
		if (!k || !(old.umax >> (64 - k))) {
			d->umin = old.umin << k;
			d->umax = old.umax << k;
		}
	} else if (op == BPF_RSH) {
		d->var_off = tnum_rshift(old.var_off, k);
		d->umin = old.umin >> k;
		d->umax = old.umax >> k;
	} else if (bits == 64) { /* ARSH */
		d->var_off = tnum_arshift(old.var_off, k, 64);
		d->smin = old.smin >> k;
		d->smax = old.smax >> k;
	} else {
		d->fuzzy = true;
		reg_mark_unknown(d);
	}
}

void scalar_end(struct vreg *d, bool to_le, u32 bits)
{
	u8 size = (u8)(bits / 8);

	d->id = 0;
	if (to_le) { /* x86: a truncation */
		struct tnum t = tnum_cast(d->var_off, size);
		reg_mark_unknown(d);
		d->var_off = t;
		reg_sync(d);
		return;
	}
	d->fuzzy = true;
	reg_mark_unknown(d);
	if (size < 8)
		d->var_off = tnum_cast(TNUM_UNKNOWN, size);
	reg_sync(d);
}

void scalar_alu(struct vreg *dst, const struct vreg *src, u8 op, bool alu32)
{
	struct vreg a = alu32 ? view32(dst) : *dst, b = alu32 ? view32(src) : *src;

	a.fuzzy |= b.fuzzy;
	switch (op) {
	case BPF_ADD:
		alu_add(&a, &b);
		break;
	case BPF_SUB:
		alu_sub(&a, &b);
		break;
	case BPF_MUL:
		alu_mul(&a, &b);
		break;
	case BPF_AND:
	case BPF_OR:
	case BPF_XOR:
		alu_bits(&a, &b, op);
		break;
	case BPF_LSH:
	case BPF_RSH:
	case BPF_ARSH:
		alu_shift(&a, &b, op, alu32 ? 32 : 64);
		break;
	default: /* DIV, MOD, NEG: the kernel's tracking may know more */
		a.fuzzy = true;
		reg_mark_unknown(&a);
	}
	if (!reg_sync(&a)) {
		a.fuzzy = true;
		reg_mark_unknown(&a);
	}
	if (alu32 && a.umax > U32_MAXV) {
		struct tnum t = tnum_subreg(a.var_off);
		a.fuzzy = true;
		reg_mark_unknown(&a);
		a.var_off = t;
		a.umax = U32_MAXV;
		reg_sync(&a);
	}
	a.id = 0;
	*dst = a;
}

/* ---- branches ---- */

static u8 negate_op(u8 op)
{
	switch (op) {
	case BPF_JEQ:
		return BPF_JNE;
	case BPF_JNE:
		return BPF_JEQ;
	case BPF_JGT:
		return BPF_JLE;
	case BPF_JLE:
		return BPF_JGT;
	case BPF_JGE:
		return BPF_JLT;
	case BPF_JLT:
		return BPF_JGE;
	case BPF_JSGT:
		return BPF_JSLE;
	case BPF_JSLE:
		return BPF_JSGT;
	case BPF_JSGE:
		return BPF_JSLT;
	case BPF_JSLT:
		return BPF_JSGE;
	default:
		return 0xff; /* JSET negated: "no common bit" */
	}
}

/* The operands fit the 32-bit comparison exactly: unsigned ones within u32, signed
 * ones within [0, S32_MAX]. */
static bool fits32(const struct vreg *r, u8 op)
{
	bool sign = op == BPF_JSGT || op == BPF_JSGE || op == BPF_JSLT || op == BPF_JSLE;

	return r->umax <= (sign ? 0x7fffffffull : U32_MAXV);
}

static void refine_lt(struct vreg *lo, struct vreg *hi, bool strict, bool sign)
{
	if (sign) {
		s64 d = strict ? 1 : 0;
		if (hi->smax > INT64_MIN + d || !strict)
			lo->smax = MIN(lo->smax, hi->smax - d);
		else
			lo->smax = INT64_MIN, lo->smin = INT64_MAX; /* contradiction */
		if (lo->smin < INT64_MAX - d || !strict)
			hi->smin = MAX(hi->smin, lo->smin + d);
		else
			hi->smin = INT64_MAX, hi->smax = INT64_MIN;
		return;
	}
	u64 d = strict ? 1 : 0;
	if (hi->umax >= d)
		lo->umax = MIN(lo->umax, hi->umax - d);
	else
		lo->umin = 1, lo->umax = 0;
	if (lo->umin <= UINT64_MAX - d)
		hi->umin = MAX(hi->umin, lo->umin + d);
	else
		hi->umin = 1, hi->umax = 0;
}

static void refine_eq(struct vreg *a, struct vreg *b)
{
	a->umin = b->umin = MAX(a->umin, b->umin);
	a->umax = b->umax = MIN(a->umax, b->umax);
	a->smin = b->smin = MAX(a->smin, b->smin);
	a->smax = b->smax = MIN(a->smax, b->smax);
	a->var_off = b->var_off = tnum_intersect(a->var_off, b->var_off);
}

static void refine_ne(struct vreg *a, const struct vreg *c)
{
	if (!reg_is_const(c))
		return;
	u64 v = c->var_off.value;
	if (a->umin == v && v != UINT64_MAX)
		a->umin++;
	else if (a->umax == v && v)
		a->umax--;
	if (a->smin == (s64)v && (s64)v != INT64_MAX)
		a->smin++;
	else if (a->smax == (s64)v && (s64)v != INT64_MIN)
		a->smax--;
}

bool scalar_branch(struct vreg *dst, struct vreg *src, u8 op, bool taken, bool jmp32)
{
	if (jmp32 && (!fits32(dst, op) || !fits32(src, op))) {
		dst->fuzzy = src->fuzzy = true;
		return true;
	}
	if (!taken)
		op = negate_op(op);
	switch (op) {
	case BPF_JEQ:
		refine_eq(dst, src);
		break;
	case BPF_JNE:
		refine_ne(dst, src);
		refine_ne(src, dst);
		break;
	case BPF_JGT:
	case BPF_JSGT:
		refine_lt(src, dst, true, op == BPF_JSGT);
		break;
	case BPF_JGE:
	case BPF_JSGE:
		refine_lt(src, dst, false, op == BPF_JSGE);
		break;
	case BPF_JLT:
	case BPF_JSLT:
		refine_lt(dst, src, true, op == BPF_JSLT);
		break;
	case BPF_JLE:
	case BPF_JSLE:
		refine_lt(dst, src, false, op == BPF_JSLE);
		break;
	case 0xff: /* !(dst & src): src's known bits are clear in dst */
		if (reg_is_const(src))
			dst->var_off = tnum_and(dst->var_off, tnum_const(~src->var_off.value));
		break;
	default: /* JSET taken: nothing simple to learn */
		break;
	}
	return reg_sync(dst) && reg_sync(src);
}

static int cmp_taken(const struct vreg *a, const struct vreg *b, u8 op)
{
	switch (op) {
	case BPF_JEQ:
	case BPF_JNE: {
		int eq = -1;
		if (reg_is_const(a) && reg_is_const(b))
			eq = a->var_off.value == b->var_off.value;
		else if (a->umin > b->umax || a->umax < b->umin || a->smin > b->smax ||
			 a->smax < b->smin ||
			 ((a->var_off.value ^ b->var_off.value) &
			  ~(a->var_off.mask | b->var_off.mask)))
			eq = 0;
		return eq < 0 ? -1 : op == BPF_JEQ ? eq : !eq;
	}
	case BPF_JGT:
		return a->umin > b->umax ? 1 : a->umax <= b->umin ? 0 : -1;
	case BPF_JGE:
		return a->umin >= b->umax ? 1 : a->umax < b->umin ? 0 : -1;
	case BPF_JLT:
		return cmp_taken(b, a, BPF_JGT);
	case BPF_JLE:
		return cmp_taken(b, a, BPF_JGE);
	case BPF_JSGT:
		return a->smin > b->smax ? 1 : a->smax <= b->smin ? 0 : -1;
	case BPF_JSGE:
		return a->smin >= b->smax ? 1 : a->smax < b->smin ? 0 : -1;
	case BPF_JSLT:
		return cmp_taken(b, a, BPF_JSGT);
	case BPF_JSLE:
		return cmp_taken(b, a, BPF_JSGE);
	case BPF_JSET:
		if (a->var_off.value & b->var_off.value)
			return 1;
		return ((a->var_off.value | a->var_off.mask) &
			(b->var_off.value | b->var_off.mask)) ?
			       -1 :
			       0;
	default:
		return -1;
	}
}

/* The low 32 bits of r as a 64-bit scalar, sign-extended for signed comparisons. */
static struct vreg sub32(const struct vreg *r, bool sign)
{
	struct vreg v = view32(r);

	if (!sign)
		return v;
	if (v.umax <= 0x7fffffffull)
		return v;
	if (v.umin >= 0x80000000ull) { /* all negative */
		v.smin = (s64)(s32)(u32)v.umin;
		v.smax = (s64)(s32)(u32)v.umax;
	} else {
		v.smin = INT32_MIN;
		v.smax = INT32_MAX;
	}
	v.var_off = tnum_is_const(v.var_off) ? tnum_const((u64)v.smin) : TNUM_UNKNOWN;
	v.umin = 0;
	v.umax = UINT64_MAX;
	reg_sync(&v);
	return v;
}

int scalar_branch_taken(const struct vreg *dst, const struct vreg *src, u8 op, bool jmp32)
{
	if (!jmp32)
		return cmp_taken(dst, src, op);
	bool sign = op == BPF_JSGT || op == BPF_JSGE || op == BPF_JSLT || op == BPF_JSLE;
	struct vreg a = sub32(dst, sign), b = sub32(src, sign);
	return cmp_taken(&a, &b, op);
}

bool scalar_within(const struct vreg *old, const struct vreg *cur)
{
	return old->umin <= cur->umin && old->umax >= cur->umax && old->smin <= cur->smin &&
	       old->smax >= cur->smax && tnum_in(old->var_off, cur->var_off);
}
