/* Memory accesses at load time: the context through the program type's rules, the stack
 * byte by byte (spilled registers, misc, zero, invalid), map values and keys against
 * their sizes and special fields, packets against the range proven by comparisons with
 * data_end.  Messages and errnos are the kernel's.  No locking (one verification). */
#include <stdio.h>
#include <string.h>

#include "env.h"
#include "../maps/map.h"

#define MAX_VAR_OFF (1ll << 29)

/* A loaded value of size bytes: a scalar zero-extended from it. */
static void mark_loaded(struct vreg *val, u32 size)
{
	if (size >= 8)
		reg_mark_unknown(val);
	else
		reg_mark_range(val, 0, (1ull << (size * 8)) - 1);
	val->fuzzy = false;
}

/* ---- context ---- */

static int load_ctx_kind(struct vreg *val, u8 kind, u32 size)
{
	switch (kind) {
	case CTX_SCALAR:
		mark_loaded(val, size);
		return 0;
	case CTX_PTR:
		*val = (struct vreg){ .type = PTR_OPAQUE };
		return 0;
	default:
		*val = (struct vreg){ .type = kind == CTX_PKT     ? PTR_PKT :
					      kind == CTX_PKT_END ? PTR_PKT_END :
								    PTR_PKT_META,
				      .var_off = tnum_const(0) };
		return 0;
	}
}

static int check_ctx(struct venv *env, u32 regno, s32 off, u32 size, bool write, struct vreg *val)
{
	const struct vreg *r = &cur_regs(env)[regno];
	const struct prog_type_ops *tops = env->prog->tops;
	char tn[48];
	u8 kind = CTX_SCALAR;

	if (r->off)
		return vfail(env, r, -EACCES,
			     "dereference of modified ctx ptr R%u off=%d disallowed", regno,
			     r->off);
	if (!tnum_is_const(r->var_off) || r->var_off.value) {
		tnum_str(tn, sizeof(tn), r->var_off);
		return vfail(env, r, -EACCES, "variable ctx access var_off=%s disallowed", tn);
	}
	if (!tops->ctx_access)
		return vgiveup(env, "context rules of the program type");
	if (off < 0 || tops->ctx_access(env->prog, (u32)off, size, write, &kind))
		return vfail(env, NULL, -EACCES, "invalid bpf_context access off=%d size=%u", off,
			     size);
	if (write && val->type != SCALAR)
		return vgiveup(env, "pointer stored into the context");
	return write ? 0 : load_ctx_kind(val, kind, size);
}

/* ---- stack ---- */

static struct vframe *stack_frame(struct venv *env, const struct vreg *r)
{
	return env->cur.fr[r->frame];
}

static void scrub_slot(struct vframe *fr, u32 spi)
{
	if (fr->slot[spi * 8] != SLOT_SPILL)
		return;
	for (u32 i = 0; i < 8; i++)
		fr->slot[spi * 8 + i] = SLOT_MISC;
}

static int stack_write(struct venv *env, struct vframe *fr, s32 at, u32 size,
		       const struct vreg *val)
{
	u32 idx = (u32)(at + MAX_BPF_STACK), spi = idx / 8;

	if (val && val->type != SCALAR && val->type != NOT_INIT && size != 8)
		return vfail(env, NULL, -EACCES, "invalid size of register spill");
	if (val && size == 8) {
		memset(&fr->slot[idx], SLOT_SPILL, 8);
		fr->spill[spi] = *val;
		return 0;
	}
	scrub_slot(fr, spi);
	if (idx % 8 + size > 8)
		scrub_slot(fr, spi + 1);
	bool zero = val && reg_is_const(val) && !val->var_off.value;
	memset(&fr->slot[idx],
	       zero                       ? SLOT_ZERO :
	       val && val->type == SCALAR ? SLOT_NARROW :
					    SLOT_MISC,
	       size);
	return 0;
}

static int stack_read(struct venv *env, struct vframe *fr, s32 at, u32 size, struct vreg *val)
{
	u32 idx = (u32)(at + MAX_BPF_STACK), spi = idx / 8;
	bool zero = true, narrow = false;

	if (fr->slot[idx] == SLOT_SPILL) {
		const struct vreg *sp = &fr->spill[spi];
		if (size == 8) {
			*val = *sp;
			return 0;
		}
		if (sp->type != SCALAR)
			return vfail(env, NULL, -EACCES, "invalid size of register fill");
		mark_loaded(val, size);
		val->fuzzy = true; /* the kernel may keep a narrowed constant */
		return 0;
	}
	for (u32 i = 0; i < size; i++) {
		u8 t = fr->slot[idx + i];
		if (t == SLOT_INVALID && !env->caps.perfmon)
			return vfail(env, NULL, -EACCES,
				     "invalid read from stack off %d+%u size %u", at, i, size);
		if (t == SLOT_SPILL) {
			if (fr->spill[(idx + i) / 8].type != SCALAR)
				return vfail(env, NULL, -EACCES, "invalid size of register fill");
			zero = false;
		}
		zero &= t == SLOT_ZERO; /* invalid bytes read (privileged) are unknown */
		narrow |= t == SLOT_NARROW;
	}
	if (zero)
		reg_mark_const(val, 0);
	else
		mark_loaded(val, size);
	val->fuzzy = narrow;
	return 0;
}

/* Offset of an access through stack pointer r: 0, or the kernel's refusal. */
static int stack_bounds(struct venv *env, u32 regno, const struct vreg *r, s32 off, u32 size,
			bool write, bool helper, s32 *at)
{
	if (!tnum_is_const(r->var_off))
		return vgiveup(env, "variable stack offset");
	s64 a = (s64)r->off + (s64)(s32)r->var_off.value + off;
	if (a < -MAX_BPF_STACK || a + size > 0 || (helper && !size && a >= 0)) {
		/* a helper's access fails with EINVAL, the program's own with EACCES */
		return vfail(env, r, helper ? -EINVAL : -EACCES,
			     "invalid %s stack R%u off=%lld size=%u",
			     write ? "write to" : "read from", regno,
			     (long long)(a - (s64)(s32)r->var_off.value), size);
	}
	*at = (s32)a;
	return 0;
}

static int check_stack(struct venv *env, u32 regno, s32 off, u32 size, bool write, struct vreg *val)
{
	const struct vreg *r = &cur_regs(env)[regno];
	s32 at;
	int err = stack_bounds(env, regno, r, off, size, write, false, &at);

	if (err)
		return err;
	return write ? stack_write(env, stack_frame(env, r), at, size, val) :
		       stack_read(env, stack_frame(env, r), at, size, val);
}

/* ---- map values, keys, packets: regions with a fixed offset and a variable part ---- */

struct region {
	const char *what; /* "map value" ... */
	u32 limit;
};

/* The first of the two lines the kernel logs for an access outside a region (rg is NULL
 * for packets): vfail's result, which the caller checks for -EGIVEUP. */
static int region_error(struct venv *env, const struct vreg *r, u32 regno, s64 off, u32 size,
			const struct region *rg)
{
	if (r->type == PTR_PKT || r->type == PTR_PKT_META)
		return vfail(env, r, -EACCES,
			     "invalid access to packet, off=%lld size=%u, R%u(id=%u,off=%lld,r=%u)",
			     (long long)off, size, regno, r->id, (long long)off, r->range);
	if (r->type == PTR_MAP_KEY)
		return vfail(env, r, -EACCES,
			     "invalid access to map key, key_size=%u off=%lld size=%u", rg->limit,
			     (long long)off, size);
	return vfail(env, r, -EACCES, "invalid access to map value, value_size=%u off=%lld size=%u",
		     rg->limit, (long long)off, size);
}

static bool fits(s64 off, u32 size, u32 limit, bool zero_ok)
{
	return off >= 0 && (size || zero_ok) && off + (s64)size <= (s64)limit;
}

/* The kernel's check_mem_region_access: the lowest and the highest offset the variable
 * part allows must both fit. */
static int check_region(struct venv *env, u32 regno, s32 off, u32 size, const struct region *rg,
			bool zero_ok)
{
	const struct vreg *r = &cur_regs(env)[regno];
	s64 base = (s64)r->off + off;
	int err;

	if (r->smin < 0 && (r->smin == INT64_MIN || base + r->smin != (s64)(s32)(base + r->smin) ||
			    r->smin + base < 0))
		return vfail(env, r, -EACCES,
			     "R%u min value is negative, either use unsigned index or do a if "
			     "(index >=0) check.",
			     regno);
	if (!fits(base + r->smin, size, rg->limit, zero_ok)) {
		err = region_error(env, r, regno, base + r->smin, size, rg);
		if (err == -EGIVEUP)
			return err;
		return vfail(env, r, -EACCES,
			     "R%u min value is outside of the allowed memory range", regno);
	}
	if (r->umax >= (u64)MAX_VAR_OFF)
		return vfail(
			env, r, -EACCES,
			"R%u unbounded memory access, make sure to bounds check any such access",
			regno);
	if (!fits(base + (s64)r->umax, size, rg->limit, zero_ok)) {
		err = region_error(env, r, regno, base + (s64)r->umax, size, rg);
		if (err == -EGIVEUP)
			return err;
		return vfail(env, r, -EACCES,
			     "R%u max value is outside of the allowed memory range", regno);
	}
	return 0;
}

/* Loads and stores that touch a special field of a map value (fields.h): refused, as the
 * kernel's check_map_access refuses them, but for kptrs, whose loads give pointers to
 * objects, which the verifier does not model. */
static int check_special_fields(struct venv *env, const struct vreg *r, s32 off, u32 size)
{
	s64 lo = (s64)r->off + off + r->smin, hi = (s64)r->off + off + (s64)r->umax + size;
	const struct field_table *t = &r->map->fields;

	for (u32 i = 0; i < t->cnt; i++) {
		const struct field *f = &t->f[i];
		if (lo >= f->off + (s64)f->size || hi <= f->off)
			continue;
		if (f->kind == FIELD_KPTR)
			return vgiveup(env, "access to a kptr field");
		return vfail(env, r, -EACCES, "%s cannot be accessed directly by load/store",
			     field_kinds[f->kind].btf_name);
	}
	return 0;
}

/* A frozen read-only single-element array: the kernel reads the constant. */
static bool read_rdonly_const(const struct vreg *r, s32 off, u32 size, struct vreg *val)
{
	const struct bpf_map *m = r->map;
	u64 v = 0;

	if (!(m->map_flags & BPF_F_RDONLY_PROG) || !m->frozen ||
	    m->map_type != BPF_MAP_TYPE_ARRAY || m->max_entries != 1 ||
	    !tnum_is_const(r->var_off) || !m->region.base)
		return false;
	s64 at = (s64)r->off + off + (s64)r->var_off.value;
	if (at < 0 || at + size > m->value_size ||
	    (size != 1 && size != 2 && size != 4 && size != 8))
		return false;
	memcpy(&v, (const u8 *)m->region.base + m->region.value_off + at, size);
	reg_mark_const(val, v);
	return true;
}

static int check_map_mem(struct venv *env, u32 regno, s32 off, u32 size, bool write,
			 struct vreg *val, bool zero_ok)
{
	const struct vreg *r = &cur_regs(env)[regno];
	bool key = r->type == PTR_MAP_KEY;
	struct region rg = { .limit = key ? r->map->key_size : r->map->value_size };

	if (write && !key && (r->map->map_flags & BPF_F_RDONLY_PROG))
		return vfail(env, NULL, -EACCES,
			     "write into map forbidden, value_size=%u off=%d size=%u", rg.limit,
			     r->off + off, size);
	if (!write && !key && (r->map->map_flags & BPF_F_WRONLY_PROG))
		return vfail(env, NULL, -EACCES,
			     "read from map forbidden, value_size=%u off=%d size=%u", rg.limit,
			     r->off + off, size);
	int err = check_region(env, regno, off, size, &rg, zero_ok);
	if (!err && !key)
		err = check_special_fields(env, r, off, size);
	if (err || write || !val)
		return err;
	if (key || !read_rdonly_const(r, off, size, val))
		mark_loaded(val, size);
	return 0;
}

static int check_pkt(struct venv *env, u32 regno, s32 off, u32 size, bool write, struct vreg *val,
		     bool zero_ok)
{
	const struct vreg *r = &cur_regs(env)[regno];

	if (write && env->prog->tops->pkt_readonly)
		return vfail(env, NULL, -EACCES, "cannot write into packet");
	if (r->smin < 0)
		return vfail(env, r, -EACCES,
			     "R%u min value is negative, either use unsigned index or do a if "
			     "(index >=0) check.",
			     regno);
	s64 at = (s64)r->off + off;
	if (!fits(at, size, r->range, zero_ok) || at + size > 0xffff) {
		int err = region_error(env, r, regno, at, size, NULL);
		if (err == -EGIVEUP)
			return err;
		return vfail(env, r, -EACCES, "R%u offset is outside of the packet", regno);
	}
	if (!write && val)
		mark_loaded(val, size);
	return 0;
}

/* The kernel's check_ptr_alignment: stack accesses, atomics and BPF_F_STRICT_ALIGNMENT
 * loads must be aligned to their size (x86 has no NET_IP_ALIGN). */
static int check_alignment(struct venv *env, const struct vreg *r, s32 off, u32 size)
{
	static const char *const desc[] = { [PTR_CTX] = "context ",
					    [PTR_STACK] = "stack ",
					    [PTR_MAP_VALUE] = "value ",
					    [PTR_MAP_KEY] = "key " };
	bool strict = env->strict_align || r->type == PTR_STACK;
	char tn[48];

	if (!strict || size == 1)
		return 0;
	struct tnum at = tnum_add(r->var_off, tnum_const((u64)(s64)(r->off + off)));
	if (!(at.value & (size - 1)) && !(at.mask & (size - 1)))
		return 0;
	tnum_str(tn, sizeof(tn), r->var_off);
	if (tnum_is_const(r->var_off))
		snprintf(tn, sizeof(tn), "%lld", (long long)r->var_off.value);
	if (r->type == PTR_PKT || r->type == PTR_PKT_META)
		return vfail(env, r, -EACCES, "misaligned packet access off 0+%s+%d+%d size %u", tn,
			     r->off, off, size);
	return vfail(env, r, -EACCES, "misaligned %saccess off %s+%d+%d size %u",
		     r->type < ARRAY_SIZE(desc) && desc[r->type] ? desc[r->type] : "", tn, r->off,
		     off, size);
}

int check_mem(struct venv *env, u32 regno, s32 off, u32 size, bool write, struct vreg *val)
{
	const struct vreg *r = &cur_regs(env)[regno];
	int err = r->type == SCALAR || r->type == NOT_INIT ? 0 : check_alignment(env, r, off, size);

	if (err)
		return err;

	if (r->type == CONST_MAP) /* struct bpf_map fields, through the kernel's BTF */
		return vgiveup(env, "load from a map pointer");
	if (r->maybe_null || r->type == PTR_PKT_END || r->type == SCALAR || r->type == PTR_FUNC)
		return vfail(env, r, -EACCES, "R%u invalid mem access '%s'", regno,
			     reg_type_str(r));
	switch (r->type) {
	case PTR_CTX:
		return check_ctx(env, regno, off, size, write, val);
	case PTR_STACK:
		return check_stack(env, regno, off, size, write, val);
	case PTR_MAP_VALUE:
	case PTR_MAP_KEY:
		return check_map_mem(env, regno, off, size, write, val, false);
	case PTR_PKT:
	case PTR_PKT_META:
		return check_pkt(env, regno, off, size, write, val, false);
	default:
		return vgiveup(env, "memory the verifier does not model");
	}
}

/* ---- helper memory arguments ---- */

static int helper_stack(struct venv *env, u32 regno, u32 size, bool write)
{
	const struct vreg *r = &cur_regs(env)[regno];
	s32 at;
	int err = stack_bounds(env, regno, r, 0, size, write, true, &at);

	if (err)
		return err;
	struct vframe *fr = stack_frame(env, r);
	u32 idx = (u32)(at + MAX_BPF_STACK);
	for (u32 i = 0; i < size; i++) {
		if (write) {
			scrub_slot(fr, (idx + i) / 8);
			fr->slot[idx + i] = SLOT_MISC;
		} else if (fr->slot[idx + i] == SLOT_INVALID && !env->caps.perfmon) {
			return vfail(env, r, -EACCES,
				     "invalid indirect read from stack R%u off %d+%u size %u",
				     regno, at, i, size);
		}
	}
	return 0;
}

int check_helper_mem(struct venv *env, u32 regno, u32 size, bool write, bool zero_ok)
{
	const struct vreg *r = &cur_regs(env)[regno];

	switch (r->type) {
	case PTR_STACK:
		return helper_stack(env, regno, size, write);
	case PTR_MAP_VALUE:
	case PTR_MAP_KEY:
		return check_map_mem(env, regno, 0, size, write, NULL, zero_ok);
	case PTR_PKT:
	case PTR_PKT_META:
		return check_pkt(env, regno, 0, size, write, NULL, zero_ok);
	default:
		return vgiveup(env, "helper memory argument of an unmodelled type");
	}
}
