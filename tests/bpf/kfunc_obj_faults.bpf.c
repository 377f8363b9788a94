/* Programs the kernel's verifier refuses for what they do with allocated objects, run
 * under bpfrun (whose verifier gives up on kfunc calls) to show that the run-time checks
 * hold (tests/linked/kfunc_obj_faults.c): each faults, or, for `exhaust`, meets the cap,
 * or, for `list_fill`, fills a list that the map's end frees. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

char LICENSE[] SEC("license") = "GPL";

extern void *bpf_obj_new_impl(__u64 local_type_id, void *meta) __ksym;
extern void bpf_obj_drop_impl(void *kptr, void *meta) __ksym;

struct bpf_list_head;
struct bpf_list_node;
struct bpf_rb_root;
struct bpf_rb_node;
extern int bpf_rbtree_add_impl(struct bpf_rb_root *root, struct bpf_rb_node *node,
			       _Bool(less)(struct bpf_rb_node *a, const struct bpf_rb_node *b),
			       void *meta, __u64 off) __ksym;
extern int bpf_list_push_front_impl(struct bpf_list_head *head, struct bpf_list_node *node,
				    void *meta, __u64 off) __ksym;

#define bpf_obj_new(type) ((type *)bpf_obj_new_impl(bpf_core_type_id_local(type), NULL))
#define bpf_list_push_front(head, node) bpf_list_push_front_impl(head, node, NULL, 0)
#define __contains(name, node) __attribute__((btf_decl_tag("contains:" #name ":" #node)))
#define bpf_obj_drop(kptr) bpf_obj_drop_impl(kptr, NULL)

struct node {
	long key;
	int data[5];
	char tail;
};

struct locked {
	long a;
	struct bpf_spin_lock lock;
	long b;
};

struct chain {
	__u64 next;
	char pad[4000];
};

struct bpf_list_head {
	__u64 __opaque[2];
} __attribute__((aligned(8)));

struct bpf_list_node {
	__u64 __opaque[3];
} __attribute__((aligned(8)));

struct item {
	struct bpf_list_node node;
	char pad[3992];
};

struct value {
	struct bpf_spin_lock lock;
	struct bpf_list_head head __contains(item, node);
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct value);
} lists SEC(".maps");

static __always_inline struct value *the_list(void)
{
	__u32 k = 0;

	return bpf_map_lookup_elem(&lists, &k);
}

/* Pushing without the list's lock. */
SEC("tc")
int list_no_lock(struct __sk_buff *skb)
{
	struct value *v = the_list();
	struct item *e;

	if (!v)
		return 1;
	e = bpf_obj_new(typeof(*e));
	if (!e)
		return 1;
	bpf_list_push_front(&v->head, &e->node);
	return 0;
}

/* The node's bytes are the runtime's. */
SEC("tc")
int list_node_bytes(struct __sk_buff *skb)
{
	struct item *e = bpf_obj_new(typeof(*e));
	long v;

	if (!e)
		return 1;
	v = *(volatile long *)&e->node;
	bpf_obj_drop(e);
	return v;
}

/* The object belongs to the list once pushed. */
SEC("tc")
int list_push_twice(struct __sk_buff *skb)
{
	struct value *v = the_list();
	struct item *e;

	if (!v)
		return 1;
	e = bpf_obj_new(typeof(*e));
	if (!e)
		return 1;
	bpf_spin_lock(&v->lock);
	bpf_list_push_front(&v->head, &e->node);
	bpf_list_push_front(&v->head, &e->node);
	bpf_spin_unlock(&v->lock);
	return 0;
}

/* Fills the list with 1000 page-sized objects: the map's end frees them. */
SEC("tc")
int list_fill(struct __sk_buff *skb)
{
	struct value *v = the_list();
	int n = 0;

	if (!v)
		return 0;
	for (int i = 0; i < 1000; i++) {
		struct item *e = bpf_obj_new(typeof(*e));
		if (!e)
			break;
		bpf_spin_lock(&v->lock);
		bpf_list_push_front(&v->head, &e->node);
		bpf_spin_unlock(&v->lock);
		n++;
	}
	return n;
}

/* Ends owning an object: "Unreleased reference" in the kernel. */
SEC("tc")
int leak(struct __sk_buff *skb)
{
	struct node *n = bpf_obj_new(typeof(*n));

	if (!n)
		return 1;
	n->key = 1;
	return 0;
}

SEC("tc")
int use_after_drop(struct __sk_buff *skb)
{
	struct node *n = bpf_obj_new(typeof(*n));

	if (!n)
		return 1;
	bpf_obj_drop(n);
	return *(volatile long *)&n->key;
}

SEC("tc")
int double_drop(struct __sk_buff *skb)
{
	struct node *n = bpf_obj_new(typeof(*n));

	if (!n)
		return 1;
	bpf_obj_drop(n);
	bpf_obj_drop(n);
	return 0;
}

/* The bpf_spin_lock inside an object is the runtime's. */
SEC("tc")
int lock_bytes(struct __sk_buff *skb)
{
	struct locked *l = bpf_obj_new(typeof(*l));
	int v;

	if (!l)
		return 1;
	v = *(volatile int *)&l->lock;
	bpf_obj_drop(l);
	return v;
}

/* One byte past the object (inside its slot's padding). */
SEC("tc")
int past_end(struct __sk_buff *skb)
{
	struct node *n = bpf_obj_new(typeof(*n));
	char v;

	if (!n)
		return 1;
	v = *((volatile char *)n + sizeof(*n));
	bpf_obj_drop(n);
	return v;
}

/* Dropping what no bpf_obj_new returned. */
SEC("tc")
int drop_stack(struct __sk_buff *skb)
{
	long x = 0;

	bpf_obj_drop(&x);
	return 0;
}

/* Allocates until NULL, chaining the objects through a plain field, then drops them:
 * returns how many it had at once. */
SEC("tc")
int exhaust(struct __sk_buff *skb)
{
	struct chain *head = 0, *c;
	int n = 0;

	for (int i = 0; i < 100000; i++) {
		c = bpf_obj_new(typeof(*c));
		if (!c)
			break;
		c->next = (__u64)head;
		head = c;
		n++;
	}
	for (int i = 0; i < 100000 && head; i++) {
		c = (struct chain *)head->next;
		bpf_obj_drop(head);
		head = c;
	}
	return n;
}

SEC("tc")
int works(struct __sk_buff *skb)
{
	struct chain *c = bpf_obj_new(typeof(*c));

	if (!c)
		return 1;
	c->pad[3999] = 5;
	bpf_obj_drop(c);
	return 0;
}

struct bpf_rb_root {
	__u64 __opaque[2];
} __attribute__((aligned(8)));

struct bpf_rb_node {
	__u64 __opaque[4];
} __attribute__((aligned(8)));

struct tnode {
	long key;
	struct bpf_rb_node node;
};

struct tvalue {
	struct bpf_spin_lock lock;
	struct bpf_rb_root root __contains(tnode, node);
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct tvalue);
} trees SEC(".maps");

/* A less callback that lets go of the tree's lock, found through a global (no helper
 * call: those fault under a lock anyway). */
__u64 tree_lock;

static _Bool unlocking_less(struct bpf_rb_node *a, const struct bpf_rb_node *b)
{
	bpf_spin_unlock((struct bpf_spin_lock *)tree_lock);
	return 0;
}

/* Adds two objects with unlocking_less: the second add's callback faults. */
SEC("tc")
int rb_unlock_in_less(struct __sk_buff *skb)
{
	__u32 k = 0;
	struct tvalue *v = bpf_map_lookup_elem(&trees, &k);

	for (int i = 0; v && i < 2; i++) {
		struct tnode *n = bpf_obj_new(typeof(*n));
		if (!n)
			return 1;
		tree_lock = (__u64)&v->lock;
		bpf_spin_lock(&v->lock);
		bpf_rbtree_add_impl(&v->root, &n->node, unlocking_less, NULL, 0);
		bpf_spin_unlock(&v->lock);
	}
	return 0;
}
