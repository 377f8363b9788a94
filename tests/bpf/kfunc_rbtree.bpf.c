/* Red-black trees of allocated objects (the kernel's graph kfuncs) under a map value's
 * bpf_spin_lock, declared as the kernel's selftests declare them (bpf_experimental.h):
 * each run adds one object (key from skb->mark, sequence from the packet length) or looks
 * at or removes the first (tests/diff/kfunc_rbtree.c). */
#include <stdbool.h>
#include "helpers_common.h"
#include <bpf/bpf_core_read.h>

struct bpf_rb_root {
	__u64 __opaque[2];
} __attribute__((aligned(8)));

struct bpf_rb_node {
	__u64 __opaque[4];
} __attribute__((aligned(8)));

extern void *bpf_obj_new_impl(__u64 local_type_id, void *meta) __ksym;
extern void bpf_obj_drop_impl(void *kptr, void *meta) __ksym;
extern int bpf_rbtree_add_impl(struct bpf_rb_root *root, struct bpf_rb_node *node,
			       bool(less)(struct bpf_rb_node *a, const struct bpf_rb_node *b),
			       void *meta, __u64 off) __ksym;
extern struct bpf_rb_node *bpf_rbtree_remove(struct bpf_rb_root *root,
					     struct bpf_rb_node *node) __ksym;
extern struct bpf_rb_node *bpf_rbtree_first(struct bpf_rb_root *root) __ksym;

#define bpf_obj_new(type) ((type *)bpf_obj_new_impl(bpf_core_type_id_local(type), NULL))
#define bpf_obj_drop(kptr) bpf_obj_drop_impl(kptr, NULL)
#define __contains(name, node) __attribute__((btf_decl_tag("contains:" #name ":" #node)))

struct elem {
	long key;
	struct bpf_rb_node node;
	long seq;
};

struct value {
	struct bpf_spin_lock lock;
	struct bpf_rb_root root __contains(elem, node);
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct value);
} trees SEC(".maps");

static bool less(struct bpf_rb_node *a, const struct bpf_rb_node *b)
{
	struct elem *ea = container_of(a, struct elem, node);
	struct elem *eb = container_of(b, struct elem, node);

	return ea->key < eb->key;
}

static __always_inline struct value *the_tree(void)
{
	__u32 k = 0;

	return bpf_map_lookup_elem(&trees, &k);
}

SEC("tc")
int add(struct __sk_buff *skb)
{
	struct value *v = the_tree();
	struct elem *e;

	if (!v)
		return -1;
	e = bpf_obj_new(typeof(*e));
	if (!e)
		return -2;
	e->key = skb->mark;
	e->seq = skb->len;
	bpf_spin_lock(&v->lock);
	bpf_rbtree_add_impl(&v->root, &e->node, less, NULL, 0);
	bpf_spin_unlock(&v->lock);
	return 0;
}

SEC("tc")
int peek_first(struct __sk_buff *skb)
{
	struct value *v = the_tree();
	struct bpf_rb_node *n;
	long key = -1;

	if (!v)
		return -2;
	bpf_spin_lock(&v->lock);
	n = bpf_rbtree_first(&v->root);
	if (n)
		key = container_of(n, struct elem, node)->key;
	bpf_spin_unlock(&v->lock);
	return key;
}

/* Removes the first: returns key * 1000 + seq, 0 when empty. */
SEC("tc")
int pop_first(struct __sk_buff *skb)
{
	struct value *v = the_tree();
	struct bpf_rb_node *n;
	struct elem *e;
	long ret;

	if (!v)
		return -2;
	bpf_spin_lock(&v->lock);
	n = bpf_rbtree_first(&v->root);
	if (!n) {
		bpf_spin_unlock(&v->lock);
		return 0;
	}
	n = bpf_rbtree_remove(&v->root, n);
	bpf_spin_unlock(&v->lock);
	if (!n)
		return -3;
	e = container_of(n, struct elem, node);
	ret = e->key * 1000 + e->seq;
	bpf_obj_drop(e);
	return ret;
}

/* Adds an object and takes it out again through the pointer kept to it (the kernel's
 * non-owning reference, valid until the unlock): returns its key. */
SEC("tc")
int add_remove(struct __sk_buff *skb)
{
	struct value *v = the_tree();
	struct bpf_rb_node *n;
	struct elem *e;
	long key;

	if (!v)
		return -1;
	e = bpf_obj_new(typeof(*e));
	if (!e)
		return -2;
	e->key = skb->mark;
	e->seq = skb->len;
	bpf_spin_lock(&v->lock);
	bpf_rbtree_add_impl(&v->root, &e->node, less, NULL, 0);
	n = bpf_rbtree_remove(&v->root, &e->node);
	bpf_spin_unlock(&v->lock);
	if (!n)
		return -3;
	e = container_of(n, struct elem, node);
	key = e->key;
	bpf_obj_drop(e);
	return key;
}
