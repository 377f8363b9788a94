/* Special fields of map values, as the kernel's btf_record: the runtime-owned structs a
 * value may embed (struct bpf_spin_lock, struct bpf_timer), found once in the value's BTF
 * at map create and kept as one table of (kind, offset, size) rows sorted by offset.
 *
 * Everything that touches value bytes reads the table: copies to and from user space
 * (the one copy rule shared by every kind: a field's bytes are never copied, reads see
 * zeros), the memory-safety checks (programs may not load or store a field), helpers
 * that take a field's address, and the release of a value (each kind's destructor).
 * A kind that owns state registers its destructor from the layer that
 * implements it (timers/timer.c for bpf_timer, timers/wq.c for bpf_wq, helpers/objheap.c
 * for kptrs), so maps never include that layer.  List and rbtree nodes and refcounts
 * would each be one more row of field_kinds[] in fields.c and one registration.
 *
 * Locking: a map's table is immutable after create.  Registrations happen in
 * constructors, before any map exists, and are read-only afterwards.
 */
#ifndef BPFRUN_FIELDS_H
#define BPFRUN_FIELDS_H

#include "../lib/common.h"

/* FIELD_KPTR: a referenced kptr (`struct T __kptr *`: a pointer to BTF type tag "kptr"),
 * the only kind a value may hold more than once. */
enum field_kind {
	FIELD_SPIN_LOCK,
	FIELD_TIMER,
	FIELD_WQ,
	FIELD_TASK_WORK,
	FIELD_KPTR,
	FIELD_LIST_HEAD, /* struct bpf_list_head: a list of objects (map values) */
	FIELD_LIST_NODE, /* struct bpf_list_node: where an object is linked (objects) */
	FIELD_RB_ROOT,   /* struct bpf_rb_root: a tree of objects (map values) */
	FIELD_RB_NODE,   /* struct bpf_rb_node: where an object is in a tree (objects) */
	FIELD_KINDS
};

#define FIELD_BIT(kind) (1u << (kind))
#define FIELD_NONE (-1) /* field_table.off[] of a kind the value lacks */
#define FIELDS_MAX 11   /* the kernel's BTF_FIELDS_MAX; each kind but kptrs at most once */

/* What BTF names a kind and how it is laid out. */
struct field_kind_info {
	const char *btf_name; /* the struct that is the field (NULL: kptrs, found by tag) */
	u32 size, align;
};
extern const struct field_kind_info field_kinds[FIELD_KINDS];

/* The behaviour the owning layer registers for its kind. */
struct field_kind_ops {
	/* Releases what the field holds when its value is overwritten or freed; owner is
	 * the map.  NULL: nothing to release. */
	void (*destroy)(void *owner, void *field);
	/* Called with true before and false after a map destroys the fields of many values
	 * at once (its release or free), so that the owner may release them in bulk.  May
	 * nest.  NULL: nothing to do. */
	void (*batch)(bool begin);
	/* A map whose `values` values are all allocated at its creation (the kernel's
	 * preallocation) was created with this kind in them: the owner may set aside now
	 * what each field will need, so that a program run touches no fresh memory.  Called
	 * again with -values when that map is freed.  NULL: nothing to set aside. */
	void (*reserve)(s64 values);
};
/* Brackets many destroys of the fields of kinds (FIELD_BIT()s): see batch above. */
void field_kinds_batch(u32 kinds, bool begin);
/* Calls the reserve op of kinds (FIELD_BIT()s) for a map of `values` preallocated values
 * (negative: freed). */
void field_kinds_reserve(u32 kinds, s64 values);
void field_kind_register(enum field_kind kind, const struct field_kind_ops *ops);
const struct field_kind_ops *field_kind_ops(enum field_kind kind);

struct field {
	u32 off, size;
	enum field_kind kind;
};

struct field_table {
	u32 cnt;
	u32 kinds;                  /* FIELD_BIT()s of the kinds present */
	s32 off[FIELD_KINDS];       /* each kind's (first) offset, when in kinds */
	struct field f[FIELDS_MAX]; /* by offset */
};

/* An empty table (all zeros is one too). */
void field_table_init(struct field_table *t);
/* The offset of kind's (first) field, or FIELD_NONE. */
static inline s32 field_off(const struct field_table *t, enum field_kind kind)
{
	return (t->kinds & FIELD_BIT(kind)) ? t->off[kind] : FIELD_NONE;
}
/* Adds kind at off: -EINVAL when it does not lie inside value_size bytes or overlaps
 * another field, -E2BIG when the table is full or has the kind already (kptrs aside). */
int field_table_add(struct field_table *t, enum field_kind kind, u32 off, u32 value_size);

/* True when some field of the table has a destructor to run. */
bool field_table_needs_destroy(const struct field_table *t);
/* Runs the destructors of the fields of value. */
void field_table_destroy(const struct field_table *t, void *owner, void *value);
/* The same for the fields of kinds (FIELD_BIT()s) only. */
void field_table_destroy_kinds(const struct field_table *t, u32 kinds, void *owner, void *value);
/* What goes when a map's last user reference goes (the kernel's map_release_uref): the
 * async kinds, whose callbacks would otherwise run for a map no one can reach from user
 * space.  Objects (kptrs, list and tree roots) stay until the map itself is freed: a
 * program holding the map may still take them. */
#define FIELD_ASYNC_KINDS \
	(FIELD_BIT(FIELD_TIMER) | FIELD_BIT(FIELD_WQ) | FIELD_BIT(FIELD_TASK_WORK))

#endif
