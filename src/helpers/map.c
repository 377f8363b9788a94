/* Map helpers: lookup/update/delete, per-CPU lookup, bpf_for_each_map_elem, and
 * bpf_spin_lock/unlock.
 *
 * Locking: bpf_spin_lock is the kernel's: a 32-bit lock word inside the map value,
 * taken with an atomic exchange and released with a store-release.  A run holds at
 * most one (x->held_lock); helpers that could wait on it while it is held fault
 * instead, where the kernel's verifier would have refused the program.  Map
 * operations lock as their types document (map.h).
 */

#include "internal.h"
#include "objheap.h"
#include "../lib/spinlock.h"
#include "../maps/map.h"
#include "../obj/prog.h"

/* The kernel's verifier refuses program writes to BPF_F_RDONLY_PROG maps. */
static bool map_writable_by_prog(struct exec_ctx *x, struct bpf_map *m)
{
	if (map_prog_may_write(m))
		return true;
	vm_fault(x, "write into map forbidden");
	return false;
}

static bool map_supports(struct exec_ctx *x, struct bpf_map *m, const void *op, const char *what)
{
	if (op)
		return true;
	vm_fault(x, "cannot pass map_type %u into func %s", m->map_type, what);
	return false;
}

/* The map and key arguments shared by the element helpers; NULL after a fault. */
static const void *map_key_arg(struct exec_ctx *x, u64 map_reg, u64 key_reg, struct bpf_map **map)
{
	*map = vm_map_arg(x, map_reg);
	if (!*map)
		return NULL;
	return vm_mem(x, key_reg, (*map)->key_size, false);
}

HELPER(map_lookup_elem)
{
	struct bpf_map *m;
	const void *key = map_key_arg(x, r1, r2, &m);

	if (key && m->ops->lookup_map) { /* a map of maps: the run reaches the inner map */
		struct bpf_map *inner = m->ops->lookup_map(m, key);
		return inner && vm_use_map(x, inner) ? (u64)(uintptr_t)inner : 0;
	}
	if (!key || !map_supports(x, m, m->ops->lookup, "bpf_map_lookup_elem"))
		return 0;
	return (u64)(uintptr_t)m->ops->lookup(m, key);
}

HELPER(map_update_elem)
{
	struct bpf_map *m;
	const void *key = map_key_arg(x, r1, r2, &m);

	if (!key || !map_writable_by_prog(x, m) ||
	    !map_supports(x, m, m->ops->update, "bpf_map_update_elem"))
		return 0;
	const void *value = vm_mem(x, r3, m->value_size, false);
	if (!value)
		return 0;
	if (x->held_lock) {
		vm_fault(x, "function calls are not allowed while holding a lock");
		return 0;
	}
	return (u64)m->ops->update(m, key, value, r4);
}

HELPER(map_delete_elem)
{
	struct bpf_map *m;
	const void *key = map_key_arg(x, r1, r2, &m);

	if (!key || !map_writable_by_prog(x, m) ||
	    !map_supports(x, m, m->ops->delete, "bpf_map_delete_elem"))
		return 0;
	return (u64)m->ops->delete (m, key);
}

/* ---- keyless maps: bpf_map_push_elem, bpf_map_pop_elem, bpf_map_peek_elem ---- */

enum keyless_op { KEYLESS_PUSH, KEYLESS_POP, KEYLESS_PEEK };

/* The map of map_reg, if it has the operation, and its value argument: read (push, a
 * bloom filter's peek) or written (pop, a queue's peek); NULL after a fault. */
static void *keyless_arg(struct exec_ctx *x, u64 map_reg, u64 value_reg, enum keyless_op op,
			 struct bpf_map **map)
{
	static const char *const names[] = { "bpf_map_push_elem", "bpf_map_pop_elem",
					     "bpf_map_peek_elem" };
	struct bpf_map *m = *map = vm_map_arg(x, map_reg);

	if (!m)
		return NULL;
	const void *fn = op == KEYLESS_PUSH ? (const void *)m->ops->push :
			 op == KEYLESS_POP  ? (const void *)m->ops->pop :
					      (const void *)m->ops->peek;
	if (!map_supports(x, m, fn, names[op]) ||
	    (op != KEYLESS_PEEK && !map_writable_by_prog(x, m)))
		return NULL;
	bool write = op == KEYLESS_POP || (op == KEYLESS_PEEK && !m->ops->lookup_reads_value);
	return vm_mem(x, value_reg, m->value_size, write);
}

HELPER(map_push_elem)
{
	struct bpf_map *m;
	void *value = keyless_arg(x, r1, r2, KEYLESS_PUSH, &m);

	return value ? (u64)m->ops->push(m, value, r3) : 0;
}

HELPER(map_pop_elem)
{
	struct bpf_map *m;
	void *value = keyless_arg(x, r1, r2, KEYLESS_POP, &m);

	return value ? (u64)m->ops->pop(m, value) : 0;
}

HELPER(map_peek_elem)
{
	struct bpf_map *m;
	void *value = keyless_arg(x, r1, r2, KEYLESS_PEEK, &m);

	return value ? (u64)m->ops->peek(m, value) : 0;
}

HELPER(map_lookup_percpu_elem)
{
	struct bpf_map *m;
	const void *key = map_key_arg(x, r1, r2, &m);
	u32 cpu = (u32)r3;

	if (!key || !map_supports(x, m, m->ops->lookup_percpu, "bpf_map_lookup_percpu_elem"))
		return 0;
	if (cpu >= (u32)num_possible_cpus())
		return 0;
	return (u64)(uintptr_t)m->ops->lookup_percpu(m, key, cpu);
}

/* ---- bpf_for_each_map_elem ---- */

struct each_state {
	struct exec_ctx *x;
	u32 start; /* callback's first instruction */
	u64 callback_ctx;
};

/* Examining a slot costs about two instructions' worth: a walk over a huge empty hash
 * map is work of the run too. */
#define WALK_SLOT_COST 2

/* Calls the program's callback(map, key, value, ctx); 1 stops the walk.  The key may
 * be a copy (an array's index) or lie outside the value region: it is granted
 * read-only for the call, as the kernel types it.  Without a key: the walk's tick. */
static long each_elem(struct bpf_map *map, void *key, void *value, void *arg)
{
	struct each_state *s = arg;
	struct exec_ctx *x = s->x;

	if (!key)
		return vm_charge(x, MAP_WALK_TICK * WALK_SLOT_COST) ? 0 : 1;
	if (!vm_grant(x, key, map->key_size, false)) {
		vm_fault(x, "bpf_for_each_map_elem: too many nested callbacks");
		return 1;
	}
	u64 ret = vm_call(x, x->prog, s->start, (u64)(uintptr_t)map, (u64)(uintptr_t)key,
			  (u64)(uintptr_t)value, s->callback_ctx, 0);
	vm_ungrant(x, key);
	return (x->fault || ret) ? 1 : 0;
}

HELPER(for_each_map_elem)
{
	struct bpf_map *m = vm_map_arg(x, r1);

	if (!m)
		return 0;
	s64 start = vm_func_arg(x, r2);
	if (start < 0 || !map_supports(x, m, m->ops->for_each, "bpf_for_each_map_elem"))
		return 0;
	if (r4)
		return (u64)-EINVAL;
	struct each_state s = { .x = x, .start = (u32)start, .callback_ctx = r3 };
	return (u64)m->ops->for_each(m, each_elem, &s);
}

/* ---- bpf_spin_lock ---- */

static bool is_lock_of(const struct bpf_map *m, u64 addr)
{
	s32 lock_off = map_field_off(m, FIELD_SPIN_LOCK);
	u64 value, off;

	return lock_off != FIELD_NONE && map_value_at(m, addr, &value, &off) &&
	       off == (u64)lock_off;
}

/* The lock word a program named: it must be the bpf_spin_lock field of a value of
 * one of the maps the run may use (the kernel's verifier proves the same): the
 * program's own (looked at directly: this is every bpf_spin_lock's path), then the
 * inner maps the run reached; or that of a live object of bpf_obj_new. */
static u32 *spin_lock_arg(struct exec_ctx *x, u64 addr)
{
	const struct bpf_prog *p = x->prog;
	u32 own = p ? p->nr_used_maps : 0;

	for (u32 i = 0; i < own; i++)
		if (is_lock_of(p->used_maps[i], addr))
			return (u32 *)(uintptr_t)addr;
	for (u32 i = own, n = vm_nr_maps(x); i < n; i++)
		if (is_lock_of(vm_map_nth(x, i), addr))
			return (u32 *)(uintptr_t)addr;
	if (objheap_field_at(addr, FIELD_SPIN_LOCK, NULL)) /* an object of bpf_obj_new's */
		return (u32 *)(uintptr_t)addr;
	vm_fault(x, "arg#0 expected pointer to a bpf_spin_lock in a map value");
	return NULL;
}

HELPER(spin_lock)
{
	u32 *lock = spin_lock_arg(x, r1);

	if (!lock)
		return 0;
	if (x->held_lock) {
		vm_fault(x, "Locking two bpf_spin_locks are not allowed");
		return 0;
	}
	spin_lock_word(lock);
	x->held_lock = lock;
	return 0;
}

HELPER(spin_unlock)
{
	u32 *lock = spin_lock_arg(x, r1);

	if (!lock)
		return 0;
	if (graph_callback_running()) {
		vm_fault(x, "bpf_spin_unlock inside a bpf_rbtree_add callback");
		return 0;
	}
	if (x->held_lock != lock) {
		vm_fault(x, "bpf_spin_unlock of a lock that is not held");
		return 0;
	}
	x->held_lock = NULL;
	spin_unlock_word(lock);
	return 0;
}
