/* BPF_BTF_LOAD and BTF objects.
 *
 * The blob's header and sections are checked with the kernel's messages, its types are
 * parsed by libbpf's btf__new(), then the checks libbpf leaves to the kernel (type ids in
 * range, names where a kind needs or forbids one) run.  The log follows the kernel's
 * rules: EINVAL for inconsistent log attributes, the header dump at log level >= 1, an
 * error line on failure, and ENOSPC (no object) when the text does not fit: the buffer
 * then holds its tail, or its head with BPF_LOG_FIXED.
 *
 * Locking: parse_lock serializes btf__new() calls while libbpf's print callback is
 * swapped to capture its messages into our log (the callback is process-global; an
 * application thread printing through libbpf at that instant would be captured too).
 * BTF objects are immutable after load and need no lock.
 */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <linux/btf.h>

#include "btf.h"
#include "../lib/uaccess.h"
#include "../lib/vlog.h"

#define BTF_MAX_SIZE (16 * 1024 * 1024)

/* ---- header and sections, with the kernel's messages ---- */

static int check_header(const u8 *data, u32 size, struct vlog *log)
{
	struct btf_header hdr;

	if (size < offsetof(struct btf_header, hdr_len) + sizeof(hdr.hdr_len)) {
		vlog_printf(log, "hdr_len not found\n");
		return -EINVAL;
	}
	memset(&hdr, 0, sizeof(hdr));
	memcpy(&hdr, data, MIN(size, (u32)sizeof(hdr)));
	if (hdr.hdr_len > size) {
		vlog_printf(log, "btf_header not found\n");
		return -EINVAL;
	}
	if (hdr.hdr_len > sizeof(hdr) && !mem_is_zero(data, sizeof(hdr), hdr.hdr_len)) {
		vlog_printf(log, "Unsupported btf_header\n");
		return -E2BIG;
	}
	vlog_printf(log, "magic: 0x%x\nversion: %u\nflags: 0x%x\nhdr_len: %u\ntype_off: %u\n"
		    "type_len: %u\nstr_off: %u\nstr_len: %u\nbtf_total_size: %u\n",
		    hdr.magic, hdr.version, hdr.flags, hdr.hdr_len, hdr.type_off, hdr.type_len,
		    hdr.str_off, hdr.str_len, size);
	if (hdr.magic != BTF_MAGIC) {
		vlog_printf(log, "Invalid magic\n");
		return -EINVAL;
	}
	if (hdr.version != BTF_VERSION) {
		vlog_printf(log, "Unsupported version\n");
		return -ENOTSUPP;
	}
	if (hdr.flags) {
		vlog_printf(log, "Unsupported flags\n");
		return -ENOTSUPP;
	}
	if (size == hdr.hdr_len) {
		vlog_printf(log, "No data\n");
		return -EINVAL;
	}
	u64 avail = size - hdr.hdr_len;
	if ((u64)hdr.type_off + hdr.type_len > avail || (u64)hdr.str_off + hdr.str_len > avail) {
		vlog_printf(log, "Total section length too long\n");
		return -EINVAL;
	}
	if (!hdr.str_len) {
		vlog_printf(log, "No string section\n");
		return -EINVAL;
	}
	return 0;
}

/* ---- type checks libbpf leaves to the kernel ---- */

static bool kind_forbids_name(u16 kind)
{
	return kind == BTF_KIND_PTR || kind == BTF_KIND_CONST || kind == BTF_KIND_VOLATILE ||
	       kind == BTF_KIND_RESTRICT || kind == BTF_KIND_ARRAY || kind == BTF_KIND_FUNC_PROTO;
}

static bool kind_needs_name(u16 kind)
{
	return kind == BTF_KIND_TYPEDEF || kind == BTF_KIND_FUNC || kind == BTF_KIND_VAR ||
	       kind == BTF_KIND_TYPE_TAG || kind == BTF_KIND_DECL_TAG || kind == BTF_KIND_DATASEC;
}

static bool kind_refers_type(u16 kind)
{
	return kind == BTF_KIND_PTR || kind == BTF_KIND_CONST || kind == BTF_KIND_VOLATILE ||
	       kind == BTF_KIND_RESTRICT || kind == BTF_KIND_TYPEDEF || kind == BTF_KIND_FUNC ||
	       kind == BTF_KIND_VAR || kind == BTF_KIND_TYPE_TAG || kind == BTF_KIND_DECL_TAG ||
	       kind == BTF_KIND_FUNC_PROTO;
}

static const char *kind_str(u16 kind)
{
	static const char *const names[] = {
		[BTF_KIND_UNKN] = "UNKNOWN", [BTF_KIND_INT] = "INT", [BTF_KIND_PTR] = "PTR",
		[BTF_KIND_ARRAY] = "ARRAY", [BTF_KIND_STRUCT] = "STRUCT", [BTF_KIND_UNION] = "UNION",
		[BTF_KIND_ENUM] = "ENUM", [BTF_KIND_FWD] = "FWD", [BTF_KIND_TYPEDEF] = "TYPEDEF",
		[BTF_KIND_VOLATILE] = "VOLATILE", [BTF_KIND_CONST] = "CONST",
		[BTF_KIND_RESTRICT] = "RESTRICT", [BTF_KIND_FUNC] = "FUNC",
		[BTF_KIND_FUNC_PROTO] = "FUNC_PROTO", [BTF_KIND_VAR] = "VAR",
		[BTF_KIND_DATASEC] = "DATASEC", [BTF_KIND_FLOAT] = "FLOAT",
		[BTF_KIND_DECL_TAG] = "DECL_TAG", [BTF_KIND_TYPE_TAG] = "TYPE_TAG",
		[BTF_KIND_ENUM64] = "ENUM64",
	};
	return kind < ARRAY_SIZE(names) && names[kind] ? names[kind] : "UNKNOWN";
}

static int type_error(struct vlog *log, const struct btf *btf, u32 id, const char *what)
{
	const struct btf_type *t = btf__type_by_id(btf, id);
	const char *name = btf__name_by_offset(btf, t->name_off);

	vlog_printf(log, "[%u] %s %s %s\n", id, kind_str(btf_kind(t)), name && *name ? name : "(anon)", what);
	return -EINVAL;
}

static bool id_ok(u32 id, u32 nr)
{
	return id < nr;
}

static int check_type_refs(const struct btf *btf, u32 id, u32 nr, struct vlog *log)
{
	const struct btf_type *t = btf__type_by_id(btf, id);
	u16 kind = btf_kind(t);

	if (kind_refers_type(kind) && !id_ok(t->type, nr))
		return type_error(log, btf, id, "Invalid type_id");
	if (kind == BTF_KIND_ARRAY) {
		const struct btf_array *a = btf_array(t);
		if (!id_ok(a->type, nr) || !a->type || !id_ok(a->index_type, nr) || !a->index_type)
			return type_error(log, btf, id, "Invalid type_id");
	} else if (kind == BTF_KIND_STRUCT || kind == BTF_KIND_UNION) {
		const struct btf_member *m = btf_members(t);
		for (u16 i = 0; i < btf_vlen(t); i++)
			if (!id_ok(m[i].type, nr) || !m[i].type)
				return type_error(log, btf, id, "Invalid member");
	} else if (kind == BTF_KIND_FUNC_PROTO) {
		const struct btf_param *p = btf_params(t);
		for (u16 i = 0; i < btf_vlen(t); i++)
			if (!id_ok(p[i].type, nr))
				return type_error(log, btf, id, "Invalid arg#");
	} else if (kind == BTF_KIND_DATASEC) {
		const struct btf_var_secinfo *v = btf_var_secinfos(t);
		for (u16 i = 0; i < btf_vlen(t); i++)
			if (!id_ok(v[i].type, nr) || !v[i].type)
				return type_error(log, btf, id, "Invalid type_id");
	}
	return 0;
}

static int check_types(const struct btf *btf, struct vlog *log)
{
	u32 nr = btf__type_cnt(btf);

	for (u32 id = 1; id < nr; id++) {
		const struct btf_type *t = btf__type_by_id(btf, id);
		u16 kind = btf_kind(t);
		const char *name = btf__name_by_offset(btf, t->name_off);
		if (!name)
			return type_error(log, btf, id, "Invalid name_offset");
		if ((kind_forbids_name(kind) && *name) || (kind_needs_name(kind) && !*name))
			return type_error(log, btf, id, "Invalid name");
		if (kind == BTF_KIND_FUNC && !btf_is_func_proto(btf__type_by_id(btf, t->type)))
			return type_error(log, btf, id, "Invalid type_id");
		int err = check_type_refs(btf, id, nr, log);
		if (err)
			return err;
	}
	return 0;
}

/* ---- parsing with libbpf, its messages captured into the log ---- */

static pthread_mutex_t parse_lock = PTHREAD_MUTEX_INITIALIZER;
static struct vlog *capture_log;

static int capture_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (level == LIBBPF_WARN && capture_log)
		vlog_vprintf(capture_log, fmt, ap);
	return 0;
}

static struct btf *parse_types(const void *data, u32 size, struct vlog *log)
{
	pthread_mutex_lock(&parse_lock);
	capture_log = log;
	libbpf_print_fn_t prev = libbpf_set_print(capture_print);
	struct btf *btf = btf__new(data, size);
	int err = libbpf_get_error(btf);
	libbpf_set_print(prev);
	capture_log = NULL;
	pthread_mutex_unlock(&parse_lock);
	if (err)
		return ERR_PTR(-EINVAL);
	err = check_types(btf, log);
	if (err) {
		btf__free(btf);
		return ERR_PTR(err);
	}
	return btf;
}

/* ---- objects ---- */

static void btf_obj_free(struct obj *o)
{
	struct btf_obj *b = container_of(o, struct btf_obj, obj);

	btf__free(b->btf);
	free(b->data);
	free(b);
}

static const struct obj_ops btf_obj_ops = { .free = btf_obj_free };

static int btf_obj_create(void *data, u32 size, struct btf *btf)
{
	struct btf_obj *b = calloc(1, sizeof(*b));

	if (!b)
		return -ENOMEM;
	b->data = data;
	b->size = size;
	b->btf = btf;
	int err = obj_init(&b->obj, OBJ_BTF, &btf_obj_ops);
	if (err) {
		free(b);
		return err;
	}
	int fd = obj_fd_new(&b->obj, 0);
	obj_put(&b->obj);  /* the descriptor holds it now (or it goes on failure) */
	return fd;
}

int btf_load(union bpf_attr *attr, union bpf_attr *uattr, u32 attr_size)
{
	struct vlog log;
	u32 size = attr->btf_size;
	const void *udata = u64_to_ptr(attr->btf);

	if (size > BTF_MAX_SIZE)
		return -E2BIG;
	int err = vlog_init(&log, attr->btf_log_level, attr->btf_log_buf, attr->btf_log_size);
	if (err)
		return err;
	void *data = malloc(size ? size : 1);
	if (!data)
		return -ENOMEM;
	if (copy_from_user(data, udata, size)) {
		free(data);
		return -EFAULT;
	}
	struct btf *btf = NULL;
	err = check_header(data, size, &log);
	if (!err) {
		btf = parse_types(data, size, &log);
		err = IS_ERR(btf) ? (int)PTR_ERR(btf) : 0;
	}
	int log_err = vlog_finish(&log);
	if (!err && log_err) {
		btf__free(btf);
		err = log_err;
	}
	if (err) {
		free(data);
		return err;
	}
	return btf_obj_create(data, size, btf);
}

struct btf_obj *btf_from_fd(int fd)
{
	struct obj *o = obj_from_fd(fd, OBJ_BTF, NULL);

	if (IS_ERR(o))
		return (struct btf_obj *)o;  /* the error pointer */
	return container_of(o, struct btf_obj, obj);
}

int btf_get_info(struct btf_obj *b, struct bpf_btf_info *info)
{
	void *ubtf = u64_to_ptr(info->btf);
	char *uname = u64_to_ptr(info->name);
	u32 copy = MIN(b->size, info->btf_size);

	if (copy_to_user(ubtf, b->data, copy))
		return -EFAULT;
	if (!uname != !info->name_len)
		return -EINVAL;
	info->btf_size = b->size;
	info->id = b->obj.id;
	info->kernel_btf = 0;
	if (uname && copy_to_user(uname, "", 1))  /* loaded BTF has no name */
		return -EFAULT;
	info->name_len = 0;
	return 0;
}

long btf_type_size(const struct btf_obj *b, u32 type_id)
{
	if (!b || !type_id || type_id >= btf__type_cnt(b->btf))
		return -EINVAL;
	long size = btf__resolve_size(b->btf, type_id);
	return size < 0 ? -EINVAL : size;
}

/* ---- special fields (bpf_timer, bpf_spin_lock) ---- */

struct field_search {
	const struct btf *btf;
	const char *name;
	u32 size, align;
	int found;  /* offset, MAP_NO_FIELD or MAP_INVALID_FIELD */
};

static const struct btf_type *skip_mods(const struct btf *btf, u32 *id)
{
	const struct btf_type *t = btf__type_by_id(btf, *id);

	while (t && (btf_is_mod(t) || btf_is_typedef(t))) {
		*id = t->type;
		t = btf__type_by_id(btf, *id);
	}
	return t;
}

static bool is_wanted(const struct field_search *s, const struct btf_type *t)
{
	const char *name = btf__name_by_offset(s->btf, t->name_off);
	return btf_is_struct(t) && t->size == s->size && name && !strcmp(name, s->name);
}

/* True when an array's elements (through nested arrays) are the wanted struct or contain it. */
static bool array_holds(struct field_search *s, const struct btf_type *t, int depth);

static bool composite_holds(struct field_search *s, const struct btf_type *t, int depth)
{
	if (depth > 32 || !btf_is_composite(t))
		return false;
	const struct btf_member *m = btf_members(t);
	for (u16 i = 0; i < btf_vlen(t); i++) {
		u32 id = m[i].type;
		const struct btf_type *mt = skip_mods(s->btf, &id);
		if (mt && (is_wanted(s, mt) || composite_holds(s, mt, depth + 1) ||
			   (btf_is_array(mt) && array_holds(s, mt, depth + 1))))
			return true;
	}
	return false;
}

static bool array_holds(struct field_search *s, const struct btf_type *t, int depth)
{
	u32 id = btf_array(t)->type;
	const struct btf_type *et = skip_mods(s->btf, &id);

	if (!et || depth > 32)
		return false;
	if (btf_is_array(et))
		return array_holds(s, et, depth + 1);
	return is_wanted(s, et) || composite_holds(s, et, depth + 1);
}

static void search_members(struct field_search *s, const struct btf_type *t, u32 base, int depth)
{
	if (depth > 32) {
		s->found = MAP_INVALID_FIELD;
		return;
	}
	const struct btf_member *m = btf_members(t);
	for (u16 i = 0; i < btf_vlen(t) && s->found != MAP_INVALID_FIELD; i++) {
		u32 id = m[i].type;
		const struct btf_type *mt = skip_mods(s->btf, &id);
		u32 off = base + btf_member_bit_offset(t, i) / 8;
		if (!mt)
			continue;
		if (is_wanted(s, mt)) {
			bool misplaced = btf_member_bit_offset(t, i) % 8 || off % s->align;
			s->found = s->found != MAP_NO_FIELD || misplaced ? MAP_INVALID_FIELD : (int)off;
		} else if (btf_is_composite(mt)) {
			search_members(s, mt, off, depth + 1);
		} else if (btf_is_array(mt) && array_holds(s, mt, depth + 1)) {
			s->found = MAP_INVALID_FIELD;
		}
	}
}

int btf_find_special_field(const struct btf_obj *b, u32 type_id, const char *struct_name,
			   u32 size, u32 align)
{
	struct field_search s = { .name = struct_name, .size = size, .align = align ? align : 1,
				  .found = MAP_NO_FIELD };

	if (!b || !type_id || type_id >= btf__type_cnt(b->btf))
		return MAP_NO_FIELD;
	s.btf = b->btf;
	const struct btf_type *t = skip_mods(b->btf, &type_id);
	if (t && btf_is_composite(t))
		search_members(&s, t, 0, 0);
	return s.found;
}
