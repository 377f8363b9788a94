/* Generic kfuncs (the kernel's common set): RCU read sections and casts.  No state.
 *
 * bpf_rcu_read_lock/unlock: bpfrun has no RCU, and needs none for what programs reach
 * inside a read section (map values stay mapped until their map is freed), so they only
 * mark the section, as the kernel's verifier does (which also checks the pairing at load:
 * bpfrun does not).
 * bpf_rdonly_cast(obj, btf_id): the same pointer, now of a kernel type the program reads
 * (in the kernel, reads that fault yield 0; here the vm's memory checks apply).
 */
#include "kfunc.h"

u64 kfunc_bpf_rcu_read_lock(struct exec_ctx *x, u64 r1, u64 r2, u64 r3, u64 r4, u64 r5)
{
	return 0;
}

u64 kfunc_bpf_rcu_read_unlock(struct exec_ctx *x, u64 r1, u64 r2, u64 r3, u64 r4, u64 r5)
{
	return 0;
}

u64 kfunc_bpf_rdonly_cast(struct exec_ctx *x, u64 obj, u64 btf_id, u64 r3, u64 r4, u64 r5)
{
	return obj;
}
