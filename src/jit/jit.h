/* The x86-64 JIT: native code for a prepared program, with the interpreter's semantics.
 *
 * The prog layer calls jit_compile() after vm_prepare() (when vm_native_enabled()); on
 * success the program's `native` hook runs it instead of the interpreter.  A program the
 * JIT cannot compile (another architecture, no memory) stays interpreted, silently.
 * Images are per program, W^X (written, then made read+execute), and immutable; no lock.
 */
#ifndef BPFRUN_JIT_H
#define BPFRUN_JIT_H

#include "../lib/common.h"

struct bpf_prog;

/* Compiles prog (vm_code prepared): sets prog->native and prog->jit, or leaves both NULL. */
void jit_compile(struct bpf_prog *prog);
/* Frees the image (the program is no longer run). */
void jit_release(struct bpf_prog *prog);

/* For BPF_OBJ_GET_INFO_BY_FD: the machine code (NULL, 0 when not compiled), and the
 * native length and address of each function (prog->nr_subprogs of them, or one). */
const u8 *jit_code(const struct bpf_prog *prog, u32 *len);
u32 jit_nr_funcs(const struct bpf_prog *prog);
u32 jit_func_len(const struct bpf_prog *prog, u32 func);
u64 jit_func_addr(const struct bpf_prog *prog, u32 func);

#endif
