/* Allocated objects (bpf_obj_new/bpf_obj_drop) and
 * the context casts, declared as the kernel's selftests declare them
 * (tools/testing/selftests/bpf/bpf_experimental.h).  Results go to res[n].  (clang 14
 * emits no BTF type tags, so kptr fields are tested with hand-made BTF: diff/kfunc_obj.c.) */
#include "helpers_common.h"
#include <bpf/bpf_core_read.h>

extern void *bpf_obj_new_impl(__u64 local_type_id, void *meta) __ksym;
extern void bpf_obj_drop_impl(void *kptr, void *meta) __ksym;
extern void *bpf_cast_to_kern_ctx(void *obj) __ksym;

#define bpf_obj_new(type) ((type *)bpf_obj_new_impl(bpf_core_type_id_local(type), NULL))
#define bpf_obj_drop(kptr) bpf_obj_drop_impl(kptr, NULL)

struct node {
	long key;
	int data[5];
	char tail;
};

struct big {
	char b[4088];
};

struct too_big {
	char b[4089];
};

struct locked {
	long a;
	struct bpf_spin_lock lock;
	long b;
};

/* New objects are the program's to read and write until dropped. */
SEC("tc")
int obj_basic(struct __sk_buff *skb)
{
	struct node *n = bpf_obj_new(typeof(*n));
	struct big *b;
	struct too_big *t;
	struct locked *l;

	if (!n)
		return 1;
	/* a new object's bytes are not zeroed in the kernel (bpf_mem_alloc reuses memory:
	 * measured), so what a run reads from one is written first */
	store(0, n != 0);
	n->key = 7;
	n->data[4] = 9;
	store(1, n->key * n->data[4]);
	bpf_obj_drop(n);

	b = bpf_obj_new(typeof(*b));
	store(2, b != 0);
	if (b) {
		b->b[4087] = 1;
		store(3, b->b[4087]);
		bpf_obj_drop(b);
	}
	t = bpf_obj_new(typeof(*t));
	store(4, t != 0);
	if (t)
		bpf_obj_drop(t);
	l = bpf_obj_new(typeof(*l));
	if (!l)
		return 2;
	l->a = 3;
	l->b = 4;
	bpf_spin_lock(&l->lock);
	l->a += 10;
	bpf_spin_unlock(&l->lock);
	store(5, l->a + l->b);
	bpf_obj_drop(l);
	n = bpf_obj_new(typeof(*n));
	if (!n)
		return 3;
	n->data[4] = 6;
	store(6, n->data[4]);
	bpf_obj_drop(n);
	return 0;
}

/* Many objects alive at once, then dropped. */
SEC("tc")
int obj_many(struct __sk_buff *skb)
{
	struct node *a = bpf_obj_new(typeof(*a)), *b = bpf_obj_new(typeof(*b));
	long same;

	if (!a || !b) {
		if (a)
			bpf_obj_drop(a);
		if (b)
			bpf_obj_drop(b);
		return 1;
	}
	a->key = 1;
	b->key = 2;
	same = a == b;
	store(0, a->key + 10 * b->key + 100 * same);
	bpf_obj_drop(b);
	bpf_obj_drop(a);
	return 0;
}

/* The kernel's sk_buff behind a tc program's context (CO-RE against the kernel's BTF). */
struct sk_buff {
	unsigned int len;
	unsigned int data_len;
	__u32 mark;
	__u32 priority;
	__u16 protocol;
} __attribute__((preserve_access_index));

struct xdp_buff {
	void *data;
	void *data_end;
	void *data_meta;
	__u32 frame_sz;
} __attribute__((preserve_access_index));

SEC("tc")
int cast_skb(struct __sk_buff *skb)
{
	struct sk_buff *k = bpf_cast_to_kern_ctx(skb);

	skb->mark = 77;
	skb->priority = 5;
	store(0, k->len);
	store(1, k->data_len);
	store(2, k->mark);
	store(3, k->priority);
	store(4, k->protocol);
	return 0;
}

SEC("xdp")
int cast_xdp(struct xdp_md *ctx)
{
	struct xdp_buff *k = bpf_cast_to_kern_ctx(ctx);

	store(0, (long)k->data_end - (long)k->data);
	store(1, (long)k->data - (long)k->data_meta);
	store(2, k->frame_sz);
	return 2;
}
