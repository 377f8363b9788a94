/* Programs for bench/kfunc_bench.c: 64 bpf_obj_new + bpf_obj_drop pairs per run (small and
 * page-sized objects), 64 kernel-context casts and reads, 64 objects pushed on a list and
 * popped, 64 added to a tree and removed first to last (each with its allocation and
 * drop), and an empty run to subtract. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

char LICENSE[] SEC("license") = "GPL";

#define PAIRS 64

extern void *bpf_obj_new_impl(__u64 local_type_id, void *meta) __ksym;
extern void bpf_obj_drop_impl(void *kptr, void *meta) __ksym;
extern void *bpf_cast_to_kern_ctx(void *obj) __ksym;

struct bpf_list_head {
	__u64 __opaque[2];
} __attribute__((aligned(8)));

struct bpf_list_node {
	__u64 __opaque[3];
} __attribute__((aligned(8)));

struct bpf_rb_root {
	__u64 __opaque[2];
} __attribute__((aligned(8)));

struct bpf_rb_node {
	__u64 __opaque[4];
} __attribute__((aligned(8)));

extern int bpf_list_push_front_impl(struct bpf_list_head *head, struct bpf_list_node *node,
				    void *meta, __u64 off) __ksym;
extern struct bpf_list_node *bpf_list_pop_back(struct bpf_list_head *head) __ksym;
extern int bpf_rbtree_add_impl(struct bpf_rb_root *root, struct bpf_rb_node *node,
			       _Bool(less)(struct bpf_rb_node *a, const struct bpf_rb_node *b),
			       void *meta, __u64 off) __ksym;
extern struct bpf_rb_node *bpf_rbtree_remove(struct bpf_rb_root *root,
					     struct bpf_rb_node *node) __ksym;
extern struct bpf_rb_node *bpf_rbtree_first(struct bpf_rb_root *root) __ksym;

#define bpf_obj_new(type) ((type *)bpf_obj_new_impl(bpf_core_type_id_local(type), NULL))
#define __contains(name, node) __attribute__((btf_decl_tag("contains:" #name ":" #node)))
#define bpf_obj_drop(kptr) bpf_obj_drop_impl(kptr, NULL)

struct small {
	long key, val;
};

struct page_sized {
	long key;
	char rest[4000];
};

struct sk_buff {
	unsigned int len;
} __attribute__((preserve_access_index));

SEC("tc")
int empty(struct __sk_buff *skb)
{
	return 0;
}

SEC("tc")
int new_drop_small(struct __sk_buff *skb)
{
	for (int i = 0; i < PAIRS; i++) {
		struct small *s = bpf_obj_new(typeof(*s));
		if (!s)
			return 1;
		s->key = i;
		bpf_obj_drop(s);
	}
	return 0;
}

SEC("tc")
int new_drop_page(struct __sk_buff *skb)
{
	for (int i = 0; i < PAIRS; i++) {
		struct page_sized *s = bpf_obj_new(typeof(*s));
		if (!s)
			return 1;
		s->key = i;
		bpf_obj_drop(s);
	}
	return 0;
}

SEC("tc")
int cast_read(struct __sk_buff *skb)
{
	unsigned int sum = 0;

	for (int i = 0; i < PAIRS; i++) {
		struct sk_buff *k = bpf_cast_to_kern_ctx(skb);
		sum += k->len;
	}
	return sum == PAIRS * 64 ? 0 : 1;
}

struct lnode {
	long key;
	struct bpf_list_node node;
};

struct tnode {
	long key;
	struct bpf_rb_node node;
};

struct value {
	struct bpf_spin_lock lock;
	struct bpf_list_head head __contains(lnode, node);
};

struct tvalue {
	struct bpf_spin_lock lock;
	struct bpf_rb_root root __contains(tnode, node);
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct value);
} lists SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct tvalue);
} trees SEC(".maps");

SEC("tc")
int list_push_pop(struct __sk_buff *skb)
{
	__u32 k = 0;
	struct value *v = bpf_map_lookup_elem(&lists, &k);

	if (!v)
		return 1;
	for (int i = 0; i < PAIRS; i++) {
		struct lnode *e = bpf_obj_new(typeof(*e));
		struct bpf_list_node *n;
		if (!e)
			return 1;
		e->key = i;
		bpf_spin_lock(&v->lock);
		bpf_list_push_front_impl(&v->head, &e->node, NULL, 0);
		n = bpf_list_pop_back(&v->head);
		bpf_spin_unlock(&v->lock);
		if (n)
			bpf_obj_drop(container_of(n, struct lnode, node));
	}
	return 0;
}

static _Bool less(struct bpf_rb_node *a, const struct bpf_rb_node *b)
{
	return container_of(a, struct tnode, node)->key < container_of(b, struct tnode, node)->key;
}

/* 64 objects with random keys added to a tree, then the first removed 64 times. */
SEC("tc")
int rbtree_add_remove(struct __sk_buff *skb)
{
	__u32 k = 0;
	struct tvalue *v = bpf_map_lookup_elem(&trees, &k);

	if (!v)
		return 1;
	for (int i = 0; i < PAIRS; i++) {
		struct tnode *e = bpf_obj_new(typeof(*e));
		if (!e)
			return 1;
		e->key = bpf_get_prandom_u32();
		bpf_spin_lock(&v->lock);
		bpf_rbtree_add_impl(&v->root, &e->node, less, NULL, 0);
		bpf_spin_unlock(&v->lock);
	}
	for (int i = 0; i < PAIRS; i++) {
		struct bpf_rb_node *n;
		bpf_spin_lock(&v->lock);
		n = bpf_rbtree_first(&v->root);
		if (n)
			n = bpf_rbtree_remove(&v->root, n);
		bpf_spin_unlock(&v->lock);
		if (!n)
			return 2;
		bpf_obj_drop(container_of(n, struct tnode, node));
	}
	return 0;
}
