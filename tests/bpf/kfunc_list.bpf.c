/* Linked lists of allocated objects (the kernel's graph kfuncs) under a map value's
 * bpf_spin_lock, declared as the kernel's selftests declare them (bpf_experimental.h):
 * each run pushes or pops one object (tests/diff/kfunc_list.c). */
#include <stdbool.h>
#include "helpers_common.h"
#include <bpf/bpf_core_read.h>

struct bpf_list_head {
	__u64 __opaque[2];
} __attribute__((aligned(8)));

struct bpf_list_node {
	__u64 __opaque[3];
} __attribute__((aligned(8)));

extern void *bpf_obj_new_impl(__u64 local_type_id, void *meta) __ksym;
extern void bpf_obj_drop_impl(void *kptr, void *meta) __ksym;
extern int bpf_list_push_front_impl(struct bpf_list_head *head, struct bpf_list_node *node,
				    void *meta, __u64 off) __ksym;
extern int bpf_list_push_back_impl(struct bpf_list_head *head, struct bpf_list_node *node,
				   void *meta, __u64 off) __ksym;
extern struct bpf_list_node *bpf_list_pop_front(struct bpf_list_head *head) __ksym;
extern struct bpf_list_node *bpf_list_pop_back(struct bpf_list_head *head) __ksym;

#define bpf_obj_new(type) ((type *)bpf_obj_new_impl(bpf_core_type_id_local(type), NULL))
#define bpf_obj_drop(kptr) bpf_obj_drop_impl(kptr, NULL)
#define __contains(name, node) __attribute__((btf_decl_tag("contains:" #name ":" #node)))

struct elem {
	long key;
	struct bpf_list_node node;
	long data;
};

struct value {
	struct bpf_spin_lock lock;
	struct bpf_list_head head __contains(elem, node);
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, struct value);
} lists SEC(".maps");

static __always_inline struct value *list_of(struct __sk_buff *skb)
{
	__u32 k = skb->mark;

	return bpf_map_lookup_elem(&lists, &k);
}

static __always_inline int push(struct __sk_buff *skb, bool front)
{
	struct value *v = list_of(skb);
	struct elem *e;

	if (!v)
		return -1;
	e = bpf_obj_new(typeof(*e));
	if (!e)
		return -2;
	e->key = skb->len;
	e->data = skb->len * 2;
	bpf_spin_lock(&v->lock);
	if (front)
		bpf_list_push_front_impl(&v->head, &e->node, NULL, 0);
	else
		bpf_list_push_back_impl(&v->head, &e->node, NULL, 0);
	bpf_spin_unlock(&v->lock);
	return 0;
}

static __always_inline int pop(struct __sk_buff *skb, bool front)
{
	struct value *v = list_of(skb);
	struct bpf_list_node *n;
	struct elem *e;
	long key;

	if (!v)
		return -1;
	bpf_spin_lock(&v->lock);
	n = front ? bpf_list_pop_front(&v->head) : bpf_list_pop_back(&v->head);
	bpf_spin_unlock(&v->lock);
	if (!n)
		return 0;
	e = container_of(n, struct elem, node);
	key = e->key + 1000 * (e->data == 2 * e->key);
	bpf_obj_drop(e);
	return key;
}

SEC("tc")
int push_front(struct __sk_buff *skb)
{
	return push(skb, true);
}

SEC("tc")
int push_back(struct __sk_buff *skb)
{
	return push(skb, false);
}

SEC("tc")
int pop_front(struct __sk_buff *skb)
{
	return pop(skb, true);
}

SEC("tc")
int pop_back(struct __sk_buff *skb)
{
	return pop(skb, false);
}
