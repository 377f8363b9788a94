/* Generic kfuncs called as libbpf resolves them: extern __ksym declarations, relocated to
 * the kernel BTF's ids.  Results go to res[n] (helpers_common.h). */
#include "helpers_common.h"

extern void bpf_rcu_read_lock(void) __ksym;
extern void bpf_rcu_read_unlock(void) __ksym;

/* Two read sections around map lookups (the verifier refuses nesting them). */
SEC("tc")
int rcu(struct __sk_buff *skb)
{
	bpf_rcu_read_lock();
	store(0, 1);
	bpf_rcu_read_unlock();
	bpf_rcu_read_lock();
	store(1, skb->len);
	bpf_rcu_read_unlock();
	return 2;
}

/* ---- open-coded iterators (bpf_for as libbpf 1.2's bpf_helpers.h defines it) ---- */

struct bpf_iter_num {
	__u64 __opaque[1];
} __attribute__((aligned(8)));

extern int bpf_iter_num_new(struct bpf_iter_num *it, int start, int end) __ksym;
extern int *bpf_iter_num_next(struct bpf_iter_num *it) __ksym;
extern void bpf_iter_num_destroy(struct bpf_iter_num *it) __ksym;

/* Sums start..end-1 with an open-coded loop; res[idx] = the sum, res[idx+1] = new's
 * result, res[idx+2] = how many values next() gave. */
static __always_inline void sum_range(__u32 idx, int start, int end)
{
	struct bpf_iter_num it;
	long sum = 0, n = 0;
	int *v;

	store(idx + 1, bpf_iter_num_new(&it, start, end));
	while ((v = bpf_iter_num_next(&it))) {
		sum += *v;
		n++;
	}
	/* next() after the end keeps returning NULL */
	if (bpf_iter_num_next(&it))
		n += 1000;
	bpf_iter_num_destroy(&it);
	store(idx, sum);
	store(idx + 2, n);
}

SEC("tc")
int iter_num(struct __sk_buff *skb)
{
	sum_range(0, 0, 10);
	sum_range(3, -5, 5);
	sum_range(6, 7, 7);                    /* empty */
	sum_range(9, 5, 4);                    /* start > end: -EINVAL, no values */
	sum_range(12, 0, 8 * 1024 * 1024 + 1); /* too long: -E2BIG */
	sum_range(15, 2147483640, 2147483647);
	sum_range(18, -2147483647 - 1, -2147483647 + 3);
	return 0;
}
