/* The vm's private parts: the pre-decoded instruction form shared by the loader
 * (prepare.c) and the interpreter (interp.c), and the memory checks (vm.c). */
#ifndef BPFRUN_VM_INTERNAL_H
#define BPFRUN_VM_INTERNAL_H

#include "vm.h"
#include "../lib/insn.h"
#include "../obj/prog.h"

/* Instruction-set additions newer than Debian 12's uapi headers. */
#ifndef BPF_MEMSX
#define BPF_MEMSX 0x80
#endif
#ifndef BPF_JCOND
#define BPF_JCOND 0xe0
#endif
#ifndef BPF_MAY_GOTO
#define BPF_MAY_GOTO 0
#endif
#ifndef BPF_LOAD_ACQ
#define BPF_LOAD_ACQ 0x100
#endif
#ifndef BPF_STORE_REL
#define BPF_STORE_REL 0x110
#endif
#ifndef BPF_ADDR_SPACE_CAST
#define BPF_ADDR_SPACE_CAST 1
#endif

#define VM_STACK_SIZE (MAX_CALL_FRAMES * MAX_BPF_STACK)
/* may_goto falls through this many times per run before it jumps (the kernel's
 * BPF_MAX_LOOPS). */
#define VM_MAY_GOTO_BUDGET (8u * 1024 * 1024)

/* Operations whose meaning the raw opcode does not fully give get their own number above
 * 0xff; every other operation keeps its raw opcode. */
enum vm_op {
	VM_SDIV32_K = 0x100,
	VM_SDIV32_X,
	VM_SMOD32_K,
	VM_SMOD32_X,
	VM_SDIV64_K,
	VM_SDIV64_X,
	VM_SMOD64_K,
	VM_SMOD64_X,
	VM_MOVSX32_8,
	VM_MOVSX32_16,
	VM_MOVSX64_8,
	VM_MOVSX64_16,
	VM_MOVSX64_32,
	VM_LE16,
	VM_LE32,
	VM_LE64,
	VM_BE16,
	VM_BE32,
	VM_BE64,
	VM_BSWAP16,
	VM_BSWAP32,
	VM_BSWAP64,
	/* atomics: read-modify-write on W and DW, then acquire/release on every size */
	VM_AADD_W,
	VM_AOR_W,
	VM_AAND_W,
	VM_AXOR_W,
	VM_AFADD_W,
	VM_AFOR_W,
	VM_AFAND_W,
	VM_AFXOR_W,
	VM_AXCHG_W,
	VM_ACMPXCHG_W,
	VM_AADD_DW,
	VM_AOR_DW,
	VM_AAND_DW,
	VM_AXOR_DW,
	VM_AFADD_DW,
	VM_AFOR_DW,
	VM_AFAND_DW,
	VM_AFXOR_DW,
	VM_AXCHG_DW,
	VM_ACMPXCHG_DW,
	VM_LDACQ_B,
	VM_LDACQ_H,
	VM_LDACQ_W,
	VM_LDACQ_DW,
	VM_STREL_B,
	VM_STREL_H,
	VM_STREL_W,
	VM_STREL_DW,
	VM_CALL_HELPER,  /* imm: helper_fn, off: helper id */
	VM_CALL_MISSING, /* a helper bpfrun does not implement: faults */
	VM_CALL_LOCAL,   /* off: displacement to the callee */
	VM_TAIL_CALL,
	VM_MAY_GOTO,
	VM_NOP, /* second half of ld_imm64 (never reached) */
	VM_NR_OPS
};

/* One pre-decoded instruction.  Indexes match prog->insns (the second slot of ld_imm64
 * is kept as VM_NOP) so fault messages and callback values use the program's numbers. */
struct vm_insn {
	u16 op;
	u8 dst, src;
	s32 off; /* memory offset, or displacement to the next instruction for jumps/calls */
	u64 imm; /* sign-extended immediate, the ld_imm64 value, or the helper function */
};

struct vm_coverage;

struct vm_code {
	u32 len;
	struct vm_coverage *cov; /* hit counters (coverage.c), or NULL: not counting */
	bool *func_start; /* [len]: instruction i starts a function (entry, call or callback target) */
	struct vm_insn insns[];
};

/* ---- coverage.c: per-instruction hit counts, when bpfrun_set_coverage() was on at load ---- */
struct vm_coverage {
	u64 *hits;  /* [len]: times each instruction ran */
	u64 *taken; /* [len]: times each conditional jump jumped */
};
/* Allocates vc->cov when coverage is on: 0 or -ENOMEM. */
int vm_coverage_alloc(struct vm_code *vc);
void vm_coverage_free(struct vm_code *vc);

/* Counts instruction pc of vc (and whether the conditional jump executed before it, `last`,
 * jumped); returns pc if it is a conditional jump, else NULL (the next call's `last`). */
static inline const struct vm_insn *
vm_coverage_count(const struct vm_code *vc, const struct vm_insn *pc, const struct vm_insn *last)
{
	const struct vm_coverage *c = vc->cov;
	u16 op = pc->op;

	if (!c) /* a program entered by a tail call, loaded while coverage was off */
		return NULL;
	__atomic_fetch_add(&c->hits[pc - vc->insns], 1, __ATOMIC_RELAXED);
	if (last && pc != last + 1 && last >= vc->insns && last < vc->insns + vc->len)
		__atomic_fetch_add(&c->taken[last - vc->insns], 1, __ATOMIC_RELAXED);
	if (op < 0x100 && (BPF_CLASS(op) == BPF_JMP || BPF_CLASS(op) == BPF_JMP32) &&
	    BPF_OP(op) != BPF_JA && BPF_OP(op) != BPF_CALL && BPF_OP(op) != BPF_EXIT)
		return pc;
	return NULL;
}

/* vm.c: runs from instruction `start` of prog as a new frame, until that frame exits: enters
 * the frame (x->depth one more, x->prog = prog, or a fault when the stack is full), runs it
 * natively when prog has native code and the JIT is on, else in vm_interp, and leaves it
 * (depth and prog back, whatever the run did).  R0, or 0 after a fault. */
u64 vm_exec_frame(struct exec_ctx *x, const struct bpf_prog *prog, u32 start, const u64 args[5]);
/* interp.c: runs the frame vm_exec_frame entered, from instruction `start` of prog, until it
 * exits or faults; returns R0.  prog->native has the same contract (jit/). */
u64 vm_interp(struct exec_ctx *x, const struct bpf_prog *prog, u32 start, const u64 args[5]);

/* interp.c, for native code (jit/) that must behave as the interpreter does: a load or
 * store with every check (false: faulted); the host pointer of an atomic access or NULL
 * after a fault (stack_lo: the lowest frame in use); BPF_LD_ABS/IND's packet bytes (false:
 * outside the packet); a tail call's target (NULL: falls through; check x->fault); the
 * faults of a call under a bpf_spin_lock, of a helper bpfrun lacks, of a call too deep. */
bool vm_load_checked(struct exec_ctx *x, const struct vm_insn *pc, u64 addr, u32 size, u64 *val);
bool vm_store_checked(struct exec_ctx *x, const struct vm_insn *pc, u64 addr, u32 size, u64 val);
void *vm_atomic_ptr(struct exec_ctx *x, const struct vm_insn *pc, u64 addr, u32 size, u64 stack_lo);
bool vm_ld_packet(const struct exec_ctx *x, s32 k, u32 size, u64 *val);
const struct bpf_prog *vm_tail_call_target(struct exec_ctx *x, u64 map_reg, u64 index);
void vm_call_under_lock_fault(struct exec_ctx *x, const struct vm_insn *pc);
void vm_missing_helper_fault(struct exec_ctx *x, const struct vm_insn *pc);
void vm_depth_fault(struct exec_ctx *x);

/* vm.c: checks [addr, addr+size) against the regions other than the stack and the
 * context (maps, packet, grants).  Host pointer or NULL. */
void *vm_region_check(struct exec_ctx *x, u64 addr, u64 size, bool write, bool atomic);

/* Is [addr, addr+size) inside the map value the last checked access fell in (vm.c fills
 * x->map_hit), with the access allowed?  The common case of map value accesses. */
static inline bool vm_map_hit(const struct exec_ctx *x, u64 addr, u64 size, bool write)
{
	u64 off = addr - x->map_hit.lo, span = x->map_hit.hi - x->map_hit.lo;

	return x->map_hit.prog == x->prog && off < span && span - off >= size &&
	       (write ? x->map_hit.writable : x->map_hit.readable);
}

static inline u64 vm_stack_top(const struct exec_ctx *x)
{
	return (u64)(uintptr_t)x->stack + VM_STACK_SIZE;
}

#endif
