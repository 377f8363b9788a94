/* BTF verification as the kernel does it at BPF_BTF_LOAD, in its two phases:
 *
 *  1. metadata: the sections tile the blob, the string section is NUL-delimited, and
 *     each type in turn has a known kind, names where its kind wants them, sane
 *     encodings, member offsets inside their struct, and trailing data inside the type
 *     section.  Each type is logged as it passes ("[id] KIND name details").
 *  2. resolution: every type id a type refers to exists and has the kind the reference
 *     needs; modifiers, arrays, structs and variables are resolved depth-first (at most
 *     32 deep, loops refused with EEXIST) so that each member's resolved size is checked
 *     against its struct's size: "Member exceeds struct_size".
 *
 * The log lines and errnos were measured on Linux 6.18 (tests/diff/btf_load.c compares
 * them).  Only these checks make later users of the BTF (special fields in map values,
 * the CLI's value printer) safe to trust offsets and sizes.
 *
 * Locking: none; everything lives in the caller's stack and a per-call allocation.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/btf.h>

#include "btf_verify.h"
#include "../lib/vlog.h"

#define MAX_RESOLVE_DEPTH 32
#define INFO_MASK 0x9f00ffffu
#define INT_MASK 0x0fff00ffu
#define KIND_MAX BTF_KIND_ENUM64
#define TYPE_SIZE ((u32)sizeof(struct btf_type))

enum { NOT_VISITED, VISITED, RESOLVED };
/* Which types are sinks (need not be resolved first) depends on what started the walk. */
enum resolve_mode { RESOLVE_TBD, RESOLVE_PTR, RESOLVE_STRUCT_OR_ARRAY };

struct resolved {
	u32 id; /* the type after modifiers (itself for others) */
	u32 size;
	u8 state;
	bool sized;
};

struct bv {
	struct vlog *log;
	const char *strs;
	u32 str_len;
	const struct btf_type **types; /* by id; types[0] (void) is NULL */
	u32 nr;                        /* ids, void included */
	struct resolved *res;
	enum resolve_mode mode;
	u32 depth;
	bool resolving; /* phase 2: member lines repeat their struct's line */
};

/* ---- the log ---- */

static void bv_log(const struct bv *v, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void bv_log(const struct bv *v, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog_vprintf(v->log, fmt, ap);
	va_end(ap);
}

static bool name_ok(const struct bv *v, u32 off)
{
	return off < v->str_len;
}

static const char *name_of(const struct bv *v, u32 off)
{
	if (!name_ok(v, off))
		return "(invalid-name-offset)";
	return v->strs[off] ? v->strs + off : "(anon)";
}

static bool has_name(const struct bv *v, u32 off)
{
	return off && v->strs[off];
}

static const char *kind_str(u32 kind)
{
	static const char *const names[] = {
		[BTF_KIND_UNKN] = "UNKNOWN",      [BTF_KIND_INT] = "INT",
		[BTF_KIND_PTR] = "PTR",           [BTF_KIND_ARRAY] = "ARRAY",
		[BTF_KIND_STRUCT] = "STRUCT",     [BTF_KIND_UNION] = "UNION",
		[BTF_KIND_ENUM] = "ENUM",         [BTF_KIND_FWD] = "FWD",
		[BTF_KIND_TYPEDEF] = "TYPEDEF",   [BTF_KIND_VOLATILE] = "VOLATILE",
		[BTF_KIND_CONST] = "CONST",       [BTF_KIND_RESTRICT] = "RESTRICT",
		[BTF_KIND_FUNC] = "FUNC",         [BTF_KIND_FUNC_PROTO] = "FUNC_PROTO",
		[BTF_KIND_VAR] = "VAR",           [BTF_KIND_DATASEC] = "DATASEC",
		[BTF_KIND_FLOAT] = "FLOAT",       [BTF_KIND_DECL_TAG] = "DECL_TAG",
		[BTF_KIND_TYPE_TAG] = "TYPE_TAG", [BTF_KIND_ENUM64] = "ENUM64",
	};
	return kind < ARRAY_SIZE(names) && names[kind] ? names[kind] : "UNKNOWN";
}

static u32 kind_of(const struct btf_type *t)
{
	return BTF_INFO_KIND(t->info);
}
static u32 vlen_of(const struct btf_type *t)
{
	return BTF_INFO_VLEN(t->info);
}
static bool kflag_of(const struct btf_type *t)
{
	return BTF_INFO_KFLAG(t->info);
}
static const void *extra(const struct btf_type *t)
{
	return t + 1;
}
static u32 int_data(const struct btf_type *t)
{
	return *(const u32 *)extra(t);
}

static const char *int_encoding_str(u32 enc)
{
	switch (enc) {
	case 0:
		return "(none)";
	case BTF_INT_SIGNED:
		return "SIGNED";
	case BTF_INT_CHAR:
		return "CHAR";
	case BTF_INT_BOOL:
		return "BOOL";
	default:
		return "UNKN";
	}
}

static void log_proto_args(const struct bv *v, const struct btf_type *t)
{
	const struct btf_param *p = extra(t);
	u32 n = vlen_of(t);

	bv_log(v, " return=%u args=(", t->type);
	if (!n)
		bv_log(v, "void");
	for (u32 i = 0; i < n; i++) {
		if (i == n - 1 && !p[i].type)
			bv_log(v, "%svararg", i ? ", " : "");
		else
			bv_log(v, "%s%u %s", i ? ", " : "", p[i].type, name_of(v, p[i].name_off));
	}
	bv_log(v, ")");
}

/* The kind's details after "[id] KIND name". */
static void log_details(const struct bv *v, const struct btf_type *t)
{
	switch (kind_of(t)) {
	case BTF_KIND_INT:
		bv_log(v, " size=%u bits_offset=%u nr_bits=%u encoding=%s", t->size,
		       BTF_INT_OFFSET(int_data(t)), BTF_INT_BITS(int_data(t)),
		       int_encoding_str(BTF_INT_ENCODING(int_data(t))));
		break;
	case BTF_KIND_ARRAY: {
		const struct btf_array *a = extra(t);
		bv_log(v, " type_id=%u index_type_id=%u nr_elems=%u", a->type, a->index_type,
		       a->nelems);
		break;
	}
	case BTF_KIND_STRUCT:
	case BTF_KIND_UNION:
	case BTF_KIND_ENUM:
	case BTF_KIND_ENUM64:
	case BTF_KIND_DATASEC:
		bv_log(v, " size=%u vlen=%u", t->size, vlen_of(t));
		break;
	case BTF_KIND_FWD:
		bv_log(v, " %s", kflag_of(t) ? "union" : "struct");
		break;
	case BTF_KIND_FUNC_PROTO:
		log_proto_args(v, t);
		break;
	case BTF_KIND_VAR:
		bv_log(v, " type_id=%u linkage=%u", t->type, *(const u32 *)extra(t));
		break;
	case BTF_KIND_FLOAT:
		bv_log(v, " size=%u", t->size);
		break;
	case BTF_KIND_DECL_TAG:
		bv_log(v, " type=%u component_idx=%d", t->type, *(const s32 *)extra(t));
		break;
	default: /* ptr, modifiers, typedef, type_tag, func */
		bv_log(v, " type_id=%u", t->type);
		break;
	}
}

/* "[id] KIND name details[ msg]" */
static int log_type(const struct bv *v, u32 id, const char *msg)
{
	const struct btf_type *t = v->types[id];

	bv_log(v, "[%u] %s %s", id, kind_str(kind_of(t)), name_of(v, t->name_off));
	log_details(v, t);
	if (msg)
		bv_log(v, " %s", msg);
	bv_log(v, "\n");
	return -EINVAL;
}

/* "[id] KIND name msg" for types whose details cannot be read. */
static int log_basic(const struct bv *v, u32 id, const char *msg, u32 a, u32 b)
{
	const struct btf_type *t = v->types[id];

	bv_log(v, "[%u] %s %s ", id, kind_str(kind_of(t)), name_of(v, t->name_off));
	bv_log(v, msg, a, b);
	bv_log(v, "\n");
	return -EINVAL;
}

static int log_member(const struct bv *v, u32 id, u32 i, const char *msg)
{
	const struct btf_type *t = v->types[id];
	const struct btf_member *m = (const struct btf_member *)extra(t) + i;

	if (v->resolving)
		log_type(v, id, NULL);
	bv_log(v, "\t%s type_id=%u", name_of(v, m->name_off), m->type);
	if (kflag_of(t))
		bv_log(v, " bitfield_size=%u bits_offset=%u", BTF_MEMBER_BITFIELD_SIZE(m->offset),
		       BTF_MEMBER_BIT_OFFSET(m->offset));
	else
		bv_log(v, " bits_offset=%u", m->offset);
	if (msg)
		bv_log(v, " %s", msg);
	bv_log(v, "\n");
	return -EINVAL;
}

static int log_vsi(const struct bv *v, u32 id, u32 i, const char *msg)
{
	const struct btf_var_secinfo *s = (const struct btf_var_secinfo *)extra(v->types[id]) + i;

	if (v->resolving)
		log_type(v, id, NULL);
	bv_log(v, "\t type_id=%u offset=%u size=%u", s->type, s->offset, s->size);
	if (msg)
		bv_log(v, " %s", msg);
	bv_log(v, "\n");
	return -EINVAL;
}

/* ---- phase 1: each type's metadata ---- */

static bool is_ref_kind(u32 kind)
{
	return kind == BTF_KIND_PTR || kind == BTF_KIND_TYPEDEF || kind == BTF_KIND_VOLATILE ||
	       kind == BTF_KIND_CONST || kind == BTF_KIND_RESTRICT || kind == BTF_KIND_TYPE_TAG;
}

static bool type_id_valid(u32 id)
{
	return id <= BTF_MAX_TYPE;
}

/* Checks shared by kinds without trailing data: vlen and kind_flag must be clear. */
static int check_plain(const struct bv *v, u32 id, bool kflag_ok)
{
	const struct btf_type *t = v->types[id];

	if (vlen_of(t))
		return log_type(v, id, "vlen != 0");
	if (kflag_of(t) && !kflag_ok)
		return log_type(v, id, "Invalid btf_info kind_flag");
	return 0;
}

static long meta_int(const struct bv *v, u32 id, u32 left)
{
	const struct btf_type *t = v->types[id];

	if (left < 4)
		return log_basic(v, id, "meta_left:%u meta_needed:%u", left, 4);
	int err = check_plain(v, id, false);
	if (err)
		return err;
	u32 d = int_data(t), bits = BTF_INT_BITS(d) + BTF_INT_OFFSET(d), enc = BTF_INT_ENCODING(d);
	if (d & ~INT_MASK)
		return log_basic(v, id, "Invalid int_data:%x", d, 0);
	if (bits > 128)
		return log_type(v, id, "nr_bits exceeds 128");
	if (ROUND_UP(bits, 8) / 8 > t->size)
		return log_type(v, id, "nr_bits exceeds type_size");
	if (enc && enc != BTF_INT_SIGNED && enc != BTF_INT_CHAR && enc != BTF_INT_BOOL) {
		log_type(v, id, "Unsupported encoding");
		return -ENOTSUPP;
	}
	log_type(v, id, NULL);
	return 4;
}

static long meta_ref(const struct bv *v, u32 id)
{
	const struct btf_type *t = v->types[id];
	u32 kind = kind_of(t);
	int err = check_plain(v, id, kind == BTF_KIND_TYPE_TAG);

	if (err)
		return err;
	if (!type_id_valid(t->type))
		return log_type(v, id, "Invalid type_id");
	bool named = kind == BTF_KIND_TYPEDEF || kind == BTF_KIND_TYPE_TAG;
	if (named != has_name(v, t->name_off))
		return log_type(v, id, "Invalid name");
	log_type(v, id, NULL);
	return 0;
}

static long meta_fwd(const struct bv *v, u32 id)
{
	int err = check_plain(v, id, true);

	if (err)
		return err;
	if (!has_name(v, v->types[id]->name_off))
		return log_type(v, id, "Invalid name");
	log_type(v, id, NULL);
	return 0;
}

static long meta_array(const struct bv *v, u32 id, u32 left)
{
	const struct btf_type *t = v->types[id];
	const struct btf_array *a = extra(t);

	if (left < sizeof(*a))
		return log_basic(v, id, "meta_left:%u meta_needed:%u", left, (u32)sizeof(*a));
	if (t->name_off)
		return log_type(v, id, "Invalid name");
	int err = check_plain(v, id, false);
	if (err)
		return err;
	if (t->size)
		return log_type(v, id, "size != 0");
	if (!a->type || !type_id_valid(a->type))
		return log_type(v, id, "Invalid elem");
	if (!a->index_type || !type_id_valid(a->index_type))
		return log_type(v, id, "Invalid index");
	log_type(v, id, NULL);
	return sizeof(*a);
}

static u32 member_bit_off(const struct btf_type *t, const struct btf_member *m)
{
	return kflag_of(t) ? BTF_MEMBER_BIT_OFFSET(m->offset) : m->offset;
}

static long meta_struct(const struct bv *v, u32 id, u32 left)
{
	const struct btf_type *t = v->types[id];
	const struct btf_member *m = extra(t);
	u32 n = vlen_of(t), need = n * (u32)sizeof(*m), last = 0;
	bool is_union = kind_of(t) == BTF_KIND_UNION;

	if (left < need)
		return log_basic(v, id, "meta_left:%u meta_needed:%u", left, need);
	log_type(v, id, NULL);
	for (u32 i = 0; i < n; i++) {
		u32 off = member_bit_off(t, &m[i]);
		if (!name_ok(v, m[i].name_off)) {
			char msg[48];
			snprintf(msg, sizeof(msg), "Invalid member name_offset:%u", m[i].name_off);
			return log_member(v, id, i, msg);
		}
		if (!m[i].type || !type_id_valid(m[i].type))
			return log_member(v, id, i, "Invalid type_id");
		if (is_union && off)
			return log_member(v, id, i, "Invalid member bits_offset");
		if (ROUND_UP((u64)off, 8) / 8 > t->size)
			return log_member(v, id, i, "Member bits_offset exceeds its struct size");
		if (last > off)
			return log_member(v, id, i, "Invalid member bits_offset");
		log_member(v, id, i, NULL);
		last = off;
	}
	return need;
}

static bool enum_size_ok(u32 size)
{
	return size == 1 || size == 2 || size == 4 || size == 8;
}

static long meta_enum(const struct bv *v, u32 id, u32 left)
{
	const struct btf_type *t = v->types[id];
	bool is64 = kind_of(t) == BTF_KIND_ENUM64;
	u32 n = vlen_of(t), esize = is64 ? sizeof(struct btf_enum64) : sizeof(struct btf_enum);
	u32 need = n * esize;

	if (left < need)
		return log_basic(v, id, "meta_left:%u meta_needed:%u", left, need);
	if (!enum_size_ok(t->size))
		return log_type(v, id, "Unexpected size");
	log_type(v, id, NULL);
	for (u32 i = 0; i < n; i++) {
		const u8 *e = (const u8 *)extra(t) + (size_t)i * esize;
		u32 name_off = *(const u32 *)e;
		if (!name_ok(v, name_off)) {
			bv_log(v, "\tInvalid name_offset:%u", name_off); /* sic: no newline */
			return -EINVAL;
		}
		if (!has_name(v, name_off))
			return log_type(v, id, "Invalid name");
		if (is64) {
			const struct btf_enum64 *e64 = (const void *)e;
			u64 val = (u64)e64->val_hi32 << 32 | e64->val_lo32;
			if (kflag_of(t))
				bv_log(v, "\t%s val=%lld\n", name_of(v, name_off), (long long)val);
			else
				bv_log(v, "\t%s val=%llu\n", name_of(v, name_off),
				       (unsigned long long)val);
		} else {
			s32 val = ((const struct btf_enum *)e)->val;
			if (kflag_of(t))
				bv_log(v, "\t%s val=%d\n", name_of(v, name_off), val);
			else
				bv_log(v, "\t%s val=%u\n", name_of(v, name_off), (u32)val);
		}
	}
	return need;
}

static long meta_float(const struct bv *v, u32 id)
{
	u32 size = v->types[id]->size;
	int err = check_plain(v, id, false);

	if (err)
		return err;
	if (size != 2 && size != 4 && size != 8 && size != 12 && size != 16)
		return log_type(v, id, "Invalid type_size");
	log_type(v, id, NULL);
	return 0;
}

static long meta_func_proto(const struct bv *v, u32 id, u32 left)
{
	const struct btf_type *t = v->types[id];
	u32 need = vlen_of(t) * (u32)sizeof(struct btf_param);

	if (left < need)
		return log_basic(v, id, "meta_left:%u meta_needed:%u", left, need);
	if (t->name_off)
		return log_type(v, id, "Invalid name");
	if (kflag_of(t))
		return log_type(v, id, "Invalid btf_info kind_flag");
	log_type(v, id, NULL);
	return need;
}

static long meta_func(const struct bv *v, u32 id)
{
	const struct btf_type *t = v->types[id];

	if (!has_name(v, t->name_off))
		return log_type(v, id, "Invalid name");
	if (vlen_of(t) > BTF_FUNC_EXTERN)
		return log_type(v, id, "Invalid func linkage");
	if (kflag_of(t))
		return log_type(v, id, "Invalid btf_info kind_flag");
	log_type(v, id, NULL);
	return 0;
}

static long meta_var(const struct bv *v, u32 id, u32 left)
{
	const struct btf_type *t = v->types[id];

	if (left < 4)
		return log_basic(v, id, "meta_left:%u meta_needed:%u", left, 4);
	int err = check_plain(v, id, false);
	if (err)
		return err;
	if (!has_name(v, t->name_off))
		return log_type(v, id, "Invalid name");
	if (!t->type || !type_id_valid(t->type))
		return log_type(v, id, "Invalid type_id");
	if (*(const u32 *)extra(t) > BTF_VAR_GLOBAL_EXTERN)
		return log_type(v, id, "Linkage not supported");
	log_type(v, id, NULL);
	return 4;
}

static long meta_datasec(const struct bv *v, u32 id, u32 left)
{
	const struct btf_type *t = v->types[id];
	const struct btf_var_secinfo *s = extra(t);
	u32 n = vlen_of(t), need = n * (u32)sizeof(*s), end = 0;

	if (left < need)
		return log_basic(v, id, "meta_left:%u meta_needed:%u", left, need);
	if (!t->size)
		return log_type(v, id, "size == 0");
	if (kflag_of(t))
		return log_type(v, id, "Invalid btf_info kind_flag");
	if (!has_name(v, t->name_off))
		return log_type(v, id, "Invalid name");
	log_type(v, id, NULL);
	for (u32 i = 0; i < n; i++) {
		if (!s[i].type || !type_id_valid(s[i].type))
			return log_vsi(v, id, i, "Invalid type_id");
		if (s[i].offset < end || s[i].offset >= t->size)
			return log_vsi(v, id, i, "Invalid offset");
		if (!s[i].size || s[i].size > t->size)
			return log_vsi(v, id, i, "Invalid size");
		if ((u64)s[i].offset + s[i].size > t->size)
			return log_vsi(v, id, i, "Invalid offset+size");
		log_vsi(v, id, i, NULL);
		end = s[i].offset + s[i].size;
	}
	return need;
}

static long meta_decl_tag(const struct bv *v, u32 id, u32 left)
{
	const struct btf_type *t = v->types[id];

	if (left < 4)
		return log_basic(v, id, "meta_left:%u meta_needed:%u", left, 4);
	int err = check_plain(v, id, true);
	if (err)
		return err;
	if (!has_name(v, t->name_off))
		return log_type(v, id, "Invalid name");
	if (*(const s32 *)extra(t) < -1)
		return log_type(v, id, "Invalid component_idx");
	log_type(v, id, NULL);
	return 4;
}

/* The bytes of trailing data of type id (left bytes follow its struct btf_type), or
 * -errno with the log line written. */
static long check_kind_meta(const struct bv *v, u32 id, u32 left)
{
	switch (kind_of(v->types[id])) {
	case BTF_KIND_INT:
		return meta_int(v, id, left);
	case BTF_KIND_ARRAY:
		return meta_array(v, id, left);
	case BTF_KIND_STRUCT:
	case BTF_KIND_UNION:
		return meta_struct(v, id, left);
	case BTF_KIND_ENUM:
	case BTF_KIND_ENUM64:
		return meta_enum(v, id, left);
	case BTF_KIND_FWD:
		return meta_fwd(v, id);
	case BTF_KIND_FUNC:
		return meta_func(v, id);
	case BTF_KIND_FUNC_PROTO:
		return meta_func_proto(v, id, left);
	case BTF_KIND_VAR:
		return meta_var(v, id, left);
	case BTF_KIND_DATASEC:
		return meta_datasec(v, id, left);
	case BTF_KIND_FLOAT:
		return meta_float(v, id);
	case BTF_KIND_DECL_TAG:
		return meta_decl_tag(v, id, left);
	default:
		return meta_ref(v, id);
	}
}

static long check_meta(struct bv *v, u32 id, const u8 *p, u32 left)
{
	const struct btf_type *t = (const void *)p;

	if (left < TYPE_SIZE) {
		bv_log(v, "[%u] meta_left:%u meta_needed:%u", id, left, TYPE_SIZE);
		return -EINVAL;
	}
	if (t->info & ~INFO_MASK) {
		bv_log(v, "[%u] Invalid btf_info:%x", id, t->info);
		return -EINVAL;
	}
	if (kind_of(t) == BTF_KIND_UNKN || kind_of(t) > KIND_MAX) {
		bv_log(v, "[%u] Invalid kind:%u", id, kind_of(t));
		return -EINVAL;
	}
	if (!name_ok(v, t->name_off)) {
		bv_log(v, "[%u] Invalid name_offset:%u", id, t->name_off);
		return -EINVAL;
	}
	v->types[id] = t;
	long extra_len = check_kind_meta(v, id, left - TYPE_SIZE);
	return extra_len < 0 ? extra_len : TYPE_SIZE + extra_len;
}

/* ---- phase 2: resolution ---- */

static const struct btf_type void_type;

/* The type of id: &void_type for 0, NULL when out of range. */
static const struct btf_type *type_at(const struct bv *v, u32 id)
{
	if (!id)
		return &void_type;
	return id < v->nr ? v->types[id] : NULL;
}

static bool is_kind(const struct btf_type *t, u32 kind)
{
	return t != &void_type && kind_of(t) == kind;
}

static bool is_void(const struct btf_type *t)
{
	return t == &void_type;
}

static bool is_struct(const struct btf_type *t)
{
	return is_kind(t, BTF_KIND_STRUCT) || is_kind(t, BTF_KIND_UNION);
}

static bool is_modifier(const struct btf_type *t)
{
	return !is_void(t) && !is_kind(t, BTF_KIND_PTR) && is_ref_kind(kind_of(t));
}

static bool needs_resolve(const struct btf_type *t)
{
	return is_modifier(t) || is_kind(t, BTF_KIND_PTR) || is_struct(t) ||
	       is_kind(t, BTF_KIND_ARRAY) || is_kind(t, BTF_KIND_VAR) ||
	       is_kind(t, BTF_KIND_FUNC) || is_kind(t, BTF_KIND_DECL_TAG) ||
	       is_kind(t, BTF_KIND_DATASEC);
}

/* Kinds that may only start a reference, never be its target. */
static bool source_only(const struct btf_type *t)
{
	return is_kind(t, BTF_KIND_VAR) || is_kind(t, BTF_KIND_DECL_TAG) ||
	       is_kind(t, BTF_KIND_DATASEC);
}

static bool no_size(const struct btf_type *t)
{
	return !t || is_void(t) || is_kind(t, BTF_KIND_FWD) || is_kind(t, BTF_KIND_FUNC) ||
	       is_kind(t, BTF_KIND_FUNC_PROTO);
}

static bool has_own_size(const struct btf_type *t)
{
	u32 k = kind_of(t);

	return !is_void(t) && (k == BTF_KIND_INT || k == BTF_KIND_ENUM || k == BTF_KIND_ENUM64 ||
			       k == BTF_KIND_STRUCT || k == BTF_KIND_UNION ||
			       k == BTF_KIND_DATASEC || k == BTF_KIND_FLOAT);
}

/* An int whose bits fill 1, 2, 4, 8 or 16 bytes from bit 0. */
static bool int_is_regular(const struct btf_type *t)
{
	u32 d = int_data(t), bits = BTF_INT_BITS(d), bytes = bits / 8;

	return !(bits % 8) && !BTF_INT_OFFSET(d) &&
	       (bytes == 1 || bytes == 2 || bytes == 4 || bytes == 8 || bytes == 16);
}

static bool is_resolved(const struct bv *v, u32 id)
{
	return v->res[id].state == RESOLVED;
}

static bool is_sink(const struct bv *v, const struct btf_type *next)
{
	switch (v->mode) {
	case RESOLVE_PTR:
		return !is_modifier(next) && !is_kind(next, BTF_KIND_PTR);
	case RESOLVE_STRUCT_OR_ARRAY:
		return !is_modifier(next) && !is_kind(next, BTF_KIND_ARRAY) && !is_struct(next);
	default:
		return !needs_resolve(next);
	}
}

/* The size of id through modifiers (the kernel's btf_type_id_size): false for types
 * without one (void, forward declarations, functions) and modifiers not resolved yet. */
static bool id_size(const struct bv *v, u32 id, u32 *rid, u32 *size)
{
	const struct btf_type *t = type_at(v, id);

	if (!t || is_void(t))
		return false;
	if (has_own_size(t) || is_kind(t, BTF_KIND_PTR) || is_kind(t, BTF_KIND_ARRAY)) {
		/* an array not resolved yet (behind a pointer) counts as size 0, as in the
		 * kernel */
		*rid = id;
		*size = is_kind(t, BTF_KIND_PTR)   ? 8 :
			is_kind(t, BTF_KIND_ARRAY) ? v->res[id].size :
						     t->size;
		return true;
	}
	if (!is_modifier(t) || !is_resolved(v, id) || !v->res[id].sized)
		return false;
	*rid = v->res[id].id;
	*size = v->res[id].size;
	return true;
}

static void set_resolved(struct bv *v, u32 id, u32 rid, u32 size, bool sized)
{
	v->res[id] = (struct resolved){ .id = rid, .size = size, .state = RESOLVED, .sized = sized };
}

static int resolve(struct bv *v, u32 id);

/* Resolves next first when it must be (the kernel's env_stack_push). */
static int resolve_first(struct bv *v, u32 next)
{
	const struct btf_type *t = type_at(v, next);

	if (is_sink(v, t) || is_resolved(v, next))
		return 0;
	if (v->depth == MAX_RESOLVE_DEPTH)
		return -E2BIG;
	if (v->res[next].state != NOT_VISITED)
		return -EEXIST;
	v->res[next].state = VISITED;
	if (v->mode == RESOLVE_TBD && is_kind(t, BTF_KIND_PTR))
		v->mode = RESOLVE_PTR;
	else if (v->mode == RESOLVE_TBD && (is_struct(t) || is_kind(t, BTF_KIND_ARRAY)))
		v->mode = RESOLVE_STRUCT_OR_ARRAY;
	v->depth++;
	int err = resolve(v, next);
	v->depth--;
	return err;
}

/* Modifiers, typedefs, type tags and pointers: to something sized, or to void, a forward
 * declaration or a function prototype. */
static int resolve_ref(struct bv *v, u32 id)
{
	const struct btf_type *t = v->types[id];
	u32 next = t->type, rid, size;
	const struct btf_type *nt = type_at(v, next);

	if (!nt || source_only(nt))
		return log_type(v, id, "Invalid type_id");
	int err = resolve_first(v, next);
	if (err)
		return err;
	if (is_kind(t, BTF_KIND_PTR) && is_modifier(nt) && is_resolved(v, next) &&
	    is_kind(type_at(v, v->res[next].id), BTF_KIND_PTR)) {
		/* A modifier resolved inside a struct stops at a pointer: continue from there
		 * so that the pointer cannot lead back to this one. */
		err = resolve_first(v, v->res[next].id);
		if (err)
			return err;
	}
	if (id_size(v, next, &rid, &size)) {
		set_resolved(v, id, is_kind(t, BTF_KIND_PTR) ? id : rid,
			     is_kind(t, BTF_KIND_PTR) ? 8 : size, true);
		return 0;
	}
	rid = is_modifier(nt) && is_resolved(v, next) ? v->res[next].id : next;
	nt = type_at(v, rid);
	if (!is_void(nt) && !is_kind(nt, BTF_KIND_FWD) && !is_kind(nt, BTF_KIND_FUNC_PROTO))
		return log_type(v, id, "Invalid type_id");
	set_resolved(v, id, is_kind(t, BTF_KIND_PTR) ? id : rid, 8, is_kind(t, BTF_KIND_PTR));
	return 0;
}

/* An array's index or element type: resolved, then sized. */
static int resolve_part(struct bv *v, u32 id, u32 part, const char *msg, u32 *rid, u32 *size)
{
	const struct btf_type *pt = type_at(v, part);

	if (no_size(pt) || source_only(pt))
		return log_type(v, id, msg);
	int err = resolve_first(v, part);
	if (err)
		return err;
	return id_size(v, part, rid, size) ? 0 : log_type(v, id, msg);
}

static int resolve_array(struct bv *v, u32 id)
{
	const struct btf_array *a = extra(v->types[id]);
	u32 rid, size;
	int err = resolve_part(v, id, a->index_type, "Invalid index", &rid, &size);

	if (err)
		return err;
	if (!is_kind(v->types[rid], BTF_KIND_INT) || !int_is_regular(v->types[rid]))
		return log_type(v, id, "Invalid index");
	err = resolve_part(v, id, a->type, "Invalid elem", &rid, &size);
	if (err)
		return err;
	if (is_kind(v->types[rid], BTF_KIND_INT) && !int_is_regular(v->types[rid]))
		return log_type(v, id, "Invalid array of int");
	if (a->nelems && size > UINT32_MAX / a->nelems)
		return log_type(v, id, "Array size overflows U32_MAX");
	set_resolved(v, id, id, size * a->nelems, true);
	return 0;
}

/* A member being checked against its resolved type (typedefs and modifiers followed);
 * the kernel's lines then show the resolved type id. */
struct mcheck {
	const struct bv *v;
	u32 id, i;                 /* the struct and the member's index */
	const struct btf_type *st; /* the struct */
	struct btf_member m;       /* the member, its type resolved */
	const struct btf_type *mt; /* the member's resolved type */
	u32 size;                  /* its size */
};

static int mc_fail(const struct mcheck *c, const char *msg)
{
	const struct bv *v = c->v;

	log_type(v, c->id, NULL);
	bv_log(v, "\t%s type_id=%u", name_of(v, c->m.name_off), c->m.type);
	if (kflag_of(c->st))
		bv_log(v, " bitfield_size=%u bits_offset=%u", BTF_MEMBER_BITFIELD_SIZE(c->m.offset),
		       BTF_MEMBER_BIT_OFFSET(c->m.offset));
	else
		bv_log(v, " bits_offset=%u", c->m.offset);
	bv_log(v, " %s\n", msg);
	return -EINVAL;
}

/* The byte range up to end_bytes a member covers must lie in the struct. */
static int check_member_end(const struct mcheck *c, u64 end_bytes)
{
	return end_bytes > c->st->size ? mc_fail(c, "Member exceeds struct_size") : 0;
}

/* An int member: its bits (or its bit-field's) from the member's bit offset. */
static int check_int_member(const struct mcheck *c)
{
	u32 d = int_data(c->mt), off = member_bit_off(c->st, &c->m), bits = BTF_INT_BITS(d);

	if (kflag_of(c->st)) {
		u32 bf = BTF_MEMBER_BITFIELD_SIZE(c->m.offset);
		if (!bf && off % 8)
			return mc_fail(c, "Invalid member offset");
		if (!int_is_regular(c->mt))
			return mc_fail(c, "Invalid member base type");
		if (bf > bits)
			return mc_fail(c, "Invalid member bitfield_size");
		bits = bf ? bf : bits;
	} else {
		if (UINT32_MAX - off < BTF_INT_OFFSET(d))
			return mc_fail(c, "bits_offset exceeds U32_MAX");
		off += BTF_INT_OFFSET(d);
	}
	u32 copy_bits = bits + off % 8;
	if (copy_bits > 128)
		return mc_fail(c, "nr_copy_bits exceeds 128");
	return check_member_end(c, (u64)off / 8 + ROUND_UP(copy_bits, 8) / 8);
}

static int check_enum_member(const struct mcheck *c)
{
	u32 off = member_bit_off(c->st, &c->m), bits = c->size * 8;
	u32 bf = kflag_of(c->st) ? BTF_MEMBER_BITFIELD_SIZE(c->m.offset) : 0;

	if (!bf && off % 8)
		return mc_fail(c, "Member is not byte aligned");
	if (bf > bits)
		return mc_fail(c, "Invalid member bitfield_size");
	return check_member_end(c, ROUND_UP((u64)off + (bf ? bf : bits), 8) / 8);
}

static int check_float_member(const struct mcheck *c)
{
	u32 align_bits = MIN(c->size, 8u) * 8;

	if (c->m.offset % align_bits)
		return mc_fail(c, "Member is not properly aligned");
	return check_member_end(c, (u64)c->m.offset / 8 + c->size);
}

/* Structs, unions, pointers and arrays as members: byte aligned, no bit-field. */
static int check_sized_member(const struct mcheck *c)
{
	u32 off = member_bit_off(c->st, &c->m);

	if (kflag_of(c->st) && BTF_MEMBER_BITFIELD_SIZE(c->m.offset))
		return mc_fail(c, "Invalid member bitfield_size");
	if (off % 8)
		return mc_fail(c, "Member is not byte aligned");
	return check_member_end(c, (u64)off / 8 + c->size);
}

static int check_member(const struct bv *v, u32 id, u32 i)
{
	const struct btf_type *st = v->types[id];
	struct mcheck c = {
		.v = v, .id = id, .i = i, .st = st, .m = ((const struct btf_member *)extra(st))[i]
	};
	u32 rid;

	if (!id_size(v, c.m.type, &rid, &c.size))
		return log_member(v, id, i, "Invalid member");
	c.m.type = rid;
	c.mt = v->types[rid];
	switch (kind_of(c.mt)) {
	case BTF_KIND_INT:
		return check_int_member(&c);
	case BTF_KIND_ENUM:
	case BTF_KIND_ENUM64:
		return check_enum_member(&c);
	case BTF_KIND_FLOAT:
		return check_float_member(&c);
	default:
		return check_sized_member(&c);
	}
}

static int resolve_struct(struct bv *v, u32 id)
{
	const struct btf_type *t = v->types[id];
	const struct btf_member *m = extra(t);

	for (u32 i = 0; i < vlen_of(t); i++) {
		const struct btf_type *mt = type_at(v, m[i].type);
		if (no_size(mt) || source_only(mt))
			return log_member(v, id, i, "Invalid member");
		int err = resolve_first(v, m[i].type);
		if (!err)
			err = check_member(v, id, i);
		if (err)
			return err;
	}
	set_resolved(v, id, id, t->size, true);
	return 0;
}

static int resolve_var(struct bv *v, u32 id)
{
	u32 next = v->types[id]->type, rid, size;
	const struct btf_type *nt = type_at(v, next);

	if (!nt || source_only(nt))
		return log_type(v, id, "Invalid type_id");
	int err = resolve_first(v, next);
	if (err)
		return err;
	if (!id_size(v, next, &rid, &size))
		return log_type(v, id, "Invalid type_id");
	set_resolved(v, id, id, size, false);
	return 0;
}

static int resolve_datasec(struct bv *v, u32 id)
{
	const struct btf_type *t = v->types[id];
	const struct btf_var_secinfo *s = extra(t);

	for (u32 i = 0; i < vlen_of(t); i++) {
		const struct btf_type *var = type_at(v, s[i].type);
		u32 rid, size;
		if (!var || !is_kind(var, BTF_KIND_VAR))
			return log_vsi(v, id, i, "Not a VAR kind member");
		int err = resolve_first(v, s[i].type);
		if (err)
			return err;
		if (!id_size(v, var->type, &rid, &size))
			return log_vsi(v, id, i, "Invalid type");
		if (s[i].size < size)
			return log_vsi(v, id, i, "Invalid size");
	}
	set_resolved(v, id, id, t->size, false);
	return 0;
}

/* A FUNC names a FUNC_PROTO whose arguments all have names. */
static int resolve_func(struct bv *v, u32 id)
{
	const struct btf_type *proto = type_at(v, v->types[id]->type);

	if (!proto || !is_kind(proto, BTF_KIND_FUNC_PROTO))
		return log_type(v, id, "Invalid type_id");
	const struct btf_param *p = extra(proto);
	for (u32 i = 0; i < vlen_of(proto); i++)
		if (!p[i].name_off && p[i].type) {
			char msg[32];
			snprintf(msg, sizeof(msg), "Invalid arg#%u", i + 1);
			return log_type(v, id, msg);
		}
	set_resolved(v, id, id, 0, false);
	return 0;
}

static bool decl_tag_target(const struct btf_type *t)
{
	return is_kind(t, BTF_KIND_FUNC) || is_struct(t) || is_kind(t, BTF_KIND_VAR) ||
	       is_kind(t, BTF_KIND_TYPEDEF);
}

static int resolve_decl_tag(struct bv *v, u32 id)
{
	const struct btf_type *t = v->types[id];
	const struct btf_type *nt = type_at(v, t->type);
	s32 idx = *(const s32 *)extra(t);

	if (!nt || !decl_tag_target(nt))
		return log_type(v, id, "Invalid type_id");
	int err = resolve_first(v, t->type);
	if (err)
		return err;
	if (idx != -1) {
		const struct btf_type *owner = is_kind(nt, BTF_KIND_FUNC) ? type_at(v, nt->type) :
									    nt;
		bool has_parts = is_struct(nt) || (is_kind(nt, BTF_KIND_FUNC) && owner &&
						   is_kind(owner, BTF_KIND_FUNC_PROTO));
		if (!has_parts || (u32)idx >= vlen_of(owner))
			return log_type(v, id, "Invalid component_idx");
	}
	set_resolved(v, id, id, 0, false);
	return 0;
}

static int resolve(struct bv *v, u32 id)
{
	const struct btf_type *t = v->types[id];

	if (is_modifier(t) || is_kind(t, BTF_KIND_PTR))
		return resolve_ref(v, id);
	if (is_kind(t, BTF_KIND_ARRAY))
		return resolve_array(v, id);
	if (is_struct(t))
		return resolve_struct(v, id);
	if (is_kind(t, BTF_KIND_VAR))
		return resolve_var(v, id);
	if (is_kind(t, BTF_KIND_FUNC))
		return resolve_func(v, id);
	if (is_kind(t, BTF_KIND_DECL_TAG))
		return resolve_decl_tag(v, id);
	return resolve_datasec(v, id);
}

/* Resolves id and what it needs, as one walk (the kernel's btf_resolve). */
static int resolve_top(struct bv *v, u32 id)
{
	enum resolve_mode mode = v->mode;
	u32 depth = v->depth;

	v->mode = RESOLVE_TBD;
	v->depth = 0;
	int err = resolve_first(v, id);
	v->mode = mode;
	v->depth = depth;
	if (err == -EEXIST)
		log_type(v, id, "Loop detected");
	else if (err == -E2BIG)
		log_basic(v, id, "Exceeded max resolving depth:%u", MAX_RESOLVE_DEPTH, 0);
	return err;
}

static int proto_part(struct bv *v, u32 id, u32 part, const char *msg)
{
	const struct btf_type *pt = type_at(v, part);
	u32 rid, size;

	if (!pt || source_only(pt))
		return log_type(v, id, msg);
	if (needs_resolve(pt) && !is_resolved(v, part)) {
		int err = resolve_top(v, part);
		if (err)
			return err;
	}
	return id_size(v, part, &rid, &size) ? 0 : log_type(v, id, msg);
}

/* A FUNC_PROTO's return and argument types; a last argument of type void is "...". */
static int check_proto(struct bv *v, u32 id)
{
	const struct btf_type *t = v->types[id];
	const struct btf_param *p = extra(t);
	u32 n = vlen_of(t);
	char msg[32];

	if (t->type) {
		int err = proto_part(v, id, t->type, "Invalid return type");
		if (err)
			return err;
	}
	if (n && !p[n - 1].type) {
		if (p[n - 1].name_off) {
			snprintf(msg, sizeof(msg), "Invalid arg#%u", n);
			return log_type(v, id, msg);
		}
		n--;
	}
	for (u32 i = 0; i < n; i++) {
		snprintf(msg, sizeof(msg), "Invalid arg#%u", i + 1);
		if (!name_ok(v, p[i].name_off))
			return log_type(v, id, msg);
		int err = proto_part(v, id, p[i].type, msg);
		if (err)
			return err;
	}
	return 0;
}

static int check_all_types(struct bv *v)
{
	v->resolving = true;
	for (u32 id = 1; id < v->nr; id++) {
		const struct btf_type *t = v->types[id];
		int err = 0;
		if (needs_resolve(t) && !is_resolved(v, id))
			err = resolve_top(v, id);
		if (!err && is_kind(t, BTF_KIND_FUNC_PROTO))
			err = check_proto(v, id);
		if (err)
			return err;
	}
	return 0;
}

/* ---- sections ---- */

struct section {
	u32 off, len;
};

/* The two sections, in offset order, start where the previous one ends and fill the blob
 * after the header (the kernel's btf_check_sec_info). */
static int check_sections(const struct bv *v, const struct btf_header *h, u32 size)
{
	struct section s[2] = { { h->type_off, h->type_len }, { h->str_off, h->str_len } };
	u32 expected = size - h->hdr_len, total = 0;

	/* Measured: of two sections at one offset, an empty one comes first. */
	if (s[1].off < s[0].off || (s[1].off == s[0].off && s[1].len < s[0].len)) {
		struct section tmp = s[0];
		s[0] = s[1];
		s[1] = tmp;
	}
	for (int i = 0; i < 2; i++) {
		const char *err = expected < s[i].off         ? "Invalid section offset" :
				  total < s[i].off            ? "Unsupported section found" :
				  total > s[i].off            ? "Section overlap found" :
				  expected - total < s[i].len ? "Total section length too long" :
								NULL;
		if (err) {
			bv_log(v, "%s", err);
			return -EINVAL;
		}
		total += s[i].len;
	}
	if (total != expected) { /* bytes no section covers */
		bv_log(v, "Unsupported section found");
		return -EINVAL;
	}
	return 0;
}

/* Measured: the string section must end the blob, before its contents are looked at. */
static int check_strings(const struct bv *v, const struct btf_header *h, u32 size)
{
	if ((u64)h->str_off + h->str_len != size - h->hdr_len) {
		bv_log(v, "String section is not at the end");
		return -EINVAL;
	}
	if (!v->str_len || v->str_len - 1 > BTF_MAX_NAME_OFFSET || v->strs[0] ||
	    v->strs[v->str_len - 1]) {
		bv_log(v, "Invalid string section");
		return -EINVAL;
	}
	return 0;
}

/* Phase 1 over the type section (copied to aligned memory by the caller). */
static int check_all_metas(struct bv *v, const u8 *types, u32 len)
{
	u32 cap = len / TYPE_SIZE + 1; /* every type takes at least TYPE_SIZE bytes */

	v->types = calloc(cap + 1, sizeof(*v->types));
	if (!v->types)
		return -ENOMEM;
	v->nr = 1;
	for (u32 pos = 0; pos < len; v->nr++) {
		long n = check_meta(v, v->nr, types + pos, len - pos);
		if (n < 0)
			return (int)n;
		pos += (u32)n;
	}
	return 0;
}

int btf_verify(const u8 *data, u32 size, const struct btf_header *hdr, struct vlog *log)
{
	const struct btf_header h = *hdr;
	struct bv v = { .log = log };
	int err = check_sections(&v, &h, size);
	if (err)
		return err;
	v.strs = (const char *)data + h.hdr_len + h.str_off;
	v.str_len = h.str_len;
	err = check_strings(&v, &h, size);
	if (err)
		return err;
	if (h.type_off % 4) {
		bv_log(&v, "Unaligned type_off");
		return -EINVAL;
	}
	if (!h.type_len) {
		bv_log(&v, "No type found");
		return -EINVAL;
	}
	u32 *types = malloc(ROUND_UP(h.type_len, 4));
	if (!types)
		return -ENOMEM;
	memcpy(types, data + h.hdr_len + h.type_off, h.type_len);
	err = check_all_metas(&v, (const u8 *)types, h.type_len);
	if (!err) {
		v.res = calloc(v.nr, sizeof(*v.res));
		err = v.res ? check_all_types(&v) : -ENOMEM;
	}
	free(v.res);
	free(v.types);
	free(types);
	return err;
}
