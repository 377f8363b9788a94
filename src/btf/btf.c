/* BPF_BTF_LOAD and BTF objects.
 *
 * The blob's header is checked here and its sections and types by btf_verify.c, with the
 * kernel's messages; only a blob the kernel would accept reaches libbpf's btf__new(),
 * which parses it for our later use (libbpf 1.1 trusts type ids and offsets).  The log
 * follows the kernel's rules: EINVAL for inconsistent log attributes, the header dump at
 * log level >= 1, an error line on failure, and ENOSPC (no object) when the text does not
 * fit: the buffer then holds its tail, or its head with BPF_LOG_FIXED.
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
#include "btf_verify.h"
#include "kernel_btf.h"
#include "../lib/uaccess.h"
#include "../lib/vlog.h"

#define BTF_MAX_SIZE (16 * 1024 * 1024)

/* ---- header and sections, with the kernel's messages ---- */

/* Fills hdr (fields past a short hdr_len read as zero, as in the kernel). */
static int check_header(const u8 *data, u32 size, struct btf_header *h, struct vlog *log)
{
	struct btf_header hdr;

	if (size < offsetof(struct btf_header, hdr_len) + sizeof(hdr.hdr_len)) {
		vlog_printf(log, "hdr_len not found");
		return -EINVAL;
	}
	memset(&hdr, 0, sizeof(hdr));
	memcpy(&hdr, data, MIN(size, (u32)sizeof(hdr)));
	if (hdr.hdr_len > size) {
		vlog_printf(log, "btf_header not found");
		return -EINVAL;
	}
	if (hdr.hdr_len > sizeof(hdr) && !mem_is_zero(data, sizeof(hdr), hdr.hdr_len)) {
		vlog_printf(log, "Unsupported btf_header");
		return -E2BIG;
	}
	vlog_printf(log,
		    "magic: 0x%x\nversion: %u\nflags: 0x%x\nhdr_len: %u\ntype_off: %u\n"
		    "type_len: %u\nstr_off: %u\nstr_len: %u\nbtf_total_size: %u\n",
		    hdr.magic, hdr.version, hdr.flags, hdr.hdr_len, hdr.type_off, hdr.type_len,
		    hdr.str_off, hdr.str_len, size);
	if (hdr.magic != BTF_MAGIC) {
		vlog_printf(log, "Invalid magic");
		return -EINVAL;
	}
	if (hdr.version != BTF_VERSION) {
		vlog_printf(log, "Unsupported version");
		return -ENOTSUPP;
	}
	if (hdr.flags) {
		vlog_printf(log, "Unsupported flags");
		return -ENOTSUPP;
	}
	if (size == hdr.hdr_len) {
		vlog_printf(log, "No data");
		return -EINVAL;
	}
	*h = hdr;
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

static struct btf *parse_types(const void *data, u32 size, const struct btf_header *hdr,
			       struct vlog *log)
{
	int err = btf_verify(data, size, hdr, log);

	if (err)
		return ERR_PTR(err);
	pthread_mutex_lock(&parse_lock);
	capture_log = log;
	libbpf_print_fn_t prev = libbpf_set_print(capture_print);
	struct btf *btf = btf__new(data, size);
	err = libbpf_get_error(btf);
	libbpf_set_print(prev);
	capture_log = NULL;
	pthread_mutex_unlock(&parse_lock);
	return err ? ERR_PTR(-EINVAL) : btf;
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
	obj_put(&b->obj); /* the descriptor holds it now (or it goes on failure) */
	return fd;
}

struct btf_obj *btf_vmlinux(void)
{
	static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
	static struct btf_obj *vmlinux; /* holds the reference that keeps it */
	struct btf_obj *b;

	pthread_mutex_lock(&lock);
	const struct btf *kbtf = vmlinux ? NULL : kernel_btf(NULL);
	if (kbtf && (b = calloc(1, sizeof(*b)))) {
		/* the kernel BTF never changes nor goes: its parsed form and raw data serve */
		b->btf = (struct btf *)kbtf;
		b->data = (void *)btf__raw_data(kbtf, &b->size);
		b->kernel = true;
		if (b->data && !obj_init_kernel(&b->obj, OBJ_BTF, &btf_obj_ops, BTF_VMLINUX_ID))
			vmlinux = b;
		else
			free(b);
	}
	b = vmlinux;
	if (b)
		obj_get(&b->obj);
	pthread_mutex_unlock(&lock);
	return b;
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
	struct btf_header hdr;
	err = check_header(data, size, &hdr, &log);
	if (!err) {
		btf = parse_types(data, size, &hdr, &log);
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
		return (struct btf_obj *)o; /* the error pointer */
	return container_of(o, struct btf_obj, obj);
}

int btf_get_info(struct btf_obj *b, struct bpf_btf_info *info)
{
	void *ubtf = u64_to_ptr(info->btf);
	char *uname = u64_to_ptr(info->name);
	u32 copy = MIN(b->size, info->btf_size), uname_len = info->name_len;
	const char *name = b->kernel ? "vmlinux" : ""; /* loaded BTF has no name */
	u32 name_len = (u32)strlen(name);

	if (copy_to_user(ubtf, b->data, copy))
		return -EFAULT;
	if (!uname != !uname_len)
		return -EINVAL;
	info->btf_size = b->size;
	info->id = b->obj.id;
	info->kernel_btf = b->kernel;
	info->name_len = name_len;
	if (!uname)
		return 0;
	if (uname_len > name_len) /* the name and its NUL */
		return copy_to_user(uname, name, name_len + 1) ? -EFAULT : 0;
	/* a short buffer: as much as fits, terminated, and ENOSPC */
	if (copy_to_user(uname, name, uname_len - 1) || copy_to_user(uname + uname_len - 1, "", 1))
		return -EFAULT;
	return -ENOSPC;
}

long btf_type_size(const struct btf_obj *b, u32 type_id)
{
	if (!b || !type_id || type_id >= btf__type_cnt(b->btf))
		return -EINVAL;
	long size = btf__resolve_size(b->btf, type_id);
	return size < 0 ? -EINVAL : size;
}

/* ---- special fields (the kinds of fields.h) ---- */

#define NO_FIELD (-1)      /* absent */
#define INVALID_FIELD (-2) /* present but unusable: twice, in an array, misaligned */

struct field_search {
	const struct btf *btf;
	const char *name;
	u32 size, align;
	int found; /* offset, NO_FIELD or INVALID_FIELD */
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
		s->found = INVALID_FIELD;
		return;
	}
	const struct btf_member *m = btf_members(t);
	for (u16 i = 0; i < btf_vlen(t) && s->found != INVALID_FIELD; i++) {
		u32 id = m[i].type;
		const struct btf_type *mt = skip_mods(s->btf, &id);
		u32 off = base + btf_member_bit_offset(t, i) / 8;
		if (!mt)
			continue;
		if (is_wanted(s, mt)) {
			bool misplaced = btf_member_bit_offset(t, i) % 8 || off % s->align;
			s->found = s->found != NO_FIELD || misplaced ? INVALID_FIELD : (int)off;
		} else if (btf_is_composite(mt)) {
			search_members(s, mt, off, depth + 1);
		} else if (btf_is_array(mt) && array_holds(s, mt, depth + 1)) {
			s->found = INVALID_FIELD;
		}
	}
}

/* Where the one field of struct struct_name (size bytes, align-aligned) is inside
 * type_id: its offset, NO_FIELD or INVALID_FIELD. */
static int find_field(const struct btf_obj *b, u32 type_id, const char *struct_name, u32 size,
		      u32 align)
{
	struct field_search s = {
		.btf = b->btf, .name = struct_name, .size = size, .align = align, .found = NO_FIELD
	};
	const struct btf_type *t = skip_mods(b->btf, &type_id);

	if (t && btf_is_composite(t))
		search_members(&s, t, 0, 0);
	return s.found;
}

/* A referenced kptr: a pointer (under modifiers) to the type tag "kptr". */
static bool is_kptr(const struct btf *btf, u32 id)
{
	const struct btf_type *t = skip_mods(btf, &id);
	const struct btf_type *tag = t && btf_is_ptr(t) ? btf__type_by_id(btf, t->type) : NULL;
	const char *name = tag && btf_is_type_tag(tag) ? btf__name_by_offset(btf, tag->name_off) :
							 NULL;

	return name && !strcmp(name, "kptr");
}

/* Adds the kptrs of struct t (at base in the value), nested structs' included; an
 * unaligned one is no field (its bytes stay plain, as an unusable field's). */
static int find_kptrs(const struct btf *btf, const struct btf_type *t, u32 base, u32 value_size,
		      struct field_table *out, int depth)
{
	const struct btf_member *m = btf_members(t);

	for (u16 i = 0; i < btf_vlen(t) && depth <= 32; i++) {
		u32 id = m[i].type, bits = btf_member_bit_offset(t, i);
		const struct btf_type *mt = skip_mods(btf, &id);
		int err = 0;
		if (!mt || (bits % 64 && is_kptr(btf, m[i].type)))
			continue;
		if (is_kptr(btf, m[i].type))
			err = field_table_add(out, FIELD_KPTR, base + bits / 8, value_size);
		else if (btf_is_composite(mt))
			err = find_kptrs(btf, mt, base + bits / 8, value_size, out, depth + 1);
		if (err)
			return err;
	}
	return 0;
}

int btf_find_fields(const struct btf_obj *b, u32 type_id, u32 value_size, struct field_table *out)
{
	field_table_init(out);
	if (!b || !type_id || type_id >= btf__type_cnt(b->btf))
		return 0;
	u32 id = type_id;
	const struct btf_type *t = skip_mods(b->btf, &id);
	if (t && btf_is_composite(t)) {
		int err = find_kptrs(b->btf, t, 0, value_size, out, 0);
		if (err)
			return err;
	}
	for (int k = 0; k < FIELD_KINDS; k++) {
		const struct field_kind_info *info = &field_kinds[k];
		if (!info->btf_name)
			continue;
		int off = find_field(b, type_id, info->btf_name, info->size, info->align);
		/* An unusable field is no field for the map: its bytes are ordinary value
		 * bytes; programs using it fail at load. */
		if (off < 0)
			continue;
		int err = field_table_add(out, (enum field_kind)k, (u32)off, value_size);
		if (err)
			return err;
	}
	return 0;
}
