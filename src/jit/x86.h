/* A minimal x86-64 encoder for the JIT: a growing byte buffer and the few instruction forms
 * compile.c uses.  No state beyond the buffer; no locking (one compile at a time per
 * buffer). */
#ifndef BPFRUN_JIT_X86_H
#define BPFRUN_JIT_X86_H

#include <stdlib.h>
#include <string.h>

#include "../lib/common.h"

enum x86_reg { RAX, RCX, RDX, RBX, RSP, RBP, RSI, RDI, R8, R9, R10, R11, R12, R13, R14, R15 };

/* condition codes (the low nibble of Jcc) */
enum x86_cc {
	CC_B = 2,
	CC_AE = 3,
	CC_E = 4,
	CC_NE = 5,
	CC_BE = 6,
	CC_A = 7,
	CC_S = 8,
	CC_NS = 9,
	CC_L = 0xc,
	CC_GE = 0xd,
	CC_LE = 0xe,
	CC_G = 0xf,
};

/* operand widths: W8 forces a REX prefix so that SIL/DIL are encodable */
enum x86_width { W32, W64, W16, W8 };

struct jbuf {
	u8 *p;
	u32 len, cap;
	bool oom;
};

static inline void emit1(struct jbuf *b, u8 v)
{
	if (b->len == b->cap) {
		u32 cap = b->cap ? b->cap * 2 : 4096;
		u8 *p = cap > b->cap ? realloc(b->p, cap) : NULL;
		if (!p) {
			b->oom = true;
			b->len = 0; /* keep writing somewhere harmless; the result is discarded */
			return;
		}
		b->p = p;
		b->cap = cap;
	}
	b->p[b->len++] = v;
}

static inline void emit4(struct jbuf *b, u32 v)
{
	for (int i = 0; i < 4; i++)
		emit1(b, (u8)(v >> (8 * i)));
}

static inline void emit8(struct jbuf *b, u64 v)
{
	emit4(b, (u32)v);
	emit4(b, (u32)(v >> 32));
}

static inline void patch4(struct jbuf *b, u32 pos, u32 v)
{
	if (!b->oom)
		memcpy(b->p + pos, &v, 4);
}

static inline bool fits8(s64 v)
{
	return v >= -128 && v <= 127;
}

static inline bool fits32(s64 v)
{
	return v >= INT32_MIN && v <= INT32_MAX;
}

/* Prefixes and opcode (one or two bytes: 0x0fXX) with reg in ModRM.reg, rm/base in
 * ModRM.rm. */
static inline void x86_prefix(struct jbuf *b, enum x86_width w, u32 opc, int reg, int rm)
{
	u8 rex = 0x40 | (w == W64) << 3 | (reg >> 3) << 2 | (rm >> 3);

	if (w == W16)
		emit1(b, 0x66);
	if (rex != 0x40 || w == W8)
		emit1(b, rex);
	if (opc > 0xff)
		emit1(b, (u8)(opc >> 8));
	emit1(b, (u8)opc);
}

/* op reg, rm (register form) */
static inline void x86_rr(struct jbuf *b, enum x86_width w, u32 opc, int reg, int rm)
{
	x86_prefix(b, w, opc, reg, rm);
	emit1(b, 0xc0 | (reg & 7) << 3 | (rm & 7));
}

/* op reg, [base + disp] */
static inline void x86_rm(struct jbuf *b, enum x86_width w, u32 opc, int reg, int base, s32 disp)
{
	int mod = (disp == 0 && (base & 7) != RBP) ? 0 : fits8(disp) ? 1 : 2;

	x86_prefix(b, w, opc, reg, base);
	emit1(b, (u8)(mod << 6 | (reg & 7) << 3 | (base & 7)));
	if ((base & 7) == RSP)
		emit1(b, 0x24); /* SIB: base only */
	if (mod == 1)
		emit1(b, (u8)disp);
	else if (mod == 2)
		emit4(b, (u32)disp);
}

/* ALU group 1 (add 0, or 1, and 4, sub 5, xor 6, cmp 7) with an immediate */
static inline void x86_alu_ri(struct jbuf *b, enum x86_width w, int ext, int rm, s32 imm)
{
	if (fits8(imm)) {
		x86_rr(b, w, 0x83, ext, rm);
		emit1(b, (u8)imm);
	} else {
		x86_rr(b, w, 0x81, ext, rm);
		emit4(b, (u32)imm);
	}
}

static inline void x86_alu_mi(struct jbuf *b, enum x86_width w, int ext, int base, s32 disp,
			      s32 imm)
{
	if (fits8(imm)) {
		x86_rm(b, w, 0x83, ext, base, disp);
		emit1(b, (u8)imm);
	} else {
		x86_rm(b, w, 0x81, ext, base, disp);
		emit4(b, (u32)imm);
	}
}

/* mov dst, imm: the shortest form that gives the 64-bit value */
static inline void x86_mov_imm(struct jbuf *b, int dst, u64 v)
{
	if (v <= UINT32_MAX) {
		x86_prefix(b, W32, 0xb8 + (dst & 7), 0, dst);
		emit4(b, (u32)v);
	} else if (fits32((s64)v)) {
		x86_rr(b, W64, 0xc7, 0, dst);
		emit4(b, (u32)v);
	} else {
		x86_prefix(b, W64, 0xb8 + (dst & 7), 0, dst);
		emit8(b, v);
	}
}

static inline void x86_mov(struct jbuf *b, enum x86_width w, int dst, int src)
{
	x86_rr(b, w, 0x89, src, dst);
}

static inline void x86_push(struct jbuf *b, int r)
{
	if (r >= 8)
		emit1(b, 0x41);
	emit1(b, (u8)(0x50 + (r & 7)));
}

static inline void x86_pop(struct jbuf *b, int r)
{
	if (r >= 8)
		emit1(b, 0x41);
	emit1(b, (u8)(0x58 + (r & 7)));
}

/* lea dst, [base + disp] */
static inline void x86_lea(struct jbuf *b, int dst, int base, s32 disp)
{
	x86_rm(b, W64, 0x8d, dst, base, disp);
}

/* Jcc / JMP / CALL rel32 with the displacement left to patch; returns its position. */
static inline u32 x86_jcc(struct jbuf *b, enum x86_cc cc)
{
	emit1(b, 0x0f);
	emit1(b, (u8)(0x80 + cc));
	emit4(b, 0);
	return b->len - 4;
}

static inline u32 x86_jmp(struct jbuf *b)
{
	emit1(b, 0xe9);
	emit4(b, 0);
	return b->len - 4;
}

static inline u32 x86_call_rel(struct jbuf *b)
{
	emit1(b, 0xe8);
	emit4(b, 0);
	return b->len - 4;
}

/* Points the rel32 at pos to the current end of the same buffer. */
static inline void x86_here(struct jbuf *b, u32 pos)
{
	patch4(b, pos, b->len - (pos + 4));
}

#endif
