/* Kernel functions (kfuncs) bpfrun implements: the one table, by kernel name.
 *
 * A program calls a kfunc with BPF_CALL src_reg=BPF_PSEUDO_KFUNC_CALL and imm = the
 * function's id in the kernel's BTF; the loader (prog/prog_kfunc.c) turns the id into a
 * name and looks it up here, and the vm calls the function with the helper convention
 * (helper_fn: the exec_ctx and R1..R5, the result in R0).  The table is built once,
 * before main(), and read-only afterwards: no locking.
 */
#ifndef BPFRUN_KFUNC_H
#define BPFRUN_KFUNC_H

#include "../lib/common.h"
#include "../vm/vm.h"

/* The kernel's kfunc flags (include/linux/btf.h, KF_*): what the verifier enforces
 * about a kfunc's arguments and result. */
#define KF_ACQUIRE (1u << 0)      /* returns a reference the program must release */
#define KF_RELEASE (1u << 1)      /* releases the reference it is given */
#define KF_RET_NULL (1u << 2)     /* may return NULL */
#define KF_TRUSTED_ARGS (1u << 4) /* pointer arguments must be trusted */
#define KF_SLEEPABLE (1u << 5)    /* only sleepable programs may call it */
#define KF_DESTRUCTIVE (1u << 6)  /* needs CAP_SYS_BOOT */
#define KF_RCU (1u << 7)          /* RCU-protected arguments accepted */
#define KF_ITER_NEW (1u << 8)     /* open-coded iterator constructor */
#define KF_ITER_NEXT (1u << 9)
#define KF_ITER_DESTROY (1u << 10)
#define KF_RCU_PROTECTED (1u << 11) /* only inside bpf_rcu_read_lock() */
#define KF_FASTCALL (1u << 12)
/* bpfrun's: callable while the run holds a bpf_spin_lock (the graph kfuncs, which the
 * kernel's verifier allows there) */
#define KF_SPIN_OK (1u << 31)

struct kfunc_desc {
	struct helper_desc h; /* name, function; gpl_only is unused (every kfunc is GPL) */
	u32 flags;            /* KF_* */
	u64 prog_types;       /* bit t: BPF_PROG_TYPE t may call it (the kernel's kfunc sets) */
};

/* The kfunc named `name`, or NULL when bpfrun does not implement it. */
const struct kfunc_desc *kfunc_get(const char *name);

/* What a call of kfunc `name` (implemented by fn) binds to at load: fn, or the wrapper
 * of a fault rule on it (fault.c). */
helper_fn fault_kfunc_fn(const char *name, helper_fn fn);

/* May a program of type prog_type call k?  (The kernel's btf_kfunc_id_set_contains.) */
static inline bool kfunc_allowed(const struct kfunc_desc *k, u32 prog_type)
{
	return prog_type < 64 && (k->prog_types >> prog_type & 1);
}

#endif
