/* Lists and trees of objects, the kernel's graph kfuncs:
 *   bpf_list_push_front_impl / push_back_impl(head, node, meta, off),
 *   bpf_list_pop_front / pop_back(head);
 *   bpf_rbtree_add_impl(root, node, less, meta, off), bpf_rbtree_remove(root, node),
 *   bpf_rbtree_first(root).
 *
 * A list head or tree root is a special field of a map value (btf/fields.h), used only
 * while the run holds the value's bpf_spin_lock, as the kernel's verifier requires; these
 * kfuncs may be called with it held (KF_SPIN_OK).  The links live in the runtime-owned
 * bytes of the head or root and of each object's node, which programs can neither load
 * nor store:
 *   list head: first and last node addresses;
 *   list node: next and previous node addresses, and the head it is on (0: none);
 *   tree root: the top node's address;
 *   tree node: left, right and parent node addresses, and the root it is in (0: none).
 * The tree is a treap, not a red-black tree: the same order (the program's `less`; an
 * object added after equal ones goes after them) and expected logarithmic depth, with
 * each node's priority a hash of its address.  Adding or pushing gives the tree or list
 * an object the run owns; popping or removing gives it back to the run (which must drop
 * it or store it again); freeing or overwriting the value frees the objects it holds (the
 * field kinds' destructors, under the value's lock).
 *
 * Locking: a list or tree is read and written only under its value's bpf_spin_lock.  While
 * `less` runs (a callback of the run, holding the lock), the graph kfuncs and
 * bpf_spin_unlock refuse to run, so the tree cannot change under bpf_rbtree_add.
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

static __thread bool in_less; /* a bpf_rbtree_add callback runs on this thread */

bool graph_callback_running(void)
{
	return in_less;
}

/* The head or root (kind) at addr, a field of a value of a map the run may use, whose
 * bpf_spin_lock the run holds; NULL with a fault. */
static void *graph_arg(struct exec_ctx *x, u64 addr, enum field_kind kind, const char *fn)
{
	const char *type = field_kinds[kind].btf_name;

	if (in_less) {
		vm_fault(x, "%s: called from a bpf_rbtree_add callback", fn);
		return NULL;
	}
	for (u32 i = 0, n = vm_nr_maps(x); i < n; i++) {
		const struct bpf_map *map = vm_map_nth(x, i);
		u64 value, off;
		if (!map_value_at(map, addr, &value, &off))
			continue;
		s32 head_off = map_field_off(map, kind);
		s32 lock_off = map_field_off(map, FIELD_SPIN_LOCK);
		if (head_off == FIELD_NONE || off != (u64)head_off)
			break;
		if (lock_off == FIELD_NONE ||
		    x->held_lock != (void *)(uintptr_t)(value + lock_off)) {
			vm_fault(x, "bpf_spin_lock at off=%d must be held for %s", lock_off, type);
			return NULL;
		}
		return (void *)(uintptr_t)addr;
	}
	vm_fault(x, "%s: R1 is not a %s of a map value", fn, type);
	return NULL;
}

static struct list_head_rt *head_arg(struct exec_ctx *x, u64 addr, const char *fn)
{
	return graph_arg(x, addr, FIELD_LIST_HEAD, fn);
}

/* The lock word of the value holding field (of kind) in map, or NULL when it has none. */
static u32 *value_lock(const struct bpf_map *map, void *field, enum field_kind kind)
{
	s32 lock_off = map_field_off(map, FIELD_SPIN_LOCK);

	return lock_off == FIELD_NONE ?
		       NULL :
		       (u32 *)((char *)field - map_field_off(map, kind) + lock_off);
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
	struct list_head_rt *h = field;
	u32 *lock = value_lock(owner, field, FIELD_LIST_HEAD);

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

/* ---- trees ---- */

struct rb_root_rt {
	u64 top, unused;
};
struct rb_node_rt {
	u64 left, right, parent, root;
};
_Static_assert(sizeof(struct rb_root_rt) == 16, "bpf_rb_root is 16 bytes");
_Static_assert(sizeof(struct rb_node_rt) == 32, "bpf_rb_node is 32 bytes");

static struct rb_node_rt *rb(u64 addr)
{
	return (struct rb_node_rt *)(uintptr_t)addr;
}

static u64 prio(u64 node)
{
	return (node >> 3) * 0x9e3779b97f4a7c15ull;
}

/* Makes parent's link to old (the root's when parent is 0) point at to. */
static void replace_child(struct rb_root_rt *r, u64 parent, u64 old, u64 to)
{
	if (!parent)
		r->top = to;
	else if (rb(parent)->left == old)
		rb(parent)->left = to;
	else
		rb(parent)->right = to;
}

/* Rotates node above its parent, keeping the in-order sequence. */
static void rotate_up(struct rb_root_rt *r, u64 node)
{
	struct rb_node_rt *n = rb(node);
	u64 p = n->parent, g = rb(p)->parent;

	if (rb(p)->left == node) {
		rb(p)->left = n->right;
		if (n->right)
			rb(n->right)->parent = p;
		n->right = p;
	} else {
		rb(p)->right = n->left;
		if (n->left)
			rb(n->left)->parent = p;
		n->left = p;
	}
	rb(p)->parent = node;
	n->parent = g;
	replace_child(r, g, p, node);
}

u64 kfunc_bpf_rbtree_add_impl(struct exec_ctx *x, u64 root, u64 node, u64 less, u64 meta, u64 off)
{
	static const char fn[] = "bpf_rbtree_add_impl";
	struct rb_root_rt *r = graph_arg(x, root, FIELD_RB_ROOT, fn);
	void *obj = r ? objheap_field_at(node, FIELD_RB_NODE, x) : NULL;
	s64 start = obj ? vm_func_arg(x, less) : -1;
	u64 parent = 0, cur = r ? r->top : 0;
	bool left = false;

	if (r && !obj)
		vm_fault(x, "%s: R2 is not the bpf_rb_node of an object this run owns", fn);
	if (start < 0)
		return 0;
	in_less = true; /* the path first: the tree does not change while less runs */
	for (; cur && !x->fault; cur = left ? rb(cur)->left : rb(cur)->right) {
		parent = cur;
		left = (u8)vm_call(x, x->prog, (u32)start, node, cur, 0, 0, 0);
	}
	in_less = false;
	if (x->fault || !objheap_give(x, (u64)(uintptr_t)obj, fn))
		return 0;
	*rb(node) = (struct rb_node_rt){ .parent = parent, .root = root };
	if (!parent)
		r->top = node;
	else if (left)
		rb(parent)->left = node;
	else
		rb(parent)->right = node;
	while (rb(node)->parent && prio(node) > prio(rb(node)->parent))
		rotate_up(r, node);
	return 0;
}

u64 kfunc_bpf_rbtree_first(struct exec_ctx *x, u64 root, u64 r2, u64 r3, u64 r4, u64 r5)
{
	struct rb_root_rt *r = graph_arg(x, root, FIELD_RB_ROOT, "bpf_rbtree_first");
	u64 cur = r ? r->top : 0;

	while (cur && rb(cur)->left)
		cur = rb(cur)->left;
	return cur;
}

/* Takes node out of its tree (NULL when it is not in this one) and gives its object to
 * the run. */
u64 kfunc_bpf_rbtree_remove(struct exec_ctx *x, u64 root, u64 node, u64 r3, u64 r4, u64 r5)
{
	struct rb_root_rt *r = graph_arg(x, root, FIELD_RB_ROOT, "bpf_rbtree_remove");
	void *obj = r ? objheap_field_at(node, FIELD_RB_NODE, NULL) : NULL;

	if (!obj || rb(node)->root != root)
		return 0;
	for (struct rb_node_rt *n = rb(node); n->left || n->right;) { /* down to a leaf */
		u64 child = !n->left                       ? n->right :
			    !n->right                      ? n->left :
			    prio(n->left) > prio(n->right) ? n->left :
							     n->right;
		rotate_up(r, child);
	}
	replace_child(r, rb(node)->parent, node, 0);
	*rb(node) = (struct rb_node_rt){ 0 };
	objheap_take(x, obj);
	return node;
}

/* A map value's tree root is freed or overwritten: the tree is taken off it under the
 * value's lock, then its objects are freed, leaves first. */
static void tree_destroy(void *owner, void *field)
{
	struct rb_root_rt *r = field;
	u32 *lock = value_lock(owner, field, FIELD_RB_ROOT);

	if (lock)
		spin_lock_word(lock);
	struct rb_root_rt detached = { r->top, 0 }; /* walked without the lock, as our own */
	r->top = 0;
	if (lock)
		spin_unlock_word(lock);
	for (u64 cur = detached.top; cur;) {
		struct rb_node_rt *n = rb(cur);
		if (n->left || n->right) {
			cur = n->left ? n->left : n->right;
			continue;
		}
		u64 parent = n->parent;
		replace_child(&detached, parent, cur, 0);
		*n = (struct rb_node_rt){ 0 };
		objheap_free(objheap_field_at(cur, FIELD_RB_NODE, NULL));
		cur = parent;
	}
}

__attribute__((constructor)) static void register_graph(void)
{
	field_kind_register(FIELD_LIST_HEAD, &(struct field_kind_ops){ .destroy = list_destroy });
	field_kind_register(FIELD_RB_ROOT, &(struct field_kind_ops){ .destroy = tree_destroy });
}
