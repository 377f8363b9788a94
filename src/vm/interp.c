/* The interpreter: threaded dispatch over the pre-decoded instructions of prepare.c.
 *
 * One vm_interp() call runs one frame and the bpf-to-bpf calls it makes, until that frame
 * exits.  A helper that calls back into the program (bpf_loop, for_each_map_elem) enters a
 * nested vm_interp() through vm_call(); frames of both share the context's stack: frame k
 * (1-based) owns [top - k*512, top - (k-1)*512) and R10 is its upper end.
 *
 * Memory: an access inside the frames in use goes straight to the stack; anything else is
 * checked by vm_region_check (vm.c) or, for the context, by the program type's
 * ctx_load/ctx_store.  Program memory is read and written with relaxed atomics (see vm.h).
 * No lock, no allocation.
 */
#include <string.h>
#include <linux/filter.h>

#include "vm_internal.h"
#include "../maps/map.h"

struct frame {
	const struct vm_insn *ret;   /* where the caller resumes */
	const struct bpf_prog *prog; /* the caller's program (a tail call may change the callee's) */
	u64 saved[4];                /* the caller's R6..R9 */
};

/* ---- program memory ---- */

static u64 mem_read(u64 addr, u32 size)
{
	if (likely((addr & (size - 1)) == 0)) {
		switch (size) {
		case 1:
			return __atomic_load_n((u8 *)(uintptr_t)addr, __ATOMIC_RELAXED);
		case 2:
			return __atomic_load_n((u16 *)(uintptr_t)addr, __ATOMIC_RELAXED);
		case 4:
			return __atomic_load_n((u32 *)(uintptr_t)addr, __ATOMIC_RELAXED);
		default:
			return __atomic_load_n((u64 *)(uintptr_t)addr, __ATOMIC_RELAXED);
		}
	}
	/* misaligned: byte by byte (little-endian host) */
	u64 v = 0;
	for (u32 i = 0; i < size; i++)
		v |= (u64)__atomic_load_n((u8 *)(uintptr_t)(addr + i), __ATOMIC_RELAXED) << (8 * i);
	return v;
}

static void mem_write(u64 addr, u32 size, u64 v)
{
	if (likely((addr & (size - 1)) == 0)) {
		switch (size) {
		case 1:
			__atomic_store_n((u8 *)(uintptr_t)addr, (u8)v, __ATOMIC_RELAXED);
			return;
		case 2:
			__atomic_store_n((u16 *)(uintptr_t)addr, (u16)v, __ATOMIC_RELAXED);
			return;
		case 4:
			__atomic_store_n((u32 *)(uintptr_t)addr, (u32)v, __ATOMIC_RELAXED);
			return;
		default:
			__atomic_store_n((u64 *)(uintptr_t)addr, v, __ATOMIC_RELAXED);
			return;
		}
	}
	for (u32 i = 0; i < size; i++)
		__atomic_store_n((u8 *)(uintptr_t)(addr + i), (u8)(v >> (8 * i)), __ATOMIC_RELAXED);
}

static bool in_ctx(const struct exec_ctx *x, u64 addr)
{
	return addr - (u64)(uintptr_t)x->ctx < x->ctx_size;
}

static long insn_index(const struct exec_ctx *x, const struct vm_insn *pc)
{
	return (long)(pc - ((const struct vm_code *)x->prog->vm_code)->insns);
}

static void access_fault(struct exec_ctx *x, const struct vm_insn *pc, const char *what, u64 addr,
			 u32 size)
{
	vm_fault(x, "insn %ld: invalid %s of size %u at 0x%llx", insn_index(x, pc), what, size,
		 (unsigned long long)addr);
}

/* A context access, through the program type (one without ctx_load or ctx_store refuses
 * them all).  A refused access faults with the verifier's words unless the type raised its
 * own fault.  false: faulted. */
static bool ctx_access(struct exec_ctx *x, const struct vm_insn *pc, u64 addr, u32 size, bool write,
		       u64 *val)
{
	const struct prog_type_ops *t = x->prog->tops;
	u32 off = (u32)(addr - (u64)(uintptr_t)x->ctx);
	int err = -EACCES;

	if (write && t->ctx_store)
		err = t->ctx_store(x, off, size, *val);
	else if (!write && t->ctx_load)
		err = t->ctx_load(x, off, size, val);
	if (!err)
		return true;
	if (!x->fault)
		vm_fault(x, "insn %ld: invalid bpf_context access off=%u size=%u",
			 insn_index(x, pc), off, size);
	return false;
}

/* Loads outside the stack.  false: faulted. */
static __attribute__((noinline)) bool load_slow(struct exec_ctx *x, const struct vm_insn *pc,
						u64 addr, u32 size, u64 *val)
{
	if (in_ctx(x, addr))
		return ctx_access(x, pc, addr, size, false, val);
	if (!vm_region_check(x, addr, size, false, false)) {
		access_fault(x, pc, "read", addr, size);
		return false;
	}
	*val = mem_read(addr, size);
	return true;
}

static __attribute__((noinline)) bool store_slow(struct exec_ctx *x, const struct vm_insn *pc,
						 u64 addr, u32 size, u64 val)
{
	if (in_ctx(x, addr))
		return ctx_access(x, pc, addr, size, true, &val);
	if (!vm_region_check(x, addr, size, true, false)) {
		access_fault(x, pc, "write", addr, size);
		return false;
	}
	mem_write(addr, size, val);
	return true;
}

/* The whole check of a load or store, as the interpreter's fast paths and slow paths make
 * it, for code that has not made any (jit/'s slow path).  The frames in use are the
 * context's depth.  false: faulted. */
bool vm_load_checked(struct exec_ctx *x, const struct vm_insn *pc, u64 addr, u32 size, u64 *val)
{
	u64 top = vm_stack_top(x), lo = top - (u64)x->depth * MAX_BPF_STACK;

	if (addr - lo <= top - lo - size ||
	    (addr >= x->pkt_meta && addr < x->pkt_end && x->pkt_end - addr >= size) ||
	    vm_map_hit(x, addr, size, false)) {
		*val = mem_read(addr, size);
		return true;
	}
	return load_slow(x, pc, addr, size, val);
}

bool vm_store_checked(struct exec_ctx *x, const struct vm_insn *pc, u64 addr, u32 size, u64 val)
{
	u64 top = vm_stack_top(x), lo = top - (u64)x->depth * MAX_BPF_STACK;

	if (addr - lo <= top - lo - size || vm_map_hit(x, addr, size, true)) {
		mem_write(addr, size, val);
		return true;
	}
	return store_slow(x, pc, addr, size, val);
}

/* Host pointer for an atomic access, or NULL after a fault.  Atomics must be aligned and
 * may not touch the context or the packet (the kernel refuses both). */
__attribute__((noinline)) void *vm_atomic_ptr(struct exec_ctx *x, const struct vm_insn *pc,
					      u64 addr, u32 size, u64 stack_lo)
{
	if (addr & (size - 1)) {
		access_fault(x, pc, "misaligned atomic", addr, size);
		return NULL;
	}
	if (addr - stack_lo <= vm_stack_top(x) - stack_lo - size)
		return (void *)(uintptr_t)addr;
	if (!vm_region_check(x, addr, size, true, true)) {
		access_fault(x, pc, "atomic", addr, size);
		return NULL;
	}
	return (void *)(uintptr_t)addr;
}

/* Packet bytes for BPF_LD_ABS/IND at k, big-endian; false when outside the packet.  As
 * the kernel's bpf_skb_load_helper_*: a negative k counts from the network header
 * (k >= SKF_NET_OFF) or from the link-layer header (k >= SKF_LL_OFF) when the packet has
 * one; either may lie before data, in the headroom, and the bytes may then be read up
 * to the end of the packet. */
bool vm_ld_packet(const struct exec_ctx *x, s32 k, u32 size, u64 *val)
{
	s64 len = (s64)(x->pkt_end - x->pkt_start), off = k;

	if (k < 0 && k >= SKF_NET_OFF && x->pkt_net)
		off = (s64)k - SKF_NET_OFF + (s64)(x->pkt_net - x->pkt_start);
	else if (k < 0 && k >= SKF_LL_OFF && x->pkt_mac)
		off = (s64)k - SKF_LL_OFF + (s64)(x->pkt_mac - x->pkt_start);
	else if (k < 0)
		return false;
	if (len - off < size)
		return false;
	u64 v = 0;
	for (u32 i = 0; i < size; i++)
		v = v << 8 |
		    __atomic_load_n((u8 *)(uintptr_t)(x->pkt_start + off + i), __ATOMIC_RELAXED);
	*val = v;
	return true;
}

/* ---- signed division (RFC 9669): by zero gives 0, modulo by zero keeps the dividend,
 * and dividing by -1 negates in unsigned arithmetic so INT_MIN / -1 does not overflow ---- */

static u64 sdiv64(u64 a, u64 b)
{
	if (b == 0)
		return 0;
	return (s64)b == -1 ? -a : (u64)((s64)a / (s64)b);
}

static u64 smod64(u64 a, u64 b)
{
	if (b == 0)
		return a;
	return (s64)b == -1 ? 0 : (u64)((s64)a % (s64)b);
}

static u32 sdiv32(u64 a, u64 b)
{
	if ((u32)b == 0)
		return 0;
	return (s32)b == -1 ? -(u32)a : (u32)((s32)a / (s32)b);
}

static u32 smod32(u64 a, u64 b)
{
	if ((u32)b == 0)
		return (u32)a;
	return (s32)b == -1 ? 0 : (u32)((s32)a % (s32)b);
}

/* ---- tail calls ---- */

/* The program a tail call enters, or NULL when the call falls through.  The run holds a
 * reference on it until its end (x->tail_refs, dropped by vm.c). */
const struct bpf_prog *vm_tail_call_target(struct exec_ctx *x, u64 map_reg, u64 index)
{
	struct bpf_map *map = vm_map_arg(x, map_reg);

	if (!map)
		return NULL;
	if (!map->ops->prog_at) {
		vm_fault(x, "tail call through a map that is not a program array");
		return NULL;
	}
	if ((u32)index >= map->max_entries || x->tail_calls >= MAX_TAIL_CALL_CNT)
		return NULL;
	struct bpf_prog *target = map->ops->prog_at(map, (u32)index);
	if (target)
		x->tail_refs[x->tail_calls++] = target;
	return target;
}

/* ---- faults of calls ---- */

void vm_call_under_lock_fault(struct exec_ctx *x, const struct vm_insn *pc)
{
	vm_fault(x, "insn %ld: function calls are not allowed while holding a lock",
		 insn_index(x, pc));
}

void vm_missing_helper_fault(struct exec_ctx *x, const struct vm_insn *pc)
{
	vm_fault(x, "insn %ld: helper %d is not implemented by bpfrun", insn_index(x, pc), pc->off);
}

void vm_depth_fault(struct exec_ctx *x)
{
	vm_fault(x, "the call stack of %u frames is too deep", x->depth + 1);
}

/* ---- the work budget (see BACKWARD below) ---- */

/* Index of the instruction a frame returns to, in its caller's program. */
static long ret_index(const struct frame *f)
{
	return (long)(f->ret - ((const struct vm_code *)f->prog->vm_code)->insns);
}

/* Charges a move back of n instructions (nothing when n <= 0: the move goes forward);
 * false when the run ends (fault recorded). */
static bool charge_back(struct exec_ctx *x, const struct vm_insn *pc, s64 n)
{
	if (n <= 0)
		return true;
	x->budget_slice -= n;
	return likely(x->budget_slice >= 0) || vm_budget_refill(x, insn_index(x, pc));
}

/* ---- the interpreter ---- */

#define DST r[pc->dst]
#define SRC r[pc->src]
#define IMM pc->imm
#define NEXT                            \
	do {                            \
		pc++;                   \
		goto *dispatch[pc->op]; \
	} while (0)
/* The work budget (vm.h) without a check on straight-line code: every instruction moves
 * pc forward by one or more, except the transfers that move it back (a taken backward
 * jump or call, a return to a caller placed before the callee, a tail call to the start
 * of another program).  So the instructions a frame executes are at most the distances
 * those transfers move back plus the distance from its entry to its final exit, and that
 * is what is charged: |off| at a backward jump (the cost the old back-edge counter had),
 * the rest at calls, exits and tail calls.  Indexes, not pointers, measure the distances,
 * so that a tail call's change of program keeps the sum right.  A spent slice refills
 * (vm_budget_refill) or ends the run. */
#define BACKWARD(label)                            \
	do {                                       \
		x->budget_slice += pc->off;        \
		if (unlikely(x->budget_slice < 0)) \
			goto label;                \
	} while (0)
#define JUMP(cond)                                     \
	do {                                           \
		if (cond) {                            \
			if (unlikely(pc->off < 0))     \
				BACKWARD(refill_jump); \
			pc += pc->off + 1;             \
		} else {                               \
			pc++;                          \
		}                                      \
		goto *dispatch[pc->op];                \
	} while (0)

u64 vm_interp(struct exec_ctx *x, const struct bpf_prog *prog, u32 start, const u64 args[5])
{
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Woverride-init"
	static const void *const labels[VM_NR_OPS] = {
		[0 ... VM_NR_OPS - 1] = &&bad_op,
#define ALU_OPS(cls, name)                                                                  \
	[cls | BPF_ADD | BPF_K] = &&name##_add_k, [cls | BPF_ADD | BPF_X] = &&name##_add_x, \
			 [cls | BPF_SUB | BPF_K] = &&name##_sub_k,                          \
			 [cls | BPF_SUB | BPF_X] = &&name##_sub_x,                          \
			 [cls | BPF_MUL | BPF_K] = &&name##_mul_k,                          \
			 [cls | BPF_MUL | BPF_X] = &&name##_mul_x,                          \
			 [cls | BPF_DIV | BPF_K] = &&name##_div_k,                          \
			 [cls | BPF_DIV | BPF_X] = &&name##_div_x,                          \
			 [cls | BPF_MOD | BPF_K] = &&name##_mod_k,                          \
			 [cls | BPF_MOD | BPF_X] = &&name##_mod_x,                          \
			 [cls | BPF_OR | BPF_K] = &&name##_or_k,                            \
			 [cls | BPF_OR | BPF_X] = &&name##_or_x,                            \
			 [cls | BPF_AND | BPF_K] = &&name##_and_k,                          \
			 [cls | BPF_AND | BPF_X] = &&name##_and_x,                          \
			 [cls | BPF_XOR | BPF_K] = &&name##_xor_k,                          \
			 [cls | BPF_XOR | BPF_X] = &&name##_xor_x,                          \
			 [cls | BPF_LSH | BPF_K] = &&name##_lsh_k,                          \
			 [cls | BPF_LSH | BPF_X] = &&name##_lsh_x,                          \
			 [cls | BPF_RSH | BPF_K] = &&name##_rsh_k,                          \
			 [cls | BPF_RSH | BPF_X] = &&name##_rsh_x,                          \
			 [cls | BPF_ARSH | BPF_K] = &&name##_arsh_k,                        \
			 [cls | BPF_ARSH | BPF_X] = &&name##_arsh_x,                        \
			 [cls | BPF_MOV | BPF_K] = &&name##_mov_k,                          \
			 [cls | BPF_MOV | BPF_X] = &&name##_mov_x, [cls | BPF_NEG] = &&name##_neg
		ALU_OPS(BPF_ALU64, a64),
		ALU_OPS(BPF_ALU, a32),
#define JMP_OPS(cls, name)                                                                  \
	[cls | BPF_JEQ | BPF_K] = &&name##_jeq_k, [cls | BPF_JEQ | BPF_X] = &&name##_jeq_x, \
			 [cls | BPF_JNE | BPF_K] = &&name##_jne_k,                          \
			 [cls | BPF_JNE | BPF_X] = &&name##_jne_x,                          \
			 [cls | BPF_JGT | BPF_K] = &&name##_jgt_k,                          \
			 [cls | BPF_JGT | BPF_X] = &&name##_jgt_x,                          \
			 [cls | BPF_JGE | BPF_K] = &&name##_jge_k,                          \
			 [cls | BPF_JGE | BPF_X] = &&name##_jge_x,                          \
			 [cls | BPF_JLT | BPF_K] = &&name##_jlt_k,                          \
			 [cls | BPF_JLT | BPF_X] = &&name##_jlt_x,                          \
			 [cls | BPF_JLE | BPF_K] = &&name##_jle_k,                          \
			 [cls | BPF_JLE | BPF_X] = &&name##_jle_x,                          \
			 [cls | BPF_JSGT | BPF_K] = &&name##_jsgt_k,                        \
			 [cls | BPF_JSGT | BPF_X] = &&name##_jsgt_x,                        \
			 [cls | BPF_JSGE | BPF_K] = &&name##_jsge_k,                        \
			 [cls | BPF_JSGE | BPF_X] = &&name##_jsge_x,                        \
			 [cls | BPF_JSLT | BPF_K] = &&name##_jslt_k,                        \
			 [cls | BPF_JSLT | BPF_X] = &&name##_jslt_x,                        \
			 [cls | BPF_JSLE | BPF_K] = &&name##_jsle_k,                        \
			 [cls | BPF_JSLE | BPF_X] = &&name##_jsle_x,                        \
			 [cls | BPF_JSET | BPF_K] = &&name##_jset_k,                        \
			 [cls | BPF_JSET | BPF_X] = &&name##_jset_x
		JMP_OPS(BPF_JMP, j64),
		JMP_OPS(BPF_JMP32, j32),
		[BPF_JMP | BPF_JA] = &&ja,
		[BPF_JMP | BPF_EXIT] = &&exit,
		[VM_SDIV32_K] = &&sdiv32_k,
		[VM_SDIV32_X] = &&sdiv32_x,
		[VM_SMOD32_K] = &&smod32_k,
		[VM_SMOD32_X] = &&smod32_x,
		[VM_SDIV64_K] = &&sdiv64_k,
		[VM_SDIV64_X] = &&sdiv64_x,
		[VM_SMOD64_K] = &&smod64_k,
		[VM_SMOD64_X] = &&smod64_x,
		[VM_MOVSX32_8] = &&movsx32_8,
		[VM_MOVSX32_16] = &&movsx32_16,
		[VM_MOVSX64_8] = &&movsx64_8,
		[VM_MOVSX64_16] = &&movsx64_16,
		[VM_MOVSX64_32] = &&movsx64_32,
		[VM_LE16] = &&le16,
		[VM_LE32] = &&le32,
		[VM_LE64] = &&le64,
		[VM_BE16] = &&bswap16,
		[VM_BE32] = &&bswap32,
		[VM_BE64] = &&bswap64,
		[VM_BSWAP16] = &&bswap16,
		[VM_BSWAP32] = &&bswap32,
		[VM_BSWAP64] = &&bswap64,
		[BPF_LD | BPF_IMM | BPF_DW] = &&ld_imm64,
		[BPF_LD | BPF_ABS | BPF_B] = &&ld_abs_b,
		[BPF_LD | BPF_ABS | BPF_H] = &&ld_abs_h,
		[BPF_LD | BPF_ABS | BPF_W] = &&ld_abs_w,
		[BPF_LD | BPF_IND | BPF_B] = &&ld_ind_b,
		[BPF_LD | BPF_IND | BPF_H] = &&ld_ind_h,
		[BPF_LD | BPF_IND | BPF_W] = &&ld_ind_w,
		[BPF_LDX | BPF_MEM | BPF_B] = &&ldx_b,
		[BPF_LDX | BPF_MEM | BPF_H] = &&ldx_h,
		[BPF_LDX | BPF_MEM | BPF_W] = &&ldx_w,
		[BPF_LDX | BPF_MEM | BPF_DW] = &&ldx_dw,
		[BPF_LDX | BPF_MEMSX | BPF_B] = &&ldxsx_b,
		[BPF_LDX | BPF_MEMSX | BPF_H] = &&ldxsx_h,
		[BPF_LDX | BPF_MEMSX | BPF_W] = &&ldxsx_w,
		[BPF_ST | BPF_MEM | BPF_B] = &&st_b,
		[BPF_ST | BPF_MEM | BPF_H] = &&st_h,
		[BPF_ST | BPF_MEM | BPF_W] = &&st_w,
		[BPF_ST | BPF_MEM | BPF_DW] = &&st_dw,
		[BPF_STX | BPF_MEM | BPF_B] = &&stx_b,
		[BPF_STX | BPF_MEM | BPF_H] = &&stx_h,
		[BPF_STX | BPF_MEM | BPF_W] = &&stx_w,
		[BPF_STX | BPF_MEM | BPF_DW] = &&stx_dw,
		[VM_AADD_W] = &&aadd_w,
		[VM_AOR_W] = &&aor_w,
		[VM_AAND_W] = &&aand_w,
		[VM_AXOR_W] = &&axor_w,
		[VM_AFADD_W] = &&afadd_w,
		[VM_AFOR_W] = &&afor_w,
		[VM_AFAND_W] = &&afand_w,
		[VM_AFXOR_W] = &&afxor_w,
		[VM_AXCHG_W] = &&axchg_w,
		[VM_ACMPXCHG_W] = &&acmpxchg_w,
		[VM_AADD_DW] = &&aadd_dw,
		[VM_AOR_DW] = &&aor_dw,
		[VM_AAND_DW] = &&aand_dw,
		[VM_AXOR_DW] = &&axor_dw,
		[VM_AFADD_DW] = &&afadd_dw,
		[VM_AFOR_DW] = &&afor_dw,
		[VM_AFAND_DW] = &&afand_dw,
		[VM_AFXOR_DW] = &&afxor_dw,
		[VM_AXCHG_DW] = &&axchg_dw,
		[VM_ACMPXCHG_DW] = &&acmpxchg_dw,
		[VM_LDACQ_B] = &&ldacq_b,
		[VM_LDACQ_H] = &&ldacq_h,
		[VM_LDACQ_W] = &&ldacq_w,
		[VM_LDACQ_DW] = &&ldacq_dw,
		[VM_STREL_B] = &&strel_b,
		[VM_STREL_H] = &&strel_h,
		[VM_STREL_W] = &&strel_w,
		[VM_STREL_DW] = &&strel_dw,
		[VM_CALL_HELPER] = &&call_helper,
		[VM_CALL_MISSING] = &&call_missing,
		[VM_CALL_LOCAL] = &&call_local,
		[VM_TAIL_CALL] = &&tail_call,
		[VM_MAY_GOTO] = &&may_goto,
	};
#pragma GCC diagnostic pop
	/* Coverage (coverage.c): with counters, every instruction passes through `count`
	 * first; without, the dispatch goes straight to the instruction (the one place the
	 * interpreter knows about coverage). */
	static const void *const counting[VM_NR_OPS] = { [0 ... VM_NR_OPS - 1] = &&count };
	const void *const *dispatch = ((const struct vm_code *)prog->vm_code)->cov ? counting :
										     labels;
	const struct vm_insn *cov_jump = NULL; /* the conditional jump executed last */
	const u64 stack_top = vm_stack_top(x);
	struct frame frames[MAX_CALL_FRAMES];
	u32 nr_frames = 0;
	u64 r[11], stack_lo, addr, val;
	const struct vm_insn *pc;
	void *p;

	stack_lo = stack_top - (u64)x->depth * MAX_BPF_STACK;
	memset(r, 0, sizeof(r));
	memcpy(&r[1], args, 5 * sizeof(u64));
	r[10] = stack_lo + MAX_BPF_STACK;
	pc = &((const struct vm_code *)prog->vm_code)->insns[start];
	goto *dispatch[pc->op];

	/* ---- ALU ---- */
#define ALU64(name, expr_k, expr_x)      \
	a64_##name##_k : DST = (expr_k); \
	NEXT;                            \
	a64_##name##_x : DST = (expr_x); \
	NEXT;
#define ALU32(name, expr_k, expr_x)           \
	a32_##name##_k : DST = (u32)(expr_k); \
	NEXT;                                 \
	a32_##name##_x : DST = (u32)(expr_x); \
	NEXT;

	ALU64(add, DST + IMM, DST + SRC)
	ALU64(sub, DST - IMM, DST - SRC)
	ALU64(mul, DST * IMM, DST * SRC)
	ALU64(div, IMM ? DST / IMM : 0, SRC ? DST / SRC : 0)
	ALU64(mod, IMM ? DST % IMM : DST, SRC ? DST % SRC : DST)
	ALU64(or, DST | IMM, DST | SRC)
	ALU64(and, DST & IMM, DST & SRC)
	ALU64(xor, DST ^ IMM, DST ^ SRC)
	ALU64(lsh, DST << (IMM & 63), DST << (SRC & 63))
	ALU64(rsh, DST >> (IMM & 63), DST >> (SRC & 63))
	ALU64(arsh, (u64)((s64)DST >> (IMM & 63)), (u64)((s64)DST >> (SRC & 63)))
	ALU64(mov, IMM, SRC)
a64_neg:
	DST = -DST;
	NEXT;

	ALU32(add, (u32)DST + (u32)IMM, (u32)DST + (u32)SRC)
	ALU32(sub, (u32)DST - (u32)IMM, (u32)DST - (u32)SRC)
	ALU32(mul, (u32)DST * (u32)IMM, (u32)DST * (u32)SRC)
	ALU32(div, (u32)IMM ? (u32)DST / (u32)IMM : 0, (u32)SRC ? (u32)DST / (u32)SRC : 0)
	ALU32(mod, (u32)IMM ? (u32)DST % (u32)IMM : (u32)DST,
	      (u32)SRC ? (u32)DST % (u32)SRC : (u32)DST)
	ALU32(or, (u32)DST | (u32)IMM, (u32)DST | (u32)SRC)
	ALU32(and, (u32)DST & (u32)IMM, (u32)DST & (u32)SRC)
	ALU32(xor, (u32)DST ^ (u32)IMM, (u32)DST ^ (u32)SRC)
	ALU32(lsh, (u32)DST << (IMM & 31), (u32)DST << (SRC & 31))
	ALU32(rsh, (u32)DST >> (IMM & 31), (u32)DST >> (SRC & 31))
	ALU32(arsh, (s32)DST >> (IMM & 31), (s32)DST >> (SRC & 31))
	ALU32(mov, IMM, SRC)
a32_neg:
	DST = (u32) - (u32)DST;
	NEXT;

/* signed division and modulo, by the functions above (each label is a function's name) */
#define SIGNED_DIV(fn)               \
	fn##_k : DST = fn(DST, IMM); \
	NEXT;                        \
	fn##_x : DST = fn(DST, SRC); \
	NEXT;
	SIGNED_DIV(sdiv64)
	SIGNED_DIV(smod64)
	SIGNED_DIV(sdiv32)
	SIGNED_DIV(smod32)

movsx32_8:
	DST = (u32)(s32)(s8)SRC;
	NEXT;
movsx32_16:
	DST = (u32)(s32)(s16)SRC;
	NEXT;
movsx64_8:
	DST = (u64)(s64)(s8)SRC;
	NEXT;
movsx64_16:
	DST = (u64)(s64)(s16)SRC;
	NEXT;
movsx64_32:
	DST = (u64)(s64)(s32)SRC;
	NEXT;

/* the host is little-endian: to_le truncates, to_be and bswap swap */
le16:
	DST = (u16)DST;
	NEXT;
le32:
	DST = (u32)DST;
	NEXT;
le64:
	NEXT;
bswap16:
	DST = __builtin_bswap16((u16)DST);
	NEXT;
bswap32:
	DST = __builtin_bswap32((u32)DST);
	NEXT;
bswap64:
	DST = __builtin_bswap64(DST);
	NEXT;

ld_imm64:
	DST = IMM;
	pc += 2;
	goto *dispatch[pc->op];

	/* ---- jumps ---- */
	/* cls: j64 or j32; w: the width the comparison sees; u, s: its unsigned, signed type */
#define JMP_OP(cls, w, name, op, type)                         \
	cls##_##name##_k : JUMP((type)(w)DST op(type)(w) IMM); \
	cls##_##name##_x : JUMP((type)(w)DST op(type)(w) SRC);
	/* one line per group of jumps reads better than clang-format's layout */
	/* clang-format off */
#define JMP_CASES(cls, w, u, s) \
	JMP_OP(cls, w, jeq, ==, u) JMP_OP(cls, w, jne, !=, u) JMP_OP(cls, w, jgt, >, u) \
	JMP_OP(cls, w, jge, >=, u) JMP_OP(cls, w, jlt, <, u) JMP_OP(cls, w, jle, <=, u) \
	JMP_OP(cls, w, jsgt, >, s) JMP_OP(cls, w, jsge, >=, s) JMP_OP(cls, w, jslt, <, s) \
	JMP_OP(cls, w, jsle, <=, s) \
	cls##_jset_k: JUMP((w)DST & (w)IMM); \
	cls##_jset_x: JUMP((w)DST & (w)SRC);
	/* clang-format on */
	JMP_CASES(j64, u64, u64, s64)
	JMP_CASES(j32, u32, u32, s32)
ja:
	JUMP(1);
may_goto:
	if (x->may_goto_left) {
		x->may_goto_left--;
		NEXT;
	}
	JUMP(1);

	/* ---- memory ---- */
	/* in the frames in use: [stack_lo, stack_top) */
#define ON_STACK(addr, size) ((addr)-stack_lo <= stack_top - stack_lo - (size))
/* in the packet: [pkt_meta, pkt_end) (packet loops read bytes one by one) */
#define IN_PKT(addr, size) \
	((addr) >= x->pkt_meta && (addr) < x->pkt_end && x->pkt_end - (addr) >= (size))
#define LOAD(size, ext)                                          \
	addr = SRC + (s64)pc->off;                               \
	if (likely(ON_STACK(addr, size) || IN_PKT(addr, size) || \
		   vm_map_hit(x, addr, size, false)))            \
		val = mem_read(addr, size);                      \
	else if (!load_slow(x, pc, addr, size, &val))            \
		goto out;                                        \
	DST = ext;                                               \
	NEXT;
#define STORE(size, v)                                                       \
	addr = DST + (s64)pc->off;                                           \
	if (likely(ON_STACK(addr, size) || vm_map_hit(x, addr, size, true))) \
		mem_write(addr, size, v);                                    \
	else if (!store_slow(x, pc, addr, size, v))                          \
		goto out;                                                    \
	NEXT;
ldx_b:
	LOAD(1, val)
ldx_h:
	LOAD(2, val)
ldx_w:
	LOAD(4, val)
ldx_dw:
	LOAD(8, val)
ldxsx_b:
	LOAD(1, (u64)(s64)(s8)val)
ldxsx_h:
	LOAD(2, (u64)(s64)(s16)val)
ldxsx_w:
	LOAD(4, (u64)(s64)(s32)val)
st_b:
	STORE(1, IMM)
st_h:
	STORE(2, IMM)
st_w:
	STORE(4, IMM)
st_dw:
	STORE(8, IMM)
stx_b:
	STORE(1, SRC)
stx_h:
	STORE(2, SRC)
stx_w:
	STORE(4, SRC)
stx_dw:
	STORE(8, SRC)

	/* legacy packet loads: outside the packet, the function returns 0 */
#define LD_PKT(size, off)                         \
	if (!vm_ld_packet(x, off, size, &r[0])) { \
		r[0] = 0;                         \
		goto exit;                        \
	}                                         \
	NEXT;
ld_abs_b:
	LD_PKT(1, (s32)IMM)
ld_abs_h:
	LD_PKT(2, (s32)IMM)
ld_abs_w:
	LD_PKT(4, (s32)IMM)
ld_ind_b:
	LD_PKT(1, (s32)(SRC + IMM))
ld_ind_h:
	LD_PKT(2, (s32)(SRC + IMM))
ld_ind_w:
	LD_PKT(4, (s32)(SRC + IMM))

	/* ---- atomics ---- */
#define ATOMIC_PTR(size)                                \
	addr = DST + (s64)pc->off;                      \
	p = vm_atomic_ptr(x, pc, addr, size, stack_lo); \
	if (!p)                                         \
		goto out;
#define ATOMIC_RMW(name, type, fn)                                                            \
	a##name : ATOMIC_PTR(sizeof(type)) fn((type *)p, (type)SRC, __ATOMIC_SEQ_CST);        \
	NEXT;                                                                                 \
	af##name : ATOMIC_PTR(sizeof(type)) SRC = fn((type *)p, (type)SRC, __ATOMIC_SEQ_CST); \
	NEXT;
	ATOMIC_RMW(add_w, u32, __atomic_fetch_add)
	ATOMIC_RMW(or_w, u32, __atomic_fetch_or)
	ATOMIC_RMW(and_w, u32, __atomic_fetch_and)
	ATOMIC_RMW(xor_w, u32, __atomic_fetch_xor)
	ATOMIC_RMW(add_dw, u64, __atomic_fetch_add)
	ATOMIC_RMW(or_dw, u64, __atomic_fetch_or)
	ATOMIC_RMW(and_dw, u64, __atomic_fetch_and)
	ATOMIC_RMW(xor_dw, u64, __atomic_fetch_xor)
axchg_w:
	ATOMIC_PTR(4) SRC = __atomic_exchange_n((u32 *)p, (u32)SRC, __ATOMIC_SEQ_CST);
	NEXT;
axchg_dw:
	ATOMIC_PTR(8) SRC = __atomic_exchange_n((u64 *)p, SRC, __ATOMIC_SEQ_CST);
	NEXT;
acmpxchg_w : {
	ATOMIC_PTR(4)
	u32 expected = (u32)r[0];
	__atomic_compare_exchange_n((u32 *)p, &expected, (u32)SRC, false, __ATOMIC_SEQ_CST,
				    __ATOMIC_SEQ_CST);
	r[0] = expected;
	NEXT;
}
acmpxchg_dw : {
	ATOMIC_PTR(8)
	u64 expected = r[0];
	__atomic_compare_exchange_n((u64 *)p, &expected, SRC, false, __ATOMIC_SEQ_CST,
				    __ATOMIC_SEQ_CST);
	r[0] = expected;
	NEXT;
}
/* load-acquire: src is the address register, dst receives the value */
#define LDACQ(size, type)                                   \
	addr = SRC + (s64)pc->off;                          \
	p = vm_atomic_ptr(x, pc, addr, size, stack_lo);     \
	if (!p)                                             \
		goto out;                                   \
	DST = __atomic_load_n((type *)p, __ATOMIC_ACQUIRE); \
	NEXT;
ldacq_b:
	LDACQ(1, u8)
ldacq_h:
	LDACQ(2, u16)
ldacq_w:
	LDACQ(4, u32)
ldacq_dw:
	LDACQ(8, u64)
#define STREL(size, type)                                                          \
	ATOMIC_PTR(size) __atomic_store_n((type *)p, (type)SRC, __ATOMIC_RELEASE); \
	NEXT;
strel_b:
	STREL(1, u8)
strel_h:
	STREL(2, u16)
strel_w:
	STREL(4, u32)
strel_dw:
	STREL(8, u64)

	/* ---- calls ---- */
	/* The kernel's verifier refuses helper calls (but bpf_spin_unlock) and tail calls
	 * while a bpf_spin_lock is held: a helper that takes a map lock could deadlock
	 * against user space taking the same two locks the other way round. */
#define NO_CALL_UNDER_LOCK                       \
	if (unlikely(x->held_lock)) {            \
		vm_call_under_lock_fault(x, pc); \
		goto out;                        \
	}
call_helper:
	if (pc->off != BPF_FUNC_spin_unlock)
		NO_CALL_UNDER_LOCK
	r[0] = ((helper_fn)(uintptr_t)IMM)(x, r[1], r[2], r[3], r[4], r[5]);
	if (unlikely(x->fault))
		goto out;
	NEXT;
call_missing:
	vm_missing_helper_fault(x, pc);
	goto out;
tail_call : {
	NO_CALL_UNDER_LOCK
	const struct bpf_prog *target = vm_tail_call_target(x, r[2], r[3]);
	if (unlikely(x->fault))
		goto out;
	if (!target)
		NEXT;
	if (!charge_back(x, pc, insn_index(x, pc) + 1))
		goto out;
	x->prog = target;
	r[1] = (u64)(uintptr_t)x->ctx;
	pc = ((const struct vm_code *)target->vm_code)->insns;
	goto *dispatch[pc->op];
}
call_local:
	if (x->depth >= MAX_CALL_FRAMES) {
		vm_depth_fault(x);
		goto out;
	}
	frames[nr_frames].ret = pc + 1;
	frames[nr_frames].prog = x->prog;
	memcpy(frames[nr_frames].saved, &r[6], sizeof(frames[0].saved));
	nr_frames++;
	x->depth++;
	stack_lo -= MAX_BPF_STACK;
	r[10] = stack_lo + MAX_BPF_STACK;
	if (pc->off < 0 && !charge_back(x, pc, -(s64)pc->off))
		goto out;
	pc += pc->off + 1;
	goto *dispatch[pc->op];

exit:
	/* the frame's way back to its caller, or the run's from its entry to here (a
	 * straight-line callback invoked again and again counts in full) */
	if (!charge_back(x, pc,
			 nr_frames ? insn_index(x, pc) - ret_index(&frames[nr_frames - 1]) + 1 :
				     insn_index(x, pc) - (s64)start + 1))
		goto out;
	if (nr_frames == 0)
		goto out;
	nr_frames--;
	pc = frames[nr_frames].ret;
	x->prog = frames[nr_frames].prog;
	memcpy(&r[6], frames[nr_frames].saved, sizeof(frames[0].saved));
	x->depth--;
	r[10] = stack_lo + 2 * MAX_BPF_STACK;
	stack_lo += MAX_BPF_STACK;
	goto *dispatch[pc->op];

refill_jump:
	if (!vm_budget_refill(x, insn_index(x, pc)))
		goto out;
	pc += pc->off + 1;
	goto *dispatch[pc->op];

count:
	cov_jump = vm_coverage_count(x->prog->vm_code, pc, cov_jump);
	goto *labels[pc->op];

bad_op:
	vm_fault(x, "insn %ld: invalid instruction", insn_index(x, pc));
	goto out;

out:
	return r[0];
}
