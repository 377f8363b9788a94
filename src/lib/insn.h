/* Predicates on BPF instructions that loading and the vm share.  No state. */
#ifndef BPFRUN_INSN_H
#define BPFRUN_INSN_H

#include "common.h"

/* The first half of a 16-byte load of a 64-bit immediate. */
static inline bool is_ld_imm64(const struct bpf_insn *insn)
{
	return insn->code == (BPF_LD | BPF_IMM | BPF_DW);
}

/* A call of a function of the program (bpf-to-bpf call). */
static inline bool is_pseudo_call(const struct bpf_insn *insn)
{
	return insn->code == (BPF_JMP | BPF_CALL) && insn->src_reg == BPF_PSEUDO_CALL;
}

/* A call of a kernel function (kfunc): imm is its BTF id, off the fd_array slot of the
 * module BTF that has it (0: the kernel's own BTF). */
static inline bool is_kfunc_call(const struct bpf_insn *insn)
{
	return insn->code == (BPF_JMP | BPF_CALL) && insn->src_reg == BPF_PSEUDO_KFUNC_CALL;
}

#endif
