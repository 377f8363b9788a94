/* Map keys and values as JSON through their BTF, as bpftool's "formatted" output shows
 * them: integers as numbers, char arrays as strings, structs as objects (unnamed
 * padding bit-fields, such as those of struct bpf_timer, left out), sections as
 * {"name": [{"var": value}, ...]}.  Reads stay inside the value's bytes whatever the BTF
 * claims: a member or element past them prints as "<past the value>". */
#include <string.h>
#include <bpf/btf.h>

#include "cli.h"

/* The bytes a value may be read from: nothing outside [p, p + len) is ever read, whatever
 * the BTF's offsets and sizes say (a type may claim more than the buffer holds). */
struct span {
	const uint8_t *p;
	uint64_t len;
};

static uint64_t min_u64(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

/* The part of s from byte off on (empty when off lies past its end). */
static struct span span_from(struct span s, uint64_t off)
{
	if (off >= s.len)
		return (struct span){ s.p, 0 };
	return (struct span){ s.p + off, s.len - off };
}

/* Up to `size` bytes from the start of s, little-endian, zero-extended. */
static uint64_t read_uint(struct span s, uint64_t size)
{
	uint64_t v = 0;

	memcpy(&v, s.p, min_u64(min_u64(size, sizeof(v)), s.len)); /* little-endian host */
	return v;
}

static void hex_json(struct json *j, struct span s, uint64_t size)
{
	json_hex_bytes(j, s.p, min_u64(size, s.len));
}

static void int_json(struct json *j, const struct btf_type *t, struct span s)
{
	uint32_t enc = btf_int_encoding(t), bits = btf_int_bits(t);
	uint64_t v = read_uint(s, t->size);

	if (bits > 64 || !bits) {
		hex_json(j, s, t->size);
		return;
	}
	if (bits < 64)
		v &= (1ull << bits) - 1;
	if (enc & BTF_INT_BOOL)
		json_bool(j, v != 0);
	else if ((enc & BTF_INT_SIGNED) && bits < 64 && (v >> (bits - 1)))
		json_int(j, (int64_t)(v | ~((1ull << bits) - 1)));
	else if (enc & BTF_INT_SIGNED)
		json_int(j, (int64_t)v);
	else
		json_uint(j, v);
}

/* As bpftool decides: an array of plain `char` (through modifiers, not typedefs) holding
 * printable characters up to a NUL is a string. */
static bool is_string(const struct btf *btf, const struct btf_array *a, struct span s)
{
	const struct btf_type *t = btf__type_by_id(btf, a->type);

	while (t && (btf_is_const(t) || btf_is_volatile(t) || btf_is_restrict(t)))
		t = btf__type_by_id(btf, t->type);
	if (!t || !btf_is_int(t) || t->size != 1)
		return false;
	const char *name = btf__name_by_offset(btf, t->name_off);
	if (btf_int_encoding(t) != BTF_INT_CHAR && (!name || strcmp(name, "char")))
		return false;
	for (uint64_t i = 0; i < a->nelems && i < s.len; i++) {
		if (!s.p[i])
			return true;
		if (s.p[i] < 0x20 || s.p[i] >= 0x7f)
			return false;
	}
	return false;
}

static void value_json(struct json *j, const struct btf *btf, uint32_t id, struct span s);

static void array_json(struct json *j, const struct btf *btf, const struct btf_type *t,
		       struct span s)
{
	const struct btf_array *a = btf_array(t);
	int64_t elem_size = btf__resolve_size(btf, a->type);

	if (is_string(btf, a, s)) {
		json_string(j, (const char *)s.p);
		return;
	}
	json_begin_array(j);
	for (uint64_t i = 0; i < a->nelems && elem_size > 0 && i * (uint64_t)elem_size < s.len; i++)
		value_json(j, btf, a->type, span_from(s, i * (uint64_t)elem_size));
	json_end_array(j);
}

/* A bit-field: `bits` bits from bit `bit_off` of s (bits <= 64). */
static uint64_t bitfield_value(struct span s, uint32_t bit_off, uint32_t bits)
{
	struct span at = span_from(s, bit_off / 8);
	uint64_t nbytes = (bit_off % 8 + bits + 7) / 8;
	unsigned __int128 v = 0;

	memcpy(&v, at.p, min_u64(min_u64(nbytes, sizeof(v)), at.len)); /* little-endian host */
	v >>= bit_off % 8;
	return bits < 64 ? (uint64_t)v & ((1ull << bits) - 1) : (uint64_t)v;
}

/* The members of a struct or union, into the object being written (anonymous struct and
 * union members are inlined; unnamed bit-fields are padding). */
static void members_json(struct json *j, const struct btf *btf, const struct btf_type *t,
			 struct span s)
{
	const struct btf_member *m = btf_members(t);

	for (uint16_t i = 0; i < btf_vlen(t); i++, m++) {
		const char *name = btf__name_by_offset(btf, m->name_off);
		uint32_t bit_off = btf_member_bit_offset(t, i),
			 bits = btf_member_bitfield_size(t, i);
		if (bits) {
			if (!name || !*name)
				continue;
			json_key(j, name);
			if (bits > 64)
				hex_json(j, span_from(s, bit_off / 8), (bits + 7) / 8);
			else
				json_uint(j, bitfield_value(s, bit_off, bits));
			continue;
		}
		if (!name || !*name) {
			const struct btf_type *mt = btf__type_by_id(
				btf, btf__resolve_type(btf, m->type));
			if (mt && (btf_is_struct(mt) || btf_is_union(mt)))
				members_json(j, btf, mt, span_from(s, bit_off / 8));
			continue;
		}
		json_key(j, name);
		value_json(j, btf, m->type, span_from(s, bit_off / 8));
	}
}

static void enum_json(struct json *j, const struct btf *btf, const struct btf_type *t,
		      struct span s)
{
	int64_t v = (int64_t)read_uint(s, t->size);
	const struct btf_enum *e = btf_enum(t);

	if (t->size == 4)
		v = (int32_t)v;
	for (uint16_t i = 0; btf_is_enum(t) && i < btf_vlen(t); i++, e++)
		if (e->val == v) {
			json_string(j, btf__name_by_offset(btf, e->name_off));
			return;
		}
	json_int(j, v);
}

static void datasec_json(struct json *j, const struct btf *btf, const struct btf_type *t,
			 struct span s)
{
	const struct btf_var_secinfo *v = btf_var_secinfos(t);

	json_begin_object(j);
	json_key(j, btf__name_by_offset(btf, t->name_off));
	json_begin_array(j);
	for (uint16_t i = 0; i < btf_vlen(t); i++, v++) {
		const struct btf_type *var = btf__type_by_id(btf, v->type);
		if (!var || !btf_is_var(var))
			continue;
		json_begin_object(j);
		json_key(j, btf__name_by_offset(btf, var->name_off));
		value_json(j, btf, var->type, span_from(s, v->offset));
		json_end_object(j);
	}
	json_end_array(j);
	json_end_object(j);
}

static void value_json(struct json *j, const struct btf *btf, uint32_t id, struct span s)
{
	const struct btf_type *t = btf__type_by_id(btf, btf__resolve_type(btf, id));

	if (!t) {
		json_string(j, "<unknown type>");
		return;
	}
	if (!s.len) {
		json_string(j, "<past the value>");
		return;
	}
	switch (btf_kind(t)) {
	case BTF_KIND_INT:
		int_json(j, t, s);
		break;
	case BTF_KIND_PTR:
		json_uint(j, read_uint(s, 8));
		break;
	case BTF_KIND_ENUM:
	case BTF_KIND_ENUM64:
		enum_json(j, btf, t, s);
		break;
	case BTF_KIND_ARRAY:
		array_json(j, btf, t, s);
		break;
	case BTF_KIND_STRUCT:
	case BTF_KIND_UNION:
		json_begin_object(j);
		members_json(j, btf, t, s);
		json_end_object(j);
		break;
	case BTF_KIND_DATASEC:
		datasec_json(j, btf, t, s);
		break;
	default:
		hex_json(j, s, t->size);
		break;
	}
}

void json_btf_value(struct json *j, const struct btf *btf, uint32_t type_id, const void *data,
		    uint32_t size)
{
	value_json(j, btf, type_id, (struct span){ data, size });
}
