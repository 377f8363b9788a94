/* Kernel function (kfunc) calls at load: BPF_CALL with src_reg BPF_PSEUDO_KFUNC_CALL,
 * imm = the function's id in the kernel's BTF, off = 0 (or the fd_array slot of a module
 * BTF, which bpfrun never has).  As the kernel does, the calls are resolved in two steps
 * with its messages and errnos (measured on Linux 6.18):
 *   1. before anything else (its add_subprog_and_kfunc): license, the BTF that holds the
 *      id, the id naming a function; each distinct (imm, off) gets a prog->kfuncs entry
 *      bound to bpfrun's implementation (helpers/kfunc.h), or to none;
 *   2. in the main pass over the instructions (its check_kfunc_call): whether the
 *      program's type may call it, and whether bpfrun implements it.
 * No locking: the program under construction belongs to the loading thread.
 */
#include <stdlib.h>
#include <bpf/btf.h>

#include "load.h"
#include "../lib/uaccess.h"
#include "../btf/btf.h"
#include "../btf/kernel_btf.h"
#include "../helpers/kfunc.h"

#define MAX_KFUNC_DESCS 256 /* the kernel's limit of distinct kfuncs per program */

/* A module BTF through fd_array[off]: bpfrun loads no module BTF, so every slot is
 * refused as the kernel refuses a descriptor that is not one. */
static int module_btf(struct load_env *env, s16 off)
{
	u64 fd_array = env->attr->fd_array;
	struct obj *o;
	int fd, err;

	if (off < 0) {
		vlog_printf(&env->log,
			    "negative offset disallowed for kernel module function call\n");
		return -EINVAL;
	}
	if (!fd_array) {
		vlog_printf(&env->log, "kfunc offset > 0 without fd_array is invalid\n");
		return -EPROTO;
	}
	err = copy_from_user(&fd, u64_to_ptr(fd_array + (u64)off * sizeof(fd)), sizeof(fd));
	if (err) {
		vlog_printf(&env->log, "failed to get module BTF fd\n");
		return err;
	}
	o = obj_from_fd(fd, OBJ_BTF, NULL);
	if (IS_ERR(o)) {
		vlog_printf(&env->log, "invalid module BTF fd specified\n");
		return -EINVAL;
	}
	obj_put(o);
	vlog_printf(&env->log, "BTF fd for kfunc is not a module BTF\n");
	return -EINVAL;
}

/* The kernel BTF's name of function id, or NULL with the reason logged. */
static const char *kernel_func_name(struct load_env *env, u32 id, int *err)
{
	const struct btf *kb = kernel_btf(err);
	const struct btf_type *t;

	if (!kb) {
		vlog_printf(&env->log, "calling kernel function is not supported without "
				       "CONFIG_DEBUG_INFO_BTF\n");
		*err = -ENOTSUPP;
		return NULL;
	}
	t = id < btf__type_cnt(kb) ? btf__type_by_id(kb, id) : NULL;
	if (!t || !btf_is_func(t)) {
		vlog_printf(&env->log, "kernel btf_id %u is not a function\n", id);
		*err = -EINVAL;
		return NULL;
	}
	return btf__name_by_offset(kb, t->name_off);
}

int prog_kfunc_add(struct load_env *env, u32 i)
{
	struct bpf_prog *prog = env->prog;
	const struct bpf_insn *insn = &prog->insns[i];
	const struct kfunc_desc *k;
	const char *name;
	int err = 0;

	if (!prog->gpl_compatible) {
		vlog_printf(&env->log, "cannot call kernel function from non-GPL compatible "
				       "program\n");
		return -EINVAL;
	}
	if (!insn->imm && !insn->off)
		return 0; /* refused later, as the kernel's fixup does */
	if (prog_kfunc(prog, insn->imm, insn->off))
		return 0;
	if (!prog->kfuncs) {
		prog->kfuncs = calloc(MAX_KFUNC_DESCS, sizeof(*prog->kfuncs));
		if (!prog->kfuncs)
			return -ENOMEM;
	}
	if (prog->nr_kfuncs == MAX_KFUNC_DESCS) {
		vlog_printf(&env->log, "too many different kernel function calls\n");
		return -E2BIG;
	}
	if (insn->off) {
		err = module_btf(env, insn->off);
		vlog_printf(&env->log, "failed to find BTF for kernel function\n");
		return err;
	}
	name = kernel_func_name(env, (u32)insn->imm, &err);
	if (!name)
		return err;
	k = kfunc_get(name);
	prog->kfuncs[prog->nr_kfuncs++] = (struct kfunc_bind){
		.imm = insn->imm,
		.off = insn->off,
		.name = name,
		.desc = k ? &k->h : NULL,
		.under_lock = k && (k->flags & KF_SPIN_OK),
		.fn = k ? fault_kfunc_fn(name, k->h.fn) : NULL
	};
	return 0;
}

int prog_kfunc_check_call(struct load_env *env, u32 i)
{
	const struct bpf_insn *insn = &env->prog->insns[i];
	const struct kfunc_bind *b = prog_kfunc(env->prog, insn->imm, insn->off);
	const struct kfunc_desc *k;

	if (!b) {
		vlog_printf(&env->log, "invalid kernel function call not eliminated in verifier "
				       "pass\n");
		return -EINVAL;
	}
	k = b->desc ? container_of(b->desc, struct kfunc_desc, h) : NULL;
	if (!k)
		vlog_printf(&env->log, "bpfrun: kernel function %s is not implemented\n", b->name);
	if (!k || !kfunc_allowed(k, env->prog->type)) {
		vlog_printf(&env->log, "calling kernel function %s is not allowed\n", b->name);
		return -EACCES;
	}
	if ((k->flags & KF_SLEEPABLE) && !(env->prog->prog_flags & BPF_F_SLEEPABLE)) {
		vlog_printf(&env->log, "program must be sleepable to call sleepable kfunc %s\n",
			    b->name);
		return -EACCES;
	}
	return 0;
}
