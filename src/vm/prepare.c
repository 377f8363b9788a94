/* Load-time instruction checks and pre-decoding (vm_prepare).
 *
 * The checks are the kernel verifier's structural ones, in the kernel's order and with its
 * messages (measured on Linux 6.18):
 *   1. functions and jumps: call targets, jumps leaving their function, a function whose
 *      last instruction can fall off its end;
 *   2. opcodes: LDX reserved fields, ld_imm64 pairs, opcodes outside the instruction set;
 *   3. control flow: jumps into the second half of ld_imm64, unreachable instructions;
 *   4. each instruction: reserved fields, registers, writes to the frame pointer.
 * What needs values (division by a zero immediate, shift amounts, types of registers) is
 * the verifier's business, not the instruction set's: the interpreter gives those their
 * RFC 9669 meaning.  No lock: a program is prepared once, before anyone runs it.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "vm_internal.h"

#define BPF_MAX_REG 11 /* R0..R10 */

struct checker {
	const struct bpf_prog *prog;
	const struct bpf_insn *insns;
	u32 len;
	bool *func_start;
	char *msg;
	size_t msglen;
};

static int reject(struct checker *c, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int reject(struct checker *c, int err, const char *fmt, ...)
{
	va_list ap;

	if (c->msglen) {
		va_start(ap, fmt);
		vsnprintf(c->msg, c->msglen, fmt, ap);
		va_end(ap);
	}
	return err;
}

static bool is_pseudo_func(const struct bpf_insn *in)
{
	return is_ld_imm64(in) && in->src_reg == BPF_PSEUDO_FUNC;
}

/* Displacement of a jump (JMP32|JA carries it in imm). */
static s32 jump_off(const struct bpf_insn *in)
{
	return in->code == (BPF_JMP32 | BPF_JA) ? in->imm : in->off;
}

/* Is `code` an opcode of the instruction set (the kernel's table)? */
static bool opcode_known(u8 code)
{
	u8 op = BPF_OP(code), size = BPF_SIZE(code), mode = BPF_MODE(code);

	switch (BPF_CLASS(code)) {
	case BPF_ALU:
	case BPF_ALU64:
		if (op == BPF_NEG)
			return BPF_SRC(code) == BPF_K;
		if (op == BPF_END)
			return BPF_CLASS(code) == BPF_ALU || BPF_SRC(code) == BPF_TO_LE;
		return op <= BPF_END;
	case BPF_JMP:
		if (op == BPF_JA || op == BPF_CALL || op == BPF_EXIT || op == BPF_JCOND)
			return BPF_SRC(code) == BPF_K;
		return op <= BPF_JSLE;
	case BPF_JMP32:
		if (op == BPF_JA)
			return BPF_SRC(code) == BPF_K;
		return op <= BPF_JSLE && op != BPF_CALL && op != BPF_EXIT;
	case BPF_LD:
		if (mode == BPF_IMM)
			return size == BPF_DW;
		return (mode == BPF_ABS || mode == BPF_IND) && size != BPF_DW;
	case BPF_LDX:
		return mode == BPF_MEM || (mode == BPF_MEMSX && size != BPF_DW);
	case BPF_ST:
		return mode == BPF_MEM;
	case BPF_STX:
		return mode == BPF_MEM || (mode == BPF_ATOMIC);
	}
	return false;
}

/* 1. Function starts (entry, call and callback targets), jumps inside their function,
 * and no function that falls off its end. */
static int check_functions(struct checker *c)
{
	const struct bpf_insn *in = c->insns;
	u32 i, start, end;

	c->func_start[0] = true;
	for (i = 0; i < c->len; i++) {
		if (!is_pseudo_call(&in[i]) && !is_pseudo_func(&in[i]))
			continue;
		s64 target = (s64)i + in[i].imm + 1;
		if (target < 0 || target >= c->len)
			return reject(c, -EINVAL, "call to invalid destination");
		c->func_start[target] = true;
	}
	for (start = 0; start < c->len; start = end) {
		for (end = start + 1; end < c->len && !c->func_start[end]; end++)
			;
		for (i = start; i < end; i++) {
			u8 code = in[i].code, cls = BPF_CLASS(code);

			if ((cls == BPF_JMP || cls == BPF_JMP32) && code != (BPF_JMP | BPF_CALL) &&
			    code != (BPF_JMP | BPF_EXIT)) {
				s64 target = (s64)i + jump_off(&in[i]) + 1;
				if (target < start || target >= end)
					return reject(c, -EINVAL,
						      "jump out of range from insn %u to %lld", i,
						      (long long)target);
			}
		}
		u8 last = in[end - 1].code;
		if (last != (BPF_JMP | BPF_EXIT) && last != (BPF_JMP | BPF_JA) &&
		    last != (BPF_JMP32 | BPF_JA))
			return reject(c, -EINVAL, "last insn is not an exit or jmp");
	}
	return 0;
}

/* 2. LDX reserved fields, ld_imm64 pairs, opcodes. */
static int check_opcodes(struct checker *c)
{
	const struct bpf_insn *in = c->insns;

	for (u32 i = 0; i < c->len; i++) {
		if (BPF_CLASS(in[i].code) == BPF_LDX &&
		    ((BPF_MODE(in[i].code) != BPF_MEM && BPF_MODE(in[i].code) != BPF_MEMSX) ||
		     in[i].imm))
			return reject(c, -EINVAL, "BPF_LDX uses reserved fields");
		if (is_ld_imm64(&in[i])) {
			if (i == c->len - 1 || in[i + 1].code || in[i + 1].dst_reg ||
			    in[i + 1].src_reg || in[i + 1].off)
				return reject(c, -EINVAL, "invalid bpf_ld_imm64 insn");
			if (in[i].src_reg > 6) /* BPF_PSEUDO_MAP_IDX_VALUE is the last kind */
				return reject(c, -EINVAL, "unrecognized bpf_ld_imm64 insn");
			i++;
			continue;
		}
		if (!opcode_known(in[i].code))
			return reject(c, -EINVAL, "unknown opcode %02x", in[i].code);
	}
	return 0;
}

/* Successors of instruction i: up to two, and the callee of a call or callback. */
static u32 successors(const struct bpf_insn *in, u32 i, s64 next[3])
{
	u8 code = in[i].code, cls = BPF_CLASS(code), op = BPF_OP(code);
	u32 n = 0;

	if (is_ld_imm64(&in[i])) {
		next[n++] = i + 2;
		if (is_pseudo_func(&in[i]))
			next[n++] = (s64)i + in[i].imm + 1;
		return n;
	}
	if (cls != BPF_JMP && cls != BPF_JMP32) {
		next[n++] = i + 1;
		return n;
	}
	if (op == BPF_EXIT)
		return 0;
	if (op == BPF_CALL) {
		next[n++] = i + 1;
		if (is_pseudo_call(&in[i]))
			next[n++] = (s64)i + in[i].imm + 1;
		return n;
	}
	if (op != BPF_JA)
		next[n++] = i + 1;
	next[n++] = (s64)i + jump_off(&in[i]) + 1;
	return n;
}

/* 3. Jumps into the middle of ld_imm64, unreachable instructions. */
static int check_cfg(struct checker *c)
{
	const struct bpf_insn *in = c->insns;
	u32 *todo = malloc(sizeof(*todo) * c->len);
	bool *seen = calloc(c->len, 1);
	u32 nr = 0, i;
	int err = 0;

	if (!todo || !seen) {
		err = reject(c, -ENOMEM, "out of memory");
		goto out;
	}
	seen[0] = true;
	todo[nr++] = 0;
	while (nr && !err) {
		s64 next[3];
		u32 t = todo[--nr], n = successors(in, t, next);

		for (u32 k = 0; k < n; k++) {
			s64 w = next[k]; /* in range: check_functions saw every target */
			if (w > 0 && is_ld_imm64(&in[w - 1])) {
				err = reject(c, -EINVAL,
					     "jump into the middle of ldimm64 insn %lld",
					     (long long)(w - 1));
				break;
			}
			if (!seen[w]) {
				seen[w] = true;
				todo[nr++] = (u32)w;
			}
		}
	}
	for (i = 0; i < c->len && !err; i++) {
		if (!seen[i])
			err = reject(c, -EINVAL, "unreachable insn %u", i);
		else if (is_ld_imm64(&in[i]))
			i++;
	}
out:
	free(todo);
	free(seen);
	return err;
}

static int check_reg(struct checker *c, u8 reg, bool write)
{
	if (reg >= BPF_MAX_REG)
		return reject(c, -EINVAL, "R%u is invalid", reg);
	if (write && reg == BPF_REG_10)
		return reject(c, -EACCES, "frame pointer is read only");
	return 0;
}

/* Source register (when there is one), then the destination. */
static int check_regs(struct checker *c, const struct bpf_insn *in, bool has_src, bool dst_written)
{
	int err = has_src ? check_reg(c, in->src_reg, false) : 0;

	return err ? err : check_reg(c, in->dst_reg, dst_written);
}

static int check_alu(struct checker *c, const struct bpf_insn *in)
{
	bool alu64 = BPF_CLASS(in->code) == BPF_ALU64, x = BPF_SRC(in->code) == BPF_X;
	u8 op = BPF_OP(in->code);

	if (op == BPF_NEG || op == BPF_END) {
		bool bad = in->src_reg || in->off;
		if (op == BPF_NEG)
			bad = bad || in->imm;
		else
			bad = bad || (in->imm != 16 && in->imm != 32 && in->imm != 64);
		if (bad)
			return reject(c, -EINVAL, "%s uses reserved fields",
				      op == BPF_NEG ? "BPF_NEG" : "BPF_END");
		return check_regs(c, in, false, true);
	}
	if (op == BPF_MOV) {
		if (x && alu64 && in->off == BPF_ADDR_SPACE_CAST) {
			if (in->imm != 1 && in->imm != 1 << 16)
				return reject(c, -EINVAL,
					      "addr_space_cast insn can only convert between "
					      "address space 1 and 0");
			return reject(c, -EINVAL,
				      "addr_space_cast insn can only be used in a program that has "
				      "an associated arena");
		}
		bool sx_ok = in->off == 0 || in->off == 8 || in->off == 16 ||
			     (alu64 && in->off == 32);
		if (x ? (!sx_ok || in->imm) : (in->src_reg || in->off))
			return reject(c, -EINVAL, "BPF_MOV uses reserved fields");
		return check_regs(c, in, x, true);
	}
	bool bad_off = (in->off != 0 && in->off != 1) ||
		       (in->off == 1 && op != BPF_DIV && op != BPF_MOD);
	if (bad_off || (x ? in->imm != 0 : in->src_reg != 0))
		return reject(c, -EINVAL, "BPF_ALU uses reserved fields");
	return check_regs(c, in, x, true);
}

static int check_atomic(struct checker *c, const struct bpf_insn *in)
{
	u8 size = BPF_SIZE(in->code);
	int err;

	switch (in->imm) {
	case BPF_ADD:
	case BPF_OR:
	case BPF_AND:
	case BPF_XOR:
	case BPF_ADD | BPF_FETCH:
	case BPF_OR | BPF_FETCH:
	case BPF_AND | BPF_FETCH:
	case BPF_XOR | BPF_FETCH:
	case BPF_XCHG:
	case BPF_CMPXCHG:
		if (size != BPF_W && size != BPF_DW)
			return reject(c, -EINVAL, "invalid atomic operand size");
		err = check_regs(c, in, true, false);
		if (!err && in->imm == BPF_CMPXCHG)
			err = check_reg(c, BPF_REG_0, true);
		else if (!err && (in->imm & BPF_FETCH))
			err = check_reg(c, in->src_reg, true);
		return err;
	case BPF_LOAD_ACQ:
		return check_regs(c, in, true, false) ?: check_reg(c, in->dst_reg, true);
	case BPF_STORE_REL:
		return check_regs(c, in, true, false);
	}
	return reject(c, -EINVAL, "BPF_ATOMIC uses invalid atomic opcode %02x", in->imm);
}

/* The implementation the loader bound kfunc call `in` to (prog->kfuncs), or NULL. */
static helper_fn kfunc_fn(const struct bpf_prog *prog, const struct bpf_insn *in)
{
	const struct kfunc_bind *b = prog_kfunc(prog, in->imm, in->off);

	return b ? b->fn : NULL;
}

static int check_jmp(struct checker *c, const struct bpf_insn *in)
{
	bool jmp32 = BPF_CLASS(in->code) == BPF_JMP32, x = BPF_SRC(in->code) == BPF_X;

	switch (BPF_OP(in->code)) {
	case BPF_CALL:
		if (in->src_reg == BPF_PSEUDO_KFUNC_CALL) {
			/* off names the module BTF: the loader bound the call, or refused it */
			if (in->dst_reg)
				return reject(c, -EINVAL, "BPF_CALL uses reserved fields");
			if (!kfunc_fn(c->prog, in))
				return reject(c, -EINVAL,
					      "calling kernel functions is not supported");
			return 0;
		}
		if (in->off || (in->src_reg && in->src_reg != BPF_PSEUDO_CALL) || in->dst_reg)
			return reject(c, -EINVAL, "BPF_CALL uses reserved fields");
		return 0;
	case BPF_JA:
		if (in->src_reg || in->dst_reg || (jmp32 ? in->off : in->imm))
			return reject(c, -EINVAL, "BPF_JA uses reserved fields");
		return 0;
	case BPF_EXIT:
		if (in->imm || in->src_reg || in->dst_reg)
			return reject(c, -EINVAL, "BPF_EXIT uses reserved fields");
		return 0;
	case BPF_JCOND:
		if (in->src_reg != BPF_MAY_GOTO || in->dst_reg || in->imm)
			return reject(c, -EINVAL, "invalid may_goto imm %d", in->imm);
		return 0;
	}
	if (x ? in->imm != 0 : in->src_reg != 0)
		return reject(c, -EINVAL, "BPF_JMP/JMP32 uses reserved fields");
	return check_regs(c, in, x, false);
}

static int check_insn(struct checker *c, const struct bpf_insn *in)
{
	switch (BPF_CLASS(in->code)) {
	case BPF_ALU:
	case BPF_ALU64:
		return check_alu(c, in);
	case BPF_LDX:
		return check_regs(c, in, true, true);
	case BPF_STX:
		if (BPF_MODE(in->code) == BPF_ATOMIC)
			return check_atomic(c, in);
		if (in->imm)
			return reject(c, -EINVAL, "BPF_STX uses reserved fields");
		return check_regs(c, in, true, false);
	case BPF_ST:
		if (in->src_reg)
			return reject(c, -EINVAL, "BPF_ST uses reserved fields");
		return check_regs(c, in, false, false);
	case BPF_LD:
		if (BPF_MODE(in->code) == BPF_IMM) {
			if (in->off)
				return reject(c, -EINVAL, "BPF_LD_IMM64 uses reserved fields");
			return check_reg(c, in->dst_reg, true);
		}
		if (in->dst_reg || in->off || (BPF_MODE(in->code) == BPF_ABS && in->src_reg))
			return reject(c, -EINVAL, "BPF_LD_[ABS|IND] uses reserved fields");
		return BPF_MODE(in->code) == BPF_IND ? check_reg(c, in->src_reg, false) : 0;
	default:
		return check_jmp(c, in);
	}
}

/* 4. Every instruction on its own. */
static int check_insns(struct checker *c)
{
	for (u32 i = 0; i < c->len; i++) {
		int err = check_insn(c, &c->insns[i]);
		if (err)
			return err;
		if (is_ld_imm64(&c->insns[i]))
			i++;
	}
	return 0;
}

/* ---- decoding ---- */

static u16 decode_alu(const struct bpf_insn *in)
{
	bool alu64 = BPF_CLASS(in->code) == BPF_ALU64, x = BPF_SRC(in->code) == BPF_X;
	u8 op = BPF_OP(in->code);

	if (in->off == 1 && (op == BPF_DIV || op == BPF_MOD)) {
		u16 base = alu64 ? VM_SDIV64_K : VM_SDIV32_K;
		return base + (op == BPF_MOD ? 2 : 0) + x;
	}
	if (op == BPF_MOV && x && in->off) {
		switch (in->off) {
		case 8:
			return alu64 ? VM_MOVSX64_8 : VM_MOVSX32_8;
		case 16:
			return alu64 ? VM_MOVSX64_16 : VM_MOVSX32_16;
		default:
			return VM_MOVSX64_32;
		}
	}
	if (op == BPF_END) {
		u16 base = alu64 ? VM_BSWAP16 : x ? VM_BE16 : VM_LE16;
		return base + (in->imm == 32) + 2 * (in->imm == 64);
	}
	return in->code;
}

static u16 decode_atomic(const struct bpf_insn *in)
{
	static const s32 rmw[] = {
		BPF_ADD,
		BPF_OR,
		BPF_AND,
		BPF_XOR,
		BPF_ADD | BPF_FETCH,
		BPF_OR | BPF_FETCH,
		BPF_AND | BPF_FETCH,
		BPF_XOR | BPF_FETCH,
		BPF_XCHG,
		BPF_CMPXCHG,
	};
	static const u8 size_index[] = {
		[BPF_B >> 3] = 0, [BPF_H >> 3] = 1, [BPF_W >> 3] = 2, [BPF_DW >> 3] = 3
	};
	u32 sz = size_index[BPF_SIZE(in->code) >> 3];

	if (in->imm == BPF_LOAD_ACQ)
		return VM_LDACQ_B + sz;
	if (in->imm == BPF_STORE_REL)
		return VM_STREL_B + sz;
	for (u32 k = 0; k < ARRAY_SIZE(rmw); k++)
		if (rmw[k] == in->imm)
			return (sz == 3 ? VM_AADD_DW : VM_AADD_W) + k;
	return VM_NOP; /* not reached: check_atomic refused it */
}

static void decode_call(const struct bpf_prog *prog, const struct bpf_insn *in, struct vm_insn *out,
			const struct helper_desc *(*lookup)(u32 id))
{
	const struct helper_desc *h;

	if (in->src_reg == BPF_PSEUDO_CALL) {
		out->op = VM_CALL_LOCAL;
		out->off = in->imm;
		return;
	}
	if (in->src_reg == BPF_PSEUDO_KFUNC_CALL) {
		/* check_jmp made sure it is bound: called as a helper is; one allowed under a
		 * bpf_spin_lock gets bpf_spin_unlock's exemption (off: the helper id) */
		const struct kfunc_bind *b = prog_kfunc(prog, in->imm, in->off);
		out->op = VM_CALL_HELPER;
		out->imm = (u64)(uintptr_t)b->fn;
		out->off = b->under_lock ? BPF_FUNC_spin_unlock : 0;
		return;
	}
	out->off = in->imm;
	if (in->imm == BPF_FUNC_tail_call) {
		out->op = VM_TAIL_CALL;
		return;
	}
	h = lookup((u32)in->imm);
	if (h && h->fn) {
		out->op = VM_CALL_HELPER;
		out->imm = (u64)(uintptr_t)h->fn;
	} else {
		out->op = VM_CALL_MISSING;
	}
}

static void decode(const struct bpf_prog *prog, struct vm_code *vc,
		   const struct helper_desc *(*lookup)(u32 id))
{
	const struct bpf_insn *insns = prog->insns;

	for (u32 i = 0; i < prog->len; i++) {
		const struct bpf_insn *in = &insns[i];
		struct vm_insn *out = &vc->insns[i];
		u8 cls = BPF_CLASS(in->code);

		*out = (struct vm_insn){ .op = in->code,
					 .dst = in->dst_reg,
					 .src = in->src_reg,
					 .off = in->off,
					 .imm = (u64)(s64)in->imm };
		if (cls == BPF_ALU || cls == BPF_ALU64) {
			out->op = decode_alu(in);
		} else if (cls == BPF_STX && BPF_MODE(in->code) == BPF_ATOMIC) {
			out->op = decode_atomic(in);
		} else if (in->code == (BPF_JMP | BPF_CALL)) {
			decode_call(prog, in, out, lookup);
		} else if (in->code == (BPF_JMP32 | BPF_JA)) {
			out->op = BPF_JMP | BPF_JA;
			out->off = in->imm;
		} else if (in->code == (BPF_JMP | BPF_JCOND)) {
			out->op = VM_MAY_GOTO;
		} else if (is_ld_imm64(in)) {
			if (is_pseudo_func(in))
				out->imm = vm_func_value(prog, i + in->imm + 1);
			else
				out->imm = (u64)(u32)in[0].imm | (u64)(u32)in[1].imm << 32;
			vc->insns[++i] = (struct vm_insn){ .op = VM_NOP };
		}
	}
}

int vm_prepare(struct bpf_prog *prog, const struct helper_desc *(*lookup)(u32 id), char *msg,
	       size_t msglen)
{
	struct checker c = {
		.prog = prog, .insns = prog->insns, .len = prog->len, .msg = msg, .msglen = msglen
	};
	struct vm_code *vc;
	int err;

	if (msglen)
		msg[0] = 0;
	if (!prog->len)
		return reject(&c, -EINVAL, "empty program");
	vc = calloc(1, sizeof(*vc) + sizeof(vc->insns[0]) * prog->len);
	c.func_start = calloc(prog->len, 1);
	if (!vc || !c.func_start) {
		err = reject(&c, -ENOMEM, "out of memory");
		goto fail;
	}
	err = check_functions(&c);
	if (!err)
		err = check_opcodes(&c);
	if (!err)
		err = check_cfg(&c);
	if (!err)
		err = check_insns(&c);
	if (err)
		goto fail;
	vc->len = prog->len;
	vc->func_start = c.func_start;
	if (vm_coverage_alloc(vc)) {
		err = reject(&c, -ENOMEM, "out of memory");
		goto fail;
	}
	decode(prog, vc, lookup);
	prog->vm_code = vc;
	return 0;
fail:
	free(c.func_start);
	free(vc);
	return err;
}

void vm_release(struct bpf_prog *prog)
{
	struct vm_code *vc = prog->vm_code;

	if (!vc)
		return;
	free(vc->func_start);
	vm_coverage_free(vc);
	free(vc);
	prog->vm_code = NULL;
}
