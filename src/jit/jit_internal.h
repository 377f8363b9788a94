/* The JIT's private parts: the image of a program, the native frame layout, and the
 * slow-path functions (runtime.c) the generated code calls through its thunk.
 *
 * Native code keeps BPF R0..R10 in rax, rdi, rsi, rdx, rcx, r8, rbx, r13, r14, r15, rbp;
 * r12 holds the exec_ctx, r9 the run's budget_slice (stored to the context around every
 * call into C, reloaded after), r10 and r11 are scratch.  Every BPF function body runs
 * with rsp 16-byte aligned, its return address at [rsp] and the index its exit charges
 * from (vm_interp's ret_index or start) at [rsp + 8].
 */
#ifndef BPFRUN_JIT_INTERNAL_H
#define BPFRUN_JIT_INTERNAL_H

#include "jit.h"
#include "../vm/vm_internal.h"

struct jit_image {
	u8 *code; /* read+execute; the trampoline at offset 0 */
	size_t map_len;
	u32 len;
	u32 *insn_off; /* [vm_code len]: native offset of each instruction */
	u32 nr_funcs;
	u32 *func_off; /* [nr_funcs + 1]: where each function's code starts; the last is len */
};

/* What a slow-path function returns (rax:rdx): a value, and 0 (fault) or a status. */
struct jit_ret {
	u64 val, ok;
};

/* A slow-path function: x, then r10 and r11 of the caller, the stub's 31-bit constant
 * (instruction index in bits 0..23, details above), and BPF R0. */
typedef struct jit_ret (*jit_slow_fn)(struct exec_ctx *x, u64 a, u64 b, u64 c, u64 r0);

#define JIT_IDX(c) ((u32)(c)&0xffffff)
#define JIT_ARG(c) ((u32)(c) >> 24)

struct jit_ret jit_rt_refill(struct exec_ctx *x, u64 a, u64 b, u64 c, u64 r0);
struct jit_ret jit_rt_load(struct exec_ctx *x, u64 addr, u64 b, u64 c, u64 r0);
struct jit_ret jit_rt_store(struct exec_ctx *x, u64 addr, u64 val, u64 c, u64 r0);
struct jit_ret jit_rt_atomic(struct exec_ctx *x, u64 addr, u64 src, u64 c, u64 r0);
struct jit_ret jit_rt_ld_pkt(struct exec_ctx *x, u64 off, u64 b, u64 c, u64 r0);
struct jit_ret jit_rt_lock_fault(struct exec_ctx *x, u64 a, u64 b, u64 c, u64 r0);
struct jit_ret jit_rt_missing(struct exec_ctx *x, u64 a, u64 b, u64 c, u64 r0);
struct jit_ret jit_rt_depth_fault(struct exec_ctx *x, u64 a, u64 b, u64 c, u64 r0);
struct jit_ret jit_rt_tail_call(struct exec_ctx *x, u64 map, u64 index, u64 c, u64 r0);

/* The program's `native` hook (vm_interp's contract). */
u64 jit_run(struct exec_ctx *x, const struct bpf_prog *prog, u32 start, const u64 args[5]);

#endif
