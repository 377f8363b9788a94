/* Linked lists of objects, the kernel's graph kfuncs for bpf_list_head:
 * bpf_list_push_front_impl / push_back_impl(head, node, meta, off) and
 * bpf_list_pop_front / pop_back(head).
 *
 * A list head is a special field of a map value (btf/fields.h), used only while the run
 * holds the value's bpf_spin_lock, as the kernel's verifier requires; these kfuncs may be
 * called with it held (KF_SPIN_OK).  The list's links live in the runtime-owned bytes of
 * the head and of each object's bpf_list_node, which programs can neither load nor store:
 *   head: first and last node addresses;
 *   node: next and previous node addresses, and the head it is on (0: none).
 * Pushing gives the list an object the run owns; popping gives the run the object back
 * (it must drop it or store it again); freeing or overwriting the value frees the objects
 * its list holds (the field kind's destructor, under the value's lock).
 *
 * Locking: a list is read and written only under its value's bpf_spin_lock.
 */
#include "internal.h"
#include "kfunc.h"
#include "objheap.h"
#include "../lib/spinlock.h"

struct list_head_rt {
	u64 first, last;
};
struct list_node_rt {
	u64 next, prev, head;
};
_Static_assert(sizeof(struct list_head_rt) == 16, "bpf_list_head is 16 bytes");
_Static_assert(sizeof(struct list_node_rt) == 24, "bpf_list_node is 24 bytes");

static struct list_node_rt *node_at(u64 addr)
{
	return (struct list_node_rt *)(uintptr_t)addr;
}

/* The list head at addr, a bpf_list_head of a value of a map the run may use, whose
 * bpf_spin_lock the run holds; NULL with a fault. */
static struct list_head_rt *head_arg(struct exec_ctx *x, u64 addr, const char *fn)
{
	for (u32 i = 0, n = vm_nr_maps(x); i < n; i++) {
		const struct bpf_map *map = vm_map_nth(x, i);
		u64 value, off;
		if (!map_value_at(map, addr, &value, &off))
			continue;
		s32 head_off = map_field_off(map, FIELD_LIST_HEAD);
		s32 lock_off = map_field_off(map, FIELD_SPIN_LOCK);
		if (head_off == FIELD_NONE || off != (u64)head_off)
			break;
		if (lock_off == FIELD_NONE ||
		    x->held_lock != (void *)(uintptr_t)(value + lock_off)) {
			vm_fault(x, "bpf_spin_lock at off=%d must be held for bpf_list_head",
				 lock_off);
			return NULL;
		}
		return (struct list_head_rt *)(uintptr_t)addr;
	}
	vm_fault(x, "%s: R1 is not a bpf_list_head of a map value", fn);
	return NULL;
}

static u64 push(struct exec_ctx *x, u64 head, u64 node, bool front, const char *fn)
{
	struct list_head_rt *h = head_arg(x, head, fn);

	if (!h)
		return 0;
	void *obj = objheap_field_at(node, FIELD_LIST_NODE, x);
	if (!obj || !objheap_give(x, (u64)(uintptr_t)obj, fn)) {
		vm_fault(x, "%s: R2 is not the bpf_list_node of an object this run owns", fn);
		return 0;
	}
	struct list_node_rt *n = node_at(node);
	n->head = head;
	n->next = front ? h->first : 0;
	n->prev = front ? 0 : h->last;
	if (front) {
		if (h->first)
			node_at(h->first)->prev = node;
		else
			h->last = node;
		h->first = node;
	} else {
		if (h->last)
			node_at(h->last)->next = node;
		else
			h->first = node;
		h->last = node;
	}
	return 0;
}

/* Unlinks node from h; the object it is in goes back to whoever takes it. */
static void unlink_node(struct list_head_rt *h, u64 node)
{
	struct list_node_rt *n = node_at(node);

	if (n->prev)
		node_at(n->prev)->next = n->next;
	else
		h->first = n->next;
	if (n->next)
		node_at(n->next)->prev = n->prev;
	else
		h->last = n->prev;
	*n = (struct list_node_rt){ 0 };
}

static u64 pop(struct exec_ctx *x, u64 head, bool front, const char *fn)
{
	struct list_head_rt *h = head_arg(x, head, fn);
	u64 node = h ? (front ? h->first : h->last) : 0;

	if (!node)
		return 0;
	unlink_node(h, node);
	objheap_take(x, objheap_field_at(node, FIELD_LIST_NODE, NULL));
	return node;
}

u64 kfunc_bpf_list_push_front_impl(struct exec_ctx *x, u64 head, u64 node, u64 meta, u64 off,
				   u64 r5)
{
	return push(x, head, node, true, "bpf_list_push_front_impl");
}

u64 kfunc_bpf_list_push_back_impl(struct exec_ctx *x, u64 head, u64 node, u64 meta, u64 off, u64 r5)
{
	return push(x, head, node, false, "bpf_list_push_back_impl");
}

u64 kfunc_bpf_list_pop_front(struct exec_ctx *x, u64 head, u64 r2, u64 r3, u64 r4, u64 r5)
{
	return pop(x, head, true, "bpf_list_pop_front");
}

u64 kfunc_bpf_list_pop_back(struct exec_ctx *x, u64 head, u64 r2, u64 r3, u64 r4, u64 r5)
{
	return pop(x, head, false, "bpf_list_pop_back");
}

/* A map value's list head is freed or overwritten: the list is taken off it under the
 * value's lock, then its objects are freed. */
static void list_destroy(void *owner, void *field)
{
	const struct bpf_map *map = owner;
	struct list_head_rt *h = field;
	s32 lock_off = map_field_off(map, FIELD_SPIN_LOCK);
	u32 *lock = lock_off == FIELD_NONE ?
			    NULL :
			    (u32 *)((char *)field - map_field_off(map, FIELD_LIST_HEAD) + lock_off);

	if (lock)
		spin_lock_word(lock);
	u64 node = h->first;
	*h = (struct list_head_rt){ 0 };
	if (lock)
		spin_unlock_word(lock);
	while (node) {
		struct list_node_rt *n = node_at(node);
		u64 next = n->next;
		*n = (struct list_node_rt){ 0 };
		objheap_free(objheap_field_at(node, FIELD_LIST_NODE, NULL));
		node = next;
	}
}

__attribute__((constructor)) static void register_list(void)
{
	field_kind_register(FIELD_LIST_HEAD, &(struct field_kind_ops){ .destroy = list_destroy });
}
