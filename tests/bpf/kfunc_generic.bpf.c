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
