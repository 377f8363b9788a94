/* Map keys and values as JSON through their BTF, as bpftool's "formatted" output shows
 * them: integers as numbers, char arrays as strings, structs as objects (unnamed
 * padding bit-fields, such as those of struct bpf_timer, left out), sections as
 * {"name": [{"var": value}, ...]}. */
#include <string.h>
#include <bpf/btf.h>

#include "cli.h"

static uint64_t read_uint(const uint8_t *p, uint32_t size)
{
	uint64_t v = 0;

	memcpy(&v, p, size < sizeof(v) ? size : sizeof(v));  /* little-endian host */
	return v;
}

static void int_json(struct json *j, const struct btf_type *t, const uint8_t *p)
{
	uint32_t enc = btf_int_encoding(t), bits = btf_int_bits(t);
	uint64_t v = read_uint(p, t->size);

	if (bits > 64) {
		json_hex_bytes(j, p, t->size);
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
static bool is_string(const struct btf *btf, const struct btf_array *a, const uint8_t *p)
{
	const struct btf_type *t = btf__type_by_id(btf, a->type);

	while (t && (btf_is_const(t) || btf_is_volatile(t) || btf_is_restrict(t)))
		t = btf__type_by_id(btf, t->type);
	if (!t || !btf_is_int(t) || t->size != 1 ||
	    (btf_int_encoding(t) != BTF_INT_CHAR && strcmp(btf__name_by_offset(btf, t->name_off), "char")))
		return false;
	for (uint32_t i = 0; i < a->nelems; i++) {
		if (!p[i])
			return true;
		if (p[i] < 0x20 || p[i] >= 0x7f)
			return false;
	}
	return false;
}

static void value_json(struct json *j, const struct btf *btf, uint32_t id, const uint8_t *p);

static void array_json(struct json *j, const struct btf *btf, const struct btf_type *t, const uint8_t *p)
{
	const struct btf_array *a = btf_array(t);
	int64_t elem_size = btf__resolve_size(btf, a->type);

	if (is_string(btf, a, p)) {
		json_string(j, (const char *)p);
		return;
	}
	json_begin_array(j);
	for (uint32_t i = 0; i < a->nelems && elem_size > 0; i++)
		value_json(j, btf, a->type, p + (uint64_t)i * (uint64_t)elem_size);
	json_end_array(j);
}

/* The members of a struct or union, into the object being written (anonymous struct and
 * union members are inlined; unnamed bit-fields are padding). */
static void members_json(struct json *j, const struct btf *btf, const struct btf_type *t, const uint8_t *p)
{
	const struct btf_member *m = btf_members(t);

	for (uint16_t i = 0; i < btf_vlen(t); i++, m++) {
		const char *name = btf__name_by_offset(btf, m->name_off);
		uint32_t bit_off = btf_member_bit_offset(t, i), bits = btf_member_bitfield_size(t, i);
		if (bits) {
			if (!name || !*name)
				continue;
			uint64_t v = read_uint(p + bit_off / 64 * 8, 8) >> (bit_off % 64);
			if (bit_off % 64 + bits > 64)
				v |= read_uint(p + bit_off / 64 * 8 + 8, 8) << (64 - bit_off % 64);
			json_key(j, name);
			json_uint(j, bits < 64 ? v & ((1ull << bits) - 1) : v);
			continue;
		}
		if (!name || !*name) {
			const struct btf_type *mt = btf__type_by_id(btf, btf__resolve_type(btf, m->type));
			if (mt && (btf_is_struct(mt) || btf_is_union(mt)))
				members_json(j, btf, mt, p + bit_off / 8);
			continue;
		}
		json_key(j, name);
		value_json(j, btf, m->type, p + bit_off / 8);
	}
}

static void enum_json(struct json *j, const struct btf *btf, const struct btf_type *t, const uint8_t *p)
{
	int64_t v = (int64_t)read_uint(p, t->size);
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

static void datasec_json(struct json *j, const struct btf *btf, const struct btf_type *t, const uint8_t *p)
{
	const struct btf_var_secinfo *v = btf_var_secinfos(t);

	json_begin_object(j);
	json_key(j, btf__name_by_offset(btf, t->name_off));
	json_begin_array(j);
	for (uint16_t i = 0; i < btf_vlen(t); i++, v++) {
		const struct btf_type *var = btf__type_by_id(btf, v->type);
		json_begin_object(j);
		json_key(j, btf__name_by_offset(btf, var->name_off));
		value_json(j, btf, var->type, p + v->offset);
		json_end_object(j);
	}
	json_end_array(j);
	json_end_object(j);
}

static void value_json(struct json *j, const struct btf *btf, uint32_t id, const uint8_t *p)
{
	const struct btf_type *t = btf__type_by_id(btf, btf__resolve_type(btf, id));

	if (!t) {
		json_string(j, "<unknown type>");
		return;
	}
	switch (btf_kind(t)) {
	case BTF_KIND_INT:
		int_json(j, t, p);
		break;
	case BTF_KIND_PTR:
		json_uint(j, read_uint(p, 8));
		break;
	case BTF_KIND_ENUM:
	case BTF_KIND_ENUM64:
		enum_json(j, btf, t, p);
		break;
	case BTF_KIND_ARRAY:
		array_json(j, btf, t, p);
		break;
	case BTF_KIND_STRUCT:
	case BTF_KIND_UNION:
		json_begin_object(j);
		members_json(j, btf, t, p);
		json_end_object(j);
		break;
	case BTF_KIND_DATASEC:
		datasec_json(j, btf, t, p);
		break;
	default:
		json_hex_bytes(j, p, t->size);
		break;
	}
}

void json_btf_value(struct json *j, const struct btf *btf, uint32_t type_id, const void *data)
{
	value_json(j, btf, type_id, data);
}
