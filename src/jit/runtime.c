/* What native code calls: its entry (jit_run, the program's `native` hook) and the slow
 * paths, each doing what the interpreter does at the same point with the vm's own
 * functions, so that faults, their messages and the work budget are the same.
 *
 * No lock, no allocation (as the interpreter): everything is per thread (the exec_ctx).
 */
#include "jit_internal.h"
#include "../maps/map.h"

/* The trampoline at the start of every image: saves the host's callee-saved registers,
 * records the unwind point (x->native_sp), loads R1..R5 from args, R10 and the budget, and
 * calls the function body at `target`; returns R0 (anything after a fault). */
typedef u64 (*jit_tramp)(struct exec_ctx *x, const u64 *args, const void *target, u64 r10,
			 u64 ret_index);

u64 jit_run(struct exec_ctx *x, const struct bpf_prog *prog, u32 start, const u64 args[5])
{
	const struct jit_image *im = prog->jit;
	const u64 r10 = vm_stack_top(x) - (u64)(x->depth - 1) * MAX_BPF_STACK; /* frame's top */

	return ((jit_tramp)(uintptr_t)im->code)(x, args, im->code + im->insn_off[start], r10,
						start);
}

static const struct vm_insn *insn_at(const struct exec_ctx *x, u64 c)
{
	return &((const struct vm_code *)x->prog->vm_code)->insns[JIT_IDX(c)];
}

static struct jit_ret ret(u64 val, u64 ok)
{
	return (struct jit_ret){ val, ok };
}

/* c: the instruction charging */
struct jit_ret jit_rt_refill(struct exec_ctx *x, u64 a, u64 b, u64 c, u64 r0)
{
	return ret(0, vm_budget_refill(x, JIT_IDX(c)));
}

/* c: size in bits 24..27, sign extension in bit 28 */
struct jit_ret jit_rt_load(struct exec_ctx *x, u64 addr, u64 b, u64 c, u64 r0)
{
	u32 size = JIT_ARG(c) & 15;
	u64 v;

	if (!vm_load_checked(x, insn_at(x, c), addr, size, &v))
		return ret(0, false);
	if (JIT_ARG(c) & 16) {
		u32 shift = 64 - 8 * size;
		v = (u64)((s64)(v << shift) >> shift);
	}
	return ret(v, true);
}

/* c: size in bits 24..27 */
struct jit_ret jit_rt_store(struct exec_ctx *x, u64 addr, u64 val, u64 c, u64 r0)
{
	return ret(0, vm_store_checked(x, insn_at(x, c), addr, JIT_ARG(c), val));
}

static u32 atomic_size(u16 op)
{
	if (op >= VM_LDACQ_B)
		return 1u << ((op - VM_LDACQ_B) & 3);
	return op >= VM_AADD_DW ? 8 : 4;
}

/* A read-modify-write on W or DW: returns what the instruction writes back to a register
 * (the old value for the fetching ones and xchg, R0's new value for cmpxchg). */
#define RMW(type, p, src, r0, k)                                                          \
	({                                                                                \
		type *p_ = (type *)(p), s_ = (type)(src), e_ = (type)(r0);                \
		u64 old_ = 0;                                                             \
		switch (k) {                                                              \
		case 0:                                                                   \
		case 4:                                                                   \
			old_ = __atomic_fetch_add(p_, s_, __ATOMIC_SEQ_CST);              \
			break;                                                            \
		case 1:                                                                   \
		case 5:                                                                   \
			old_ = __atomic_fetch_or(p_, s_, __ATOMIC_SEQ_CST);               \
			break;                                                            \
		case 2:                                                                   \
		case 6:                                                                   \
			old_ = __atomic_fetch_and(p_, s_, __ATOMIC_SEQ_CST);              \
			break;                                                            \
		case 3:                                                                   \
		case 7:                                                                   \
			old_ = __atomic_fetch_xor(p_, s_, __ATOMIC_SEQ_CST);              \
			break;                                                            \
		case 8:                                                                   \
			old_ = __atomic_exchange_n(p_, s_, __ATOMIC_SEQ_CST);             \
			break;                                                            \
		default:                                                                  \
			__atomic_compare_exchange_n(p_, &e_, s_, false, __ATOMIC_SEQ_CST, \
						    __ATOMIC_SEQ_CST);                    \
			old_ = e_;                                                        \
		}                                                                         \
		old_;                                                                     \
	})

static u64 load_acquire(void *p, u32 size)
{
	switch (size) {
	case 1:
		return __atomic_load_n((u8 *)p, __ATOMIC_ACQUIRE);
	case 2:
		return __atomic_load_n((u16 *)p, __ATOMIC_ACQUIRE);
	case 4:
		return __atomic_load_n((u32 *)p, __ATOMIC_ACQUIRE);
	default:
		return __atomic_load_n((u64 *)p, __ATOMIC_ACQUIRE);
	}
}

static void store_release(void *p, u32 size, u64 v)
{
	switch (size) {
	case 1:
		__atomic_store_n((u8 *)p, (u8)v, __ATOMIC_RELEASE);
		return;
	case 2:
		__atomic_store_n((u16 *)p, (u16)v, __ATOMIC_RELEASE);
		return;
	case 4:
		__atomic_store_n((u32 *)p, (u32)v, __ATOMIC_RELEASE);
		return;
	default:
		__atomic_store_n((u64 *)p, v, __ATOMIC_RELEASE);
	}
}

/* c: the vm_op minus VM_AADD_W in bits 24..30.  addr: DST + off (SRC + off for
 * load-acquire); src: SRC's value. */
struct jit_ret jit_rt_atomic(struct exec_ctx *x, u64 addr, u64 src, u64 c, u64 r0)
{
	u16 op = (u16)(VM_AADD_W + JIT_ARG(c));
	u32 size = atomic_size(op);
	u64 stack_lo = vm_stack_top(x) - (u64)x->depth * MAX_BPF_STACK;
	void *p = vm_atomic_ptr(x, insn_at(x, c), addr, size, stack_lo);

	if (!p)
		return ret(0, false);
	if (op >= VM_STREL_B) {
		store_release(p, size, src);
		return ret(0, true);
	}
	if (op >= VM_LDACQ_B)
		return ret(load_acquire(p, size), true);
	if (op >= VM_AADD_DW)
		return ret(RMW(u64, p, src, r0, op - VM_AADD_DW), true);
	return ret(RMW(u32, p, src, r0, op - VM_AADD_W), true);
}

/* BPF_LD_ABS/IND: c's bits 24..27 the size; ok 0 when outside the packet (not a fault) */
struct jit_ret jit_rt_ld_pkt(struct exec_ctx *x, u64 off, u64 b, u64 c, u64 r0)
{
	u64 v = 0;
	bool ok = vm_ld_packet(x, (s32)off, JIT_ARG(c), &v);

	return ret(v, ok);
}

struct jit_ret jit_rt_lock_fault(struct exec_ctx *x, u64 a, u64 b, u64 c, u64 r0)
{
	vm_call_under_lock_fault(x, insn_at(x, c));
	return ret(0, false);
}

struct jit_ret jit_rt_missing(struct exec_ctx *x, u64 a, u64 b, u64 c, u64 r0)
{
	vm_missing_helper_fault(x, insn_at(x, c));
	return ret(0, false);
}

struct jit_ret jit_rt_depth_fault(struct exec_ctx *x, u64 a, u64 b, u64 c, u64 r0)
{
	vm_depth_fault(x);
	return ret(0, false);
}

/* A tail call at instruction JIT_IDX(c).  ok 1: val is the native code to jump to (the
 * target's instruction 0; x->prog is the target), or 0 to fall through; ok 2: the target
 * has no native code and ran in the interpreter as this frame, val is its R0.  The
 * interpreter starts it with R6..R9 zero and charges its exit from instruction 0: the same
 * as the kernel's verifier lets a program see, and budget charges within a few
 * instructions of the interpreter's own. */
struct jit_ret jit_rt_tail_call(struct exec_ctx *x, u64 map, u64 index, u64 c, u64 r0)
{
	const struct bpf_prog *target;
	const u32 idx = JIT_IDX(c);

	if (x->held_lock) {
		vm_call_under_lock_fault(x, insn_at(x, c));
		return ret(0, false);
	}
	target = vm_tail_call_target(x, map, index);
	if (x->fault)
		return ret(0, false);
	if (!target)
		return ret(0, true);
	x->budget_slice -= (s64)idx + 1; /* the move back to instruction 0 */
	if (x->budget_slice < 0 && !vm_budget_refill(x, idx))
		return ret(0, false);
	if (target->native && vm_native_enabled()) {
		const struct jit_image *im = target->jit;
		x->prog = target;
		return ret((u64)(uintptr_t)(im->code + im->insn_off[0]), true);
	}
	const u64 args[5] = { (u64)(uintptr_t)x->ctx, map, index };
	x->depth--;
	u64 r = vm_exec_frame(x, target, 0, args);
	x->depth++;
	return x->fault ? ret(0, false) : ret(r, 2);
}
