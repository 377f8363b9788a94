/* Special fields of map values: the kinds, the registry of their behaviour, and the
 * per-value-type table (see fields.h).  Locking: none (see fields.h). */
#include <string.h>

#include "fields.h"

const struct field_kind_info field_kinds[FIELD_KINDS] = {
	[FIELD_SPIN_LOCK] = { .btf_name = "bpf_spin_lock", .size = 4, .align = 4 },
	[FIELD_TIMER] = { .btf_name = "bpf_timer", .size = 16, .align = 8 },
	[FIELD_WQ] = { .btf_name = "bpf_wq", .size = 16, .align = 8 },
	[FIELD_TASK_WORK] = { .btf_name = "bpf_task_work", .size = 8, .align = 8 },
	[FIELD_KPTR] = { .btf_name = NULL, .size = 8, .align = 8 },
	[FIELD_LIST_HEAD] = { .btf_name = "bpf_list_head", .size = 16, .align = 8 },
	[FIELD_LIST_NODE] = { .btf_name = "bpf_list_node", .size = 24, .align = 8 },
	[FIELD_RB_ROOT] = { .btf_name = "bpf_rb_root", .size = 16, .align = 8 },
	[FIELD_RB_NODE] = { .btf_name = "bpf_rb_node", .size = 32, .align = 8 },
};

static struct field_kind_ops kind_ops[FIELD_KINDS];

void field_kind_register(enum field_kind kind, const struct field_kind_ops *ops)
{
	kind_ops[kind] = *ops;
}

const struct field_kind_ops *field_kind_ops(enum field_kind kind)
{
	return &kind_ops[kind];
}

void field_table_init(struct field_table *t)
{
	memset(t, 0, sizeof(*t));
}

int field_table_add(struct field_table *t, enum field_kind kind, u32 off, u32 value_size)
{
	u32 size = field_kinds[kind].size, i;

	if (off > value_size || value_size - off < size)
		return -EINVAL;
	if (t->cnt == FIELDS_MAX || ((t->kinds & FIELD_BIT(kind)) && kind != FIELD_KPTR))
		return -E2BIG;
	for (i = 0; i < t->cnt && t->f[i].off < off; i++)
		;
	if ((i < t->cnt && off + size > t->f[i].off) ||
	    (i > 0 && t->f[i - 1].off + t->f[i - 1].size > off))
		return -EINVAL;
	memmove(&t->f[i + 1], &t->f[i], (t->cnt - i) * sizeof(t->f[0]));
	t->f[i] = (struct field){ .off = off, .size = size, .kind = kind };
	t->cnt++;
	if (!(t->kinds & FIELD_BIT(kind)) || (s32)off < t->off[kind])
		t->off[kind] = (s32)off;
	t->kinds |= FIELD_BIT(kind);
	return 0;
}

void field_kinds_batch(u32 kinds, bool begin)
{
	for (u32 k = 0; k < FIELD_KINDS; k++)
		if ((kinds & FIELD_BIT(k)) && kind_ops[k].batch)
			kind_ops[k].batch(begin);
}

void field_kinds_reserve(u32 kinds, s64 values)
{
	for (u32 k = 0; k < FIELD_KINDS; k++)
		if ((kinds & FIELD_BIT(k)) && kind_ops[k].reserve)
			kind_ops[k].reserve(values);
}

bool field_table_needs_destroy(const struct field_table *t)
{
	for (u32 i = 0; i < t->cnt; i++)
		if (kind_ops[t->f[i].kind].destroy)
			return true;
	return false;
}

void field_table_destroy_kinds(const struct field_table *t, u32 kinds, void *owner, void *value)
{
	for (u32 i = 0; i < t->cnt; i++) {
		void (*destroy)(void *, void *) = kind_ops[t->f[i].kind].destroy;
		if (destroy && (kinds & FIELD_BIT(t->f[i].kind)))
			destroy(owner, (char *)value + t->f[i].off);
	}
}

void field_table_destroy(const struct field_table *t, void *owner, void *value)
{
	field_table_destroy_kinds(t, ~0u, owner, value);
}
