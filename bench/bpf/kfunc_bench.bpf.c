/* Programs for bench/kfunc_bench.c: 64 bpf_obj_new + bpf_obj_drop pairs per run (small and
 * page-sized objects), 64 kernel-context casts and reads, and an empty run to subtract. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

char LICENSE[] SEC("license") = "GPL";

#define PAIRS 64

extern void *bpf_obj_new_impl(__u64 local_type_id, void *meta) __ksym;
extern void bpf_obj_drop_impl(void *kptr, void *meta) __ksym;
extern void *bpf_cast_to_kern_ctx(void *obj) __ksym;

#define bpf_obj_new(type) ((type *)bpf_obj_new_impl(bpf_core_type_id_local(type), NULL))
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
