/* Loading a program (prog_load.c, prog_verify.c, prog_info.c): the state of one
 * BPF_PROG_LOAD.  No locking: a load's state belongs to the thread doing it. */
#ifndef BPFRUN_PROG_LOAD_H
#define BPFRUN_PROG_LOAD_H

#include "../lib/insn.h"
#include "../lib/vlog.h"
#include "../obj/prog.h"
#include "commands.h"
#include "../verifier/caps.h"
#include "../verifier/verifier.h"

#define MAX_USED_MAPS 64

struct load_env {
	const union bpf_attr *attr;
	struct bpf_prog *prog;
	const struct caps *caps; /* the loader's */
	struct vlog log;
	struct bpf_map **insn_map; /* map loaded by the ld_imm64 at each index, or NULL */
	u8 *jump_target;           /* 1 where some jump lands */
	struct verifier_stats vstats;
};

/* Everything the verifier would check that bpfrun can (0 or -errno, reason logged). */
int prog_verify(struct load_env *env);

/* Kfunc calls (prog_kfunc.c).  prog_kfunc_add: the call at insn i, in the first pass
 * (license, BTF id; binds it in prog->kfuncs).  prog_kfunc_check_call: in the main pass
 * (the program's type may call it, bpfrun implements it).  0 or -errno, reason logged. */
int prog_kfunc_add(struct load_env *env, u32 i);
int prog_kfunc_check_call(struct load_env *env, u32 i);

/* What attach_prog_fd (attach_btf_obj_fd: the same field) names, sorted as the kernel's
 * bpf_prog_load sorts it (prog_load.c): ATTACH_FD_NONE (0), a program, or the kernel's
 * BTF (btf_vmlinux); -EINVAL for any other descriptor, -ENOTSUPP for a loader's BTF. */
enum { ATTACH_FD_NONE, ATTACH_FD_PROG, ATTACH_FD_VMLINUX };
int prog_attach_fd_kind(const union bpf_attr *attr);

/* Subprogram that starts at insn index, or NULL (prog_info.c). */
const struct subprog *prog_subprog_at(const struct bpf_prog *prog, u32 insn);

#endif
