/* The compiler: pre-decoded instructions (vm_code) to x86-64, one image per program.
 *
 * Layout of an image: the trampoline (jit_run's entry, see runtime.c) and the fault exit,
 * the thunk that calls a slow-path function with the BPF registers kept, then every
 * instruction in order (function bodies are the instructions from their start), then the
 * cold code the hot paths jump to on a failed inline check.  Register use and the frame
 * layout: jit_internal.h.
 *
 * Semantics are the interpreter's, instruction by instruction (interp.c):
 *   - loads and stores: an access at a constant offset of R10 inside the frame needs no
 *     check (R10 cannot be written), nor one a verifier proved safe (prog->proven_safe);
 *     any other goes inline through the stack, packet (loads) and last-map-value checks,
 *     else to the vm's full check (faults and their messages);
 *   - the work budget: the same charges at the same instructions (backward jumps, calls,
 *     exits, tail calls), budget_slice kept in r9;
 *   - helpers keep R1..R5 (the interpreter does), and are refused under a bpf_spin_lock;
 *   - division by zero and INT_MIN / -1 as RFC 9669.
 * Constant blinding: every immediate of the program that is not an 8-bit one is emitted
 * xor-ed with a per-program random key and decoded at run time, so no four bytes of code
 * are the program's choice (an 8-bit immediate gives a single byte between fixed ones).
 *
 * W^X: the code is written into an anonymous mapping that is then made read+execute
 * (lib/sys.h's raw calls: the bridge interposes mmap).  No lock: a program is compiled
 * once, before it runs.
 */
#include <stddef.h>
#include <sys/mman.h>

#include "jit_internal.h"
#include "x86.h"
#include "../lib/sys.h"

/* BPF R0..R10 in host registers */
static const u8 reg_of[11] = { RAX, RDI, RSI, RDX, RCX, R8, RBX, R13, R14, R15, RBP };

#define XOFF(f) ((s32)offsetof(struct exec_ctx, f))
#define X_TOP (XOFF(stack) + VM_STACK_SIZE)

enum fix_kind { TO_INSN, TO_HOT, TO_COLD };

struct fixup {
	u32 pos;
	bool from_cold;
	u8 kind;
	u32 target;
};

struct jc {
	struct jbuf hot, cold;
	const struct bpf_prog *prog;
	const struct vm_code *vc;
	u32 *addr; /* [len]: hot offset of each instruction */
	struct fixup *fx;
	u32 nr_fx, cap_fx;
	u32 key32;
	u64 key64;
	u32 fault_exit, thunk; /* hot offsets */
	bool oom;
};

/* A rel32 jump (cc), JMP (cc < 0) or CALL (cc == CALL) from buffer b to a target resolved
 * when the image is laid out.  Returns the fixup's index (its target may be set later). */
#define JMP (-1)
#define CALL (-2)
static u32 jump(struct jc *c, struct jbuf *b, int cc, enum fix_kind kind, u32 target)
{
	u32 pos = cc == JMP ? x86_jmp(b) : cc == CALL ? x86_call_rel(b) : x86_jcc(b, cc);

	if (c->nr_fx == c->cap_fx) {
		u32 cap = c->cap_fx ? 2 * c->cap_fx : 256;
		struct fixup *fx = realloc(c->fx, cap * sizeof(*fx));
		if (!fx) {
			c->oom = true;
			return 0;
		}
		c->fx = fx;
		c->cap_fx = cap;
	}
	c->fx[c->nr_fx] = (struct fixup){ pos, b == &c->cold, (u8)kind, target };
	return c->nr_fx++;
}

/* ---- immediates (blinded) ---- */

/* reg = imm (a sign-extended 32-bit immediate of the program), 64 or 32 bits wide */
static void mov_imm(struct jc *c, struct jbuf *b, int reg, u64 imm, enum x86_width w)
{
	if (fits8((s64)imm)) {
		x86_mov_imm(b, reg, w == W64 ? imm : (u32)imm);
		return;
	}
	if (w == W64)
		x86_rr(b, W64, 0xc7, 0, reg); /* mov r64, simm32 */
	else
		x86_prefix(b, W32, 0xb8 + (reg & 7), 0, reg);
	emit4(b, (u32)imm ^ c->key32);
	x86_alu_ri(b, w, 6, reg, (s32)c->key32); /* xor: sext(a ^ k) ^ sext(k) == sext(a) */
}

static void mov_imm64(struct jc *c, struct jbuf *b, int reg, u64 v)
{
	if (fits8((s64)v)) {
		x86_mov_imm(b, reg, v);
		return;
	}
	x86_prefix(b, W64, 0xb8 + (reg & 7), 0, reg);
	emit8(b, v ^ c->key64);
	x86_mov_imm(b, R11, c->key64);
	x86_rr(b, W64, 0x31, R11, reg);
}

/* ---- calls into C ---- */

/* Calls fn through the thunk with r10, r11 and the constant k; leaves ZF set when it
 * returned ok == 0 (the value in r10, the status in r11).  rsp must be 16-aligned. */
static void stub_call(struct jc *c, struct jbuf *b, jit_slow_fn fn, u32 k)
{
	x86_rm(b, W64, 0x89, R9, R12, XOFF(budget_slice));
	x86_mov_imm(b, R9, (u64)(uintptr_t)fn);
	emit1(b, 0x68); /* push imm32 */
	emit4(b, k);
	jump(c, b, CALL, TO_HOT, c->thunk);
	x86_lea(b, RSP, RSP, 8); /* keeps the flags */
}

/* stub_call that ends the run when fn fails */
static void stub_call_or_fault(struct jc *c, struct jbuf *b, jit_slow_fn fn, u32 k)
{
	stub_call(c, b, fn, k);
	jump(c, b, CC_E, TO_HOT, c->fault_exit);
}

/* ---- the image's fixed parts ---- */

static void emit_trampoline(struct jc *c)
{
	struct jbuf *b = &c->hot;
	static const u8 saved[] = { RBP, RBX, R12, R13, R14, R15 };

	for (u32 i = 0; i < ARRAY_SIZE(saved); i++)
		x86_push(b, saved[i]);
	x86_mov(b, W64, R12, RDI);
	x86_rm(b, W32, 0xff, 6, R12, XOFF(native_sp)); /* push [x->native_sp] */
	x86_rm(b, W64, 0x89, RSP, R12, XOFF(native_sp));
	x86_push(b, R8); /* the index the entry frame's exit charges from */
	x86_mov(b, W64, RBP, RCX);
	x86_mov(b, W64, R11, RDX);
	x86_rm(b, W64, 0x8b, R9, R12, XOFF(budget_slice));
	static const u8 zero[] = { RAX, RBX, R13, R14, R15 };
	for (u32 i = 0; i < ARRAY_SIZE(zero); i++)
		x86_rr(b, W32, 0x31, zero[i], zero[i]);
	x86_rm(b, W64, 0x8b, RDI, RSI, 0);
	x86_rm(b, W64, 0x8b, RDX, RSI, 16);
	x86_rm(b, W64, 0x8b, RCX, RSI, 24);
	x86_rm(b, W64, 0x8b, R8, RSI, 32);
	x86_rm(b, W64, 0x8b, RSI, RSI, 8);
	x86_rr(b, W32, 0xff, 2, R11); /* call r11 */
	/* the exit, and the fault exit from anywhere inside (rsp comes back from x) */
	c->fault_exit = b->len;
	x86_rm(b, W64, 0x8b, RSP, R12, XOFF(native_sp));
	x86_rm(b, W64, 0x89, R9, R12, XOFF(budget_slice));
	x86_pop(b, R11);
	x86_rm(b, W64, 0x89, R11, R12, XOFF(native_sp));
	for (u32 i = ARRAY_SIZE(saved); i-- > 0;)
		x86_pop(b, saved[i]);
	emit1(b, 0xc3);
}

/* The thunk: fn in r9 (budget already stored), arguments r10, r11, [rsp + 8] and R0. */
static void emit_thunk(struct jc *c)
{
	struct jbuf *b = &c->hot;
	static const u8 kept[] = { RAX, RDI, RSI, RDX, RCX, R8 };

	c->thunk = b->len;
	for (u32 i = 0; i < ARRAY_SIZE(kept); i++)
		x86_push(b, kept[i]);
	x86_mov(b, W64, RDI, R12);
	x86_mov(b, W64, RSI, R10);
	x86_mov(b, W64, RDX, R11);
	x86_rm(b, W64, 0x8b, RCX, RSP, 8 * (ARRAY_SIZE(kept) + 1));
	x86_mov(b, W64, R8, RAX);
	x86_rr(b, W32, 0xff, 2, R9); /* call r9 */
	x86_mov(b, W64, R10, RAX);
	x86_mov(b, W64, R11, RDX);
	for (u32 i = ARRAY_SIZE(kept); i-- > 0;)
		x86_pop(b, kept[i]);
	x86_rm(b, W64, 0x8b, R9, R12, XOFF(budget_slice));
	x86_rr(b, W64, 0x85, R11, R11);
	emit1(b, 0xc3);
}

/* ---- the work budget ---- */

/* Subtracts r11 (> 0 checked by the caller) or n from the budget; refills at insn i. */
static void charge_tail(struct jc *c, struct jbuf *b, u32 i)
{
	u32 ok = x86_jcc(b, CC_NS);

	stub_call_or_fault(c, b, jit_rt_refill, i);
	x86_here(b, ok);
}

/* The frame's exit at instruction i: charges the move back from i to [rsp + 8]. */
static void emit_exit(struct jc *c, struct jbuf *b, u32 i)
{
	x86_mov_imm(b, R11, (u64)i + 1);
	x86_rm(b, W64, 0x2b, R11, RSP, 8); /* sub r11, [rsp + 8] */
	u32 done = x86_jcc(b, CC_LE);
	x86_rr(b, W64, 0x29, R11, R9);
	charge_tail(c, b, i);
	x86_here(b, done);
	emit1(b, 0xc3);
}

/* The taken side of a jump at i with displacement off. */
static void emit_goto(struct jc *c, struct jbuf *b, u32 i, s32 off)
{
	u32 target = (u32)((s64)i + off + 1);

	if (off < 0) {
		x86_alu_ri(b, W64, 0, R9, off); /* budget_slice += off */
		jump(c, b, CC_NS, TO_INSN, target);
		stub_call_or_fault(c, b, jit_rt_refill, i);
	}
	jump(c, b, JMP, TO_INSN, target);
}

/* ---- memory ---- */

static void emit_ld(struct jbuf *b, int dst, int base, s32 disp, u32 size, bool sx)
{
	switch (size) {
	case 1:
		x86_rm(b, sx ? W64 : W32, sx ? 0x0fbe : 0x0fb6, dst, base, disp);
		break;
	case 2:
		x86_rm(b, sx ? W64 : W32, sx ? 0x0fbf : 0x0fb7, dst, base, disp);
		break;
	case 4:
		x86_rm(b, sx ? W64 : W32, sx ? 0x63 : 0x8b, dst, base, disp);
		break;
	default:
		x86_rm(b, W64, 0x8b, dst, base, disp);
	}
}

static void emit_st(struct jbuf *b, int src, int base, s32 disp, u32 size)
{
	static const enum x86_width w[9] = { [1] = W8, [2] = W16, [4] = W32, [8] = W64 };

	x86_rm(b, w[size], size == 1 ? 0x88 : 0x89, src, base, disp);
}

/* Is [R10 + off, + size) inside the running frame, so that it needs no check? */
static bool frame_access(u8 base, s32 off, u32 size)
{
	return base == 10 && off >= -MAX_BPF_STACK && off + (s32)size <= 0;
}

/* Has a verifier proven the access at i safe (obj/prog.h's proven_safe)? */
static bool proven(const struct jc *c, u32 i)
{
	return c->prog->proven_safe && c->prog->proven_safe[i];
}

/* r10 = the address; jumps to one of `ok` (patched by land_checks) when it lies in the
 * packet (loads only: the packet loops read byte by byte, so that check comes first), in
 * the frames in use or in the last map value hit; falls through to the slow jumps. */
static void emit_checks(struct jc *c, u32 size, bool write, u32 ok[2], u32 *slow_fx)
{
	struct jbuf *b = &c->hot;

	ok[0] = ~0u;
	if (!write) {
		x86_rm(b, W64, 0x3b, R10, R12, XOFF(pkt_meta));
		u32 below = x86_jcc(b, CC_B);
		x86_rm(b, W64, 0x8b, R11, R12, XOFF(pkt_end));
		x86_rr(b, W64, 0x39, R11, R10);
		u32 above = x86_jcc(b, CC_AE);
		x86_rr(b, W64, 0x29, R10, R11);
		x86_alu_ri(b, W64, 7, R11, (s32)size);
		ok[0] = x86_jcc(b, CC_AE);
		x86_here(b, below);
		x86_here(b, above);
	}
	x86_lea(b, R11, RBP, -MAX_BPF_STACK);
	x86_rr(b, W64, 0x39, R11, R10);
	u32 not_stack = x86_jcc(b, CC_B);
	x86_lea(b, R11, R12, X_TOP - (s32)size);
	x86_rr(b, W64, 0x39, R11, R10);
	ok[1] = x86_jcc(b, CC_BE);
	x86_here(b, not_stack);
	/* the last map value hit: same program, lo <= addr < hi, size fits, allowed */
	x86_rm(b, W64, 0x8b, R11, R12, XOFF(map_hit.prog));
	x86_rm(b, W64, 0x3b, R11, R12, XOFF(prog));
	slow_fx[0] = jump(c, b, CC_NE, TO_COLD, 0);
	x86_rm(b, W64, 0x3b, R10, R12, XOFF(map_hit.lo));
	slow_fx[1] = jump(c, b, CC_B, TO_COLD, 0);
	x86_rm(b, W64, 0x8b, R11, R12, XOFF(map_hit.hi));
	x86_rr(b, W64, 0x39, R11, R10);
	slow_fx[2] = jump(c, b, CC_AE, TO_COLD, 0);
	x86_rr(b, W64, 0x29, R10, R11);
	x86_alu_ri(b, W64, 7, R11, (s32)size);
	slow_fx[3] = jump(c, b, CC_B, TO_COLD, 0);
	x86_rm(b, W32, 0x80, 7, R12, write ? XOFF(map_hit.writable) : XOFF(map_hit.readable));
	emit1(b, 0);
	slow_fx[4] = jump(c, b, CC_E, TO_COLD, 0);
}

/* Points the checks' jumps: ok ones here (hot), slow ones at the cold buffer's end. */
static void land_checks(struct jc *c, u32 ok[2], u32 slow_fx[5])
{
	for (u32 k = 0; k < 2; k++)
		if (ok[k] != ~0u)
			x86_here(&c->hot, ok[k]);
	for (u32 k = 0; k < 5; k++)
		c->fx[slow_fx[k]].target = c->cold.len;
}

static void emit_load(struct jc *c, u32 i, const struct vm_insn *pc, u32 size, bool sx)
{
	u32 ok[2], slow[5];
	int dst = reg_of[pc->dst];

	if (frame_access(pc->src, pc->off, size)) {
		emit_ld(&c->hot, dst, RBP, pc->off, size, sx);
		return;
	}
	if (proven(c, i)) {
		emit_ld(&c->hot, dst, reg_of[pc->src], pc->off, size, sx);
		return;
	}
	x86_lea(&c->hot, R10, reg_of[pc->src], pc->off);
	emit_checks(c, size, false, ok, slow);
	if (c->oom)
		return;
	land_checks(c, ok, slow);
	emit_ld(&c->hot, dst, R10, 0, size, sx);
	stub_call_or_fault(c, &c->cold, jit_rt_load, i | size << 24 | (u32)sx << 28);
	x86_mov(&c->cold, W64, dst, R10);
	jump(c, &c->cold, JMP, TO_HOT, c->hot.len);
}

/* r11 = the value a store writes (a register, or the blinded immediate) */
static void store_value(struct jc *c, struct jbuf *b, const struct vm_insn *pc, bool imm)
{
	if (imm)
		mov_imm(c, b, R11, pc->imm, W64);
	else
		x86_mov(b, W64, R11, reg_of[pc->src]);
}

static void emit_store(struct jc *c, u32 i, const struct vm_insn *pc, u32 size, bool imm)
{
	u32 ok[2], slow[5];
	int base = reg_of[pc->dst], disp = 0;

	if (frame_access(pc->dst, pc->off, size) || proven(c, i)) {
		base = frame_access(pc->dst, pc->off, size) ? RBP : base;
		disp = pc->off;
	} else {
		x86_lea(&c->hot, R10, base, pc->off);
		emit_checks(c, size, true, ok, slow);
		if (c->oom)
			return;
		land_checks(c, ok, slow);
		base = R10;
	}
	if (imm && fits8((s64)pc->imm)) {
		static const enum x86_width w[9] = { [1] = W32, [2] = W16, [4] = W32, [8] = W64 };
		x86_rm(&c->hot, w[size], size == 1 ? 0xc6 : 0xc7, 0, base, disp);
		if (size == 1)
			emit1(&c->hot, (u8)pc->imm);
		else if (size == 2)
			emit1(&c->hot, (u8)pc->imm), emit1(&c->hot, (u8)(pc->imm >> 8));
		else
			emit4(&c->hot, (u32)pc->imm);
	} else {
		if (imm)
			store_value(c, &c->hot, pc, true);
		emit_st(&c->hot, imm ? R11 : reg_of[pc->src], base, disp, size);
	}
	if (base != R10)
		return;
	store_value(c, &c->cold, pc, imm);
	stub_call_or_fault(c, &c->cold, jit_rt_store, i | size << 24);
	jump(c, &c->cold, JMP, TO_HOT, c->hot.len);
}

/* Atomics always go through the vm's check and the C atomics (they are rare). */
static void emit_atomic(struct jc *c, u32 i, const struct vm_insn *pc)
{
	struct jbuf *b = &c->hot;
	bool ldacq = pc->op >= VM_LDACQ_B && pc->op < VM_STREL_B;

	x86_lea(b, R10, reg_of[ldacq ? pc->src : pc->dst], pc->off);
	x86_mov(b, W64, R11, reg_of[pc->src]);
	stub_call_or_fault(c, b, jit_rt_atomic, i | (u32)(pc->op - VM_AADD_W) << 24);
	if (ldacq)
		x86_mov(b, W64, reg_of[pc->dst], R10);
	else if (pc->op == VM_ACMPXCHG_W || pc->op == VM_ACMPXCHG_DW)
		x86_mov(b, W64, RAX, R10);
	else if ((pc->op >= VM_AFADD_W && pc->op <= VM_AXCHG_W) ||
		 (pc->op >= VM_AFADD_DW && pc->op <= VM_AXCHG_DW))
		x86_mov(b, W64, reg_of[pc->src], R10);
}

/* BPF_LD_ABS/IND: R0 = packet bytes, or the function returns 0 */
static void emit_ld_pkt(struct jc *c, u32 i, const struct vm_insn *pc, u32 size, bool ind)
{
	struct jbuf *b = &c->hot;

	if (ind) {
		x86_mov(b, W64, R10, reg_of[pc->src]);
		mov_imm(c, b, R11, pc->imm, W64);
		x86_rr(b, W64, 0x01, R11, R10);
		x86_rr(b, W64, 0x63, R10, R10); /* movsxd: (s32)(SRC + IMM) */
	} else {
		mov_imm(c, b, R10, pc->imm, W64);
	}
	stub_call(c, b, jit_rt_ld_pkt, i | size << 24);
	jump(c, b, CC_E, TO_COLD, c->cold.len);
	x86_mov(b, W64, RAX, R10);
	x86_rr(&c->cold, W32, 0x31, RAX, RAX);
	emit_exit(c, &c->cold, i);
}

static u32 bpf_size_bytes(u16 op)
{
	static const u8 bytes[4] = {
		[BPF_W >> 3] = 4, [BPF_H >> 3] = 2, [BPF_B >> 3] = 1, [BPF_DW >> 3] = 8
	};

	return bytes[BPF_SIZE(op) >> 3];
}

/* ---- ALU ---- */

/* group-1 extension and register-form opcode of ADD, OR, AND, SUB, XOR */
static bool alu_group1(u8 op, int *ext, u32 *opc)
{
	switch (op) {
	case BPF_ADD:
		*ext = 0, *opc = 0x01;
		return true;
	case BPF_OR:
		*ext = 1, *opc = 0x09;
		return true;
	case BPF_AND:
		*ext = 4, *opc = 0x21;
		return true;
	case BPF_SUB:
		*ext = 5, *opc = 0x29;
		return true;
	case BPF_XOR:
		*ext = 6, *opc = 0x31;
		return true;
	}
	return false;
}

/* dst op= r11 (divisor loaded), unsigned or signed, 32 or 64 bits; RFC 9669's zero and
 * -1 rules.  rax and rdx (R0, R3) are kept. */
static void emit_div(struct jc *c, int dst, enum x86_width w, bool sign, bool mod)
{
	struct jbuf *b = &c->hot;
	u32 done[3], n = 0;

	x86_push(b, RAX);
	x86_push(b, RDX);
	x86_mov(b, W64, RAX, dst);
	x86_rr(b, w, 0x85, R11, R11);
	u32 zero = x86_jcc(b, CC_E), m1 = 0;
	if (sign) {
		x86_alu_ri(b, w, 7, R11, -1);
		m1 = x86_jcc(b, CC_E);
		if (w == W64)
			emit1(b, 0x48);
		emit1(b, 0x99); /* cqo / cdq */
		x86_rr(b, w, 0xf7, 7, R11);
	} else {
		x86_rr(b, W32, 0x31, RDX, RDX);
		x86_rr(b, w, 0xf7, 6, R11);
	}
	x86_mov(b, w, R11, mod ? RDX : RAX);
	done[n++] = x86_jmp(b);
	if (sign) {
		x86_here(b, m1);
		if (mod) {
			x86_rr(b, W32, 0x31, R11, R11);
		} else {
			x86_mov(b, w, R11, RAX);
			x86_rr(b, w, 0xf7, 3, R11); /* neg */
		}
		done[n++] = x86_jmp(b);
	}
	x86_here(b, zero);
	if (mod)
		x86_mov(b, w, R11, RAX);
	else
		x86_rr(b, W32, 0x31, R11, R11);
	for (u32 k = 0; k < n; k++)
		x86_here(b, done[k]);
	x86_pop(b, RDX);
	x86_pop(b, RAX);
	x86_mov(b, W64, dst, R11);
}

/* shifts: ext 4 (shl), 5 (shr), 7 (sar) */
static void emit_shift(struct jc *c, const struct vm_insn *pc, enum x86_width w, int ext, bool k)
{
	struct jbuf *b = &c->hot;
	int dst = reg_of[pc->dst], src = reg_of[pc->src];

	if (k) {
		u8 n = (u8)(pc->imm & (w == W64 ? 63 : 31));
		if (n) {
			x86_rr(b, w, 0xc1, ext, dst);
			emit1(b, n);
		} else if (w == W32) {
			x86_mov(b, W32, dst, dst);
		}
		return;
	}
	if (src == RCX) {
		x86_rr(b, w, 0xd3, ext, dst);
	} else {
		x86_mov(b, W64, R11, RCX);
		x86_mov(b, W64, RCX, src);
		x86_rr(b, w, 0xd3, ext, dst == RCX ? R11 : dst);
		x86_mov(b, W64, RCX, R11);
	}
	if (w == W32)
		x86_mov(b, W32, dst, dst); /* a shift by 0 still zero-extends */
}

static bool emit_alu(struct jc *c, const struct vm_insn *pc)
{
	struct jbuf *b = &c->hot;
	enum x86_width w = BPF_CLASS(pc->op) == BPF_ALU64 ? W64 : W32;
	bool k = BPF_SRC(pc->op) == BPF_K;
	int dst = reg_of[pc->dst], src = reg_of[pc->src], ext;
	u8 op = BPF_OP(pc->op);
	u32 opc;

	if (alu_group1(op, &ext, &opc)) {
		if (k && fits8((s64)pc->imm)) {
			x86_alu_ri(b, w, ext, dst, (s32)pc->imm);
			return true;
		}
		if (k)
			mov_imm(c, b, R11, pc->imm, w);
		x86_rr(b, w, opc, k ? R11 : src, dst);
		return true;
	}
	switch (op) {
	case BPF_MOV:
		if (k)
			mov_imm(c, b, dst, pc->imm, w);
		else
			x86_mov(b, w, dst, src);
		return true;
	case BPF_MUL:
		if (k && fits8((s64)pc->imm)) {
			x86_rr(b, w, 0x6b, dst, dst);
			emit1(b, (u8)pc->imm);
			return true;
		}
		if (k)
			mov_imm(c, b, R11, pc->imm, w);
		x86_rr(b, w, 0x0faf, dst, k ? R11 : src);
		return true;
	case BPF_DIV:
	case BPF_MOD:
		if (k)
			mov_imm(c, b, R11, pc->imm, w);
		else
			x86_mov(b, w, R11, src);
		emit_div(c, dst, w, false, op == BPF_MOD);
		return true;
	case BPF_LSH:
		emit_shift(c, pc, w, 4, k);
		return true;
	case BPF_RSH:
		emit_shift(c, pc, w, 5, k);
		return true;
	case BPF_ARSH:
		emit_shift(c, pc, w, 7, k);
		return true;
	case BPF_NEG:
		x86_rr(b, w, 0xf7, 3, dst);
		return true;
	}
	return false;
}

/* signed division, movsx, byte swaps (the vm's own op numbers) */
static bool emit_alu_ext(struct jc *c, const struct vm_insn *pc)
{
	struct jbuf *b = &c->hot;
	int dst = reg_of[pc->dst], src = reg_of[pc->src];
	u16 op = pc->op;

	if (op >= VM_SDIV32_K && op <= VM_SMOD64_X) {
		enum x86_width w = op >= VM_SDIV64_K ? W64 : W32;
		bool x = (op - VM_SDIV32_K) & 1, mod = (op - VM_SDIV32_K) & 2;
		if (x)
			x86_mov(b, w, R11, src);
		else
			mov_imm(c, b, R11, pc->imm, w);
		emit_div(c, dst, w, true, mod);
		return true;
	}
	switch (op) {
	case VM_MOVSX32_8:
		x86_rr(b, W8, 0x0fbe, dst, src);
		return true;
	case VM_MOVSX32_16:
		x86_rr(b, W32, 0x0fbf, dst, src);
		return true;
	case VM_MOVSX64_8:
		x86_rr(b, W64, 0x0fbe, dst, src);
		return true;
	case VM_MOVSX64_16:
		x86_rr(b, W64, 0x0fbf, dst, src);
		return true;
	case VM_MOVSX64_32:
		x86_rr(b, W64, 0x63, dst, src);
		return true;
	case VM_LE16:
		x86_rr(b, W32, 0x0fb7, dst, dst);
		return true;
	case VM_LE32:
		x86_mov(b, W32, dst, dst);
		return true;
	case VM_LE64:
		return true;
	case VM_BE16:
	case VM_BSWAP16:
		x86_rr(b, W16, 0xc1, 1, dst); /* ror r16, 8 */
		emit1(b, 8);
		x86_rr(b, W32, 0x0fb7, dst, dst);
		return true;
	case VM_BE32:
	case VM_BSWAP32:
		x86_prefix(b, W32, 0x0fc8 + (dst & 7), 0, dst);
		return true;
	case VM_BE64:
	case VM_BSWAP64:
		x86_prefix(b, W64, 0x0fc8 + (dst & 7), 0, dst);
		return true;
	}
	return false;
}

/* ---- jumps and calls ---- */

static const u8 jcc_of[16] = {
	[BPF_JEQ >> 4] = CC_E,   [BPF_JNE >> 4] = CC_NE,  [BPF_JGT >> 4] = CC_A,
	[BPF_JGE >> 4] = CC_AE,  [BPF_JLT >> 4] = CC_B,   [BPF_JLE >> 4] = CC_BE,
	[BPF_JSGT >> 4] = CC_G,  [BPF_JSGE >> 4] = CC_GE, [BPF_JSLT >> 4] = CC_L,
	[BPF_JSLE >> 4] = CC_LE, [BPF_JSET >> 4] = CC_NE,
};

static bool emit_cond_jump(struct jc *c, u32 i, const struct vm_insn *pc)
{
	struct jbuf *b = &c->hot;
	enum x86_width w = BPF_CLASS(pc->op) == BPF_JMP ? W64 : W32;
	bool k = BPF_SRC(pc->op) == BPF_K, jset = BPF_OP(pc->op) == BPF_JSET;
	int dst = reg_of[pc->dst], rhs = reg_of[pc->src];
	u8 cc = jcc_of[BPF_OP(pc->op) >> 4];

	if (!cc)
		return false;
	if (k && fits8((s64)pc->imm)) {
		if (jset) {
			x86_rr(b, w, 0xf7, 0, dst);
			emit4(b, (u32)pc->imm);
		} else if (pc->imm == 0) {
			x86_rr(b, w, 0x85, dst, dst); /* test: every flag as cmp with 0 sets it */
		} else {
			x86_alu_ri(b, w, 7, dst, (s32)pc->imm);
		}
	} else {
		if (k) {
			mov_imm(c, b, R11, pc->imm, w);
			rhs = R11;
		}
		x86_rr(b, w, jset ? 0x85 : 0x39, rhs, dst);
	}
	if (pc->off >= 0) {
		jump(c, b, cc, TO_INSN, (u32)((s64)i + pc->off + 1));
		return true;
	}
	u32 skip = x86_jcc(b, cc ^ 1);
	emit_goto(c, b, i, pc->off);
	x86_here(b, skip);
	return true;
}

static void emit_helper_call(struct jc *c, u32 i, const struct vm_insn *pc)
{
	struct jbuf *b = &c->hot;
	static const u8 args[] = { RDI, RSI, RDX, RCX, R8, R8 }; /* R8 twice: alignment */

	if (pc->off != BPF_FUNC_spin_unlock) {
		x86_alu_mi(b, W64, 7, R12, XOFF(held_lock), 0);
		jump(c, b, CC_NE, TO_COLD, c->cold.len);
		stub_call_or_fault(c, &c->cold, jit_rt_lock_fault, i);
	}
	x86_rm(b, W64, 0x89, R9, R12, XOFF(budget_slice));
	for (u32 k = 0; k < ARRAY_SIZE(args); k++)
		x86_push(b, args[k]);
	x86_mov(b, W64, R9, R8);
	x86_mov(b, W64, R8, RCX);
	x86_mov(b, W64, RCX, RDX);
	x86_mov(b, W64, RDX, RSI);
	x86_mov(b, W64, RSI, RDI);
	x86_mov(b, W64, RDI, R12);
	x86_mov_imm(b, RAX, pc->imm);
	x86_rr(b, W32, 0xff, 2, RAX); /* call rax */
	for (u32 k = ARRAY_SIZE(args); k-- > 0;)
		x86_pop(b, args[k]);
	x86_rm(b, W64, 0x8b, R9, R12, XOFF(budget_slice));
	x86_alu_mi(b, W32, 7, R12, XOFF(fault), 0);
	jump(c, b, CC_NE, TO_HOT, c->fault_exit);
}

static void emit_local_call(struct jc *c, u32 i, const struct vm_insn *pc)
{
	struct jbuf *b = &c->hot;
	static const u8 kept[] = { RBX, R13, R14, R15 }; /* R6..R9 */

	x86_alu_mi(b, W32, 7, R12, XOFF(depth), MAX_CALL_FRAMES);
	jump(c, b, CC_AE, TO_COLD, c->cold.len);
	stub_call_or_fault(c, &c->cold, jit_rt_depth_fault, i);
	x86_alu_mi(b, W32, 0, R12, XOFF(depth), 1);
	if (pc->off < 0) {
		x86_alu_ri(b, W64, 0, R9, pc->off);
		charge_tail(c, b, i);
	}
	for (u32 k = 0; k < ARRAY_SIZE(kept); k++)
		x86_push(b, kept[k]);
	emit1(b, 0x68); /* push imm32: the index the callee's exit charges from */
	emit4(b, i + 1);
	x86_alu_ri(b, W64, 5, RBP, MAX_BPF_STACK);
	jump(c, b, CALL, TO_INSN, (u32)((s64)i + pc->off + 1));
	x86_alu_ri(b, W64, 0, RBP, MAX_BPF_STACK);
	x86_lea(b, RSP, RSP, 8);
	for (u32 k = ARRAY_SIZE(kept); k-- > 0;)
		x86_pop(b, kept[k]);
	x86_alu_mi(b, W32, 5, R12, XOFF(depth), 1);
	x86_mov_imm(b, R11, (u64)(uintptr_t)c->prog); /* a tail call in the callee changed it */
	x86_rm(b, W64, 0x89, R11, R12, XOFF(prog));
}

static void emit_tail_call(struct jc *c, u32 i)
{
	struct jbuf *b = &c->hot;

	x86_mov(b, W64, R10, reg_of[2]);
	x86_mov(b, W64, R11, reg_of[3]);
	stub_call_or_fault(c, b, jit_rt_tail_call, i);
	x86_alu_ri(b, W64, 7, R11, 2);
	u32 interp = x86_jcc(b, CC_E);
	x86_rr(b, W64, 0x85, R10, R10);
	u32 next = x86_jcc(b, CC_E);
	x86_rm(b, W64, 0x8b, RDI, R12, XOFF(ctx));
	x86_rr(b, W32, 0xff, 4, R10); /* jmp r10 */
	x86_here(b, interp);
	x86_mov(b, W64, RAX, R10);
	emit1(b, 0xc3);
	x86_here(b, next);
}

static void emit_may_goto(struct jc *c, u32 i, const struct vm_insn *pc)
{
	struct jbuf *b = &c->hot;

	x86_alu_mi(b, W32, 7, R12, XOFF(may_goto_left), 0);
	u32 taken = x86_jcc(b, CC_E);
	x86_alu_mi(b, W32, 5, R12, XOFF(may_goto_left), 1);
	u32 next = x86_jmp(b);
	x86_here(b, taken);
	emit_goto(c, b, i, pc->off);
	x86_here(b, next);
}

static bool emit_insn(struct jc *c, u32 i, const struct vm_insn *pc)
{
	u16 op = pc->op;

	if (op > 0xff)
		goto vm_op;
	switch (BPF_CLASS(op)) {
	case BPF_ALU:
	case BPF_ALU64:
		return emit_alu(c, pc);
	case BPF_JMP:
		if (op == (BPF_JMP | BPF_JA)) {
			emit_goto(c, &c->hot, i, pc->off);
			return true;
		}
		if (op == (BPF_JMP | BPF_EXIT)) {
			emit_exit(c, &c->hot, i);
			return true;
		}
		return emit_cond_jump(c, i, pc);
	case BPF_JMP32:
		return emit_cond_jump(c, i, pc);
	case BPF_LD:
		if (op == (BPF_LD | BPF_IMM | BPF_DW)) {
			mov_imm64(c, &c->hot, reg_of[pc->dst], pc->imm);
			return true;
		}
		emit_ld_pkt(c, i, pc, bpf_size_bytes(op), BPF_MODE(op) == BPF_IND);
		return true;
	case BPF_LDX:
		emit_load(c, i, pc, bpf_size_bytes(op), BPF_MODE(op) == BPF_MEMSX);
		return true;
	case BPF_ST:
	case BPF_STX:
		emit_store(c, i, pc, bpf_size_bytes(op), BPF_CLASS(op) == BPF_ST);
		return true;
	}
	return false;
vm_op:
	if (op >= VM_AADD_W && op <= VM_STREL_DW) {
		emit_atomic(c, i, pc);
		return true;
	}
	switch (op) {
	case VM_CALL_HELPER:
		emit_helper_call(c, i, pc);
		return true;
	case VM_CALL_MISSING:
		stub_call_or_fault(c, &c->hot, jit_rt_missing, i);
		return true;
	case VM_CALL_LOCAL:
		emit_local_call(c, i, pc);
		return true;
	case VM_TAIL_CALL:
		emit_tail_call(c, i);
		return true;
	case VM_MAY_GOTO:
		emit_may_goto(c, i, pc);
		return true;
	case VM_NOP:
		return true;
	}
	return emit_alu_ext(c, pc);
}

/* ---- the image ---- */

static u64 random_key(void)
{
	u64 k = 0;

	if (sys_raw(SYS_getrandom, (long)&k, sizeof(k), 0x1 /* GRND_NONBLOCK */, 0, 0, 0) !=
	    sizeof(k))
		k = __builtin_ia32_rdtsc() * 0x9e3779b97f4a7c15ull;
	return k | 1; /* never 0 */
}

/* Resolves the fixups with cold code placed after hot code; false on a jump too far. */
static void resolve(struct jc *c, u8 *code)
{
	u32 hot_len = c->hot.len;

	for (u32 k = 0; k < c->nr_fx; k++) {
		const struct fixup *f = &c->fx[k];
		u32 pos = f->pos + (f->from_cold ? hot_len : 0);
		u32 target = f->kind == TO_INSN ? c->addr[f->target] :
			     f->kind == TO_HOT  ? f->target :
						  hot_len + f->target;
		u32 rel = target - (pos + 4);
		memcpy(code + pos, &rel, 4);
	}
}

static struct jit_image *build_image(struct jc *c)
{
	const struct bpf_prog *prog = c->prog;
	u32 len = c->hot.len + c->cold.len, nf = prog->nr_subprogs ? prog->nr_subprogs : 1;
	size_t map_len = ROUND_UP((size_t)len, 4096);
	struct jit_image *im = calloc(1, sizeof(*im));
	u8 *code = NULL;

	if (im)
		im->func_off = calloc(nf + 1, sizeof(u32));
	if (!im || !im->func_off)
		goto fail;
	code = sys_mmap(NULL, map_len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (code == MAP_FAILED) {
		code = NULL;
		goto fail;
	}
	memcpy(code, c->hot.p, c->hot.len);
	if (c->cold.len) /* no cold code: no buffer */
		memcpy(code + c->hot.len, c->cold.p, c->cold.len);
	resolve(c, code);
	if (sys_raw(SYS_mprotect, (long)code, (long)map_len, PROT_READ | PROT_EXEC, 0, 0, 0))
		goto fail;
	im->code = code;
	im->map_len = map_len;
	im->len = len;
	im->insn_off = c->addr;
	im->nr_funcs = nf;
	for (u32 f = 1; f < nf; f++)
		im->func_off[f] = c->addr[prog->subprogs[f].start];
	im->func_off[nf] = len;
	c->addr = NULL;
	return im;
fail:
	if (code)
		sys_munmap(code, map_len);
	if (im)
		free(im->func_off);
	free(im);
	return NULL;
}

void jit_compile(struct bpf_prog *prog)
{
	const struct vm_code *vc = prog->vm_code;
	struct jc c = { .prog = prog, .vc = vc };
	bool ok = true;

#ifndef __x86_64__
	return; /* no JIT for this architecture: the interpreter runs everything */
#endif
	if (!vc || vc->cov)
		return; /* counting coverage is the interpreter's (vm/coverage.c) */
	c.key64 = random_key();
	c.key32 = (u32)(c.key64 >> 16) | 1;
	c.addr = calloc(vc->len, sizeof(u32));
	if (!c.addr)
		return;
	emit_trampoline(&c);
	emit_thunk(&c);
	for (u32 i = 0; i < vc->len && ok; i++) {
		c.addr[i] = c.hot.len;
		ok = emit_insn(&c, i, &vc->insns[i]);
	}
	if (ok && !c.oom && !c.hot.oom && !c.cold.oom) {
		struct jit_image *im = build_image(&c);
		if (im) {
			prog->jit = im;
			prog->native = jit_run;
		}
	}
	free(c.addr);
	free(c.fx);
	free(c.hot.p);
	free(c.cold.p);
}

void jit_release(struct bpf_prog *prog)
{
	struct jit_image *im = prog->jit;

	if (!im)
		return;
	sys_munmap(im->code, im->map_len);
	free(im->insn_off);
	free(im->func_off);
	free(im);
	prog->jit = NULL;
	prog->native = NULL;
}

const u8 *jit_code(const struct bpf_prog *prog, u32 *len)
{
	const struct jit_image *im = prog->jit;

	*len = im ? im->len : 0;
	return im ? im->code : NULL;
}

u32 jit_nr_funcs(const struct bpf_prog *prog)
{
	const struct jit_image *im = prog->jit;

	return im ? im->nr_funcs : 0;
}

u32 jit_func_len(const struct bpf_prog *prog, u32 func)
{
	const struct jit_image *im = prog->jit;

	return im->func_off[func + 1] - im->func_off[func];
}

u64 jit_func_addr(const struct bpf_prog *prog, u32 func)
{
	const struct jit_image *im = prog->jit;

	return (u64)(uintptr_t)(im->code + im->func_off[func]);
}
