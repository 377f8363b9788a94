/* Tristate number arithmetic (tnum.h).  Each operation over-approximates: the result
 * holds every value the operation can produce from values the operands hold.  No state. */
#include <stdio.h>

#include "tnum.h"

struct tnum tnum_range(u64 min, u64 max)
{
	u64 chi = min ^ max;

	if (!chi)
		return tnum_const(min);
	u8 bits = (u8)(64 - __builtin_clzll(chi));
	if (bits > 63)
		return TNUM_UNKNOWN;
	u64 delta = (1ull << bits) - 1;
	return TNUM(min & ~delta, delta);
}

struct tnum tnum_add(struct tnum a, struct tnum b)
{
	u64 sm = a.mask + b.mask, sv = a.value + b.value;
	u64 carries = (sm + sv) ^ sv; /* bits a carry may reach */
	u64 mu = carries | a.mask | b.mask;

	return TNUM(sv & ~mu, mu);
}

struct tnum tnum_sub(struct tnum a, struct tnum b)
{
	u64 dv = a.value - b.value;
	u64 alpha = dv + a.mask, beta = dv - b.mask;
	u64 mu = (alpha ^ beta) | a.mask | b.mask;

	return TNUM(dv & ~mu, mu);
}

struct tnum tnum_and(struct tnum a, struct tnum b)
{
	u64 alpha = a.value | a.mask, beta = b.value | b.mask;
	u64 v = a.value & b.value;

	return TNUM(v, alpha & beta & ~v);
}

struct tnum tnum_or(struct tnum a, struct tnum b)
{
	u64 v = a.value | b.value, mu = a.mask | b.mask;

	return TNUM(v, mu & ~v);
}

struct tnum tnum_xor(struct tnum a, struct tnum b)
{
	u64 v = a.value ^ b.value, mu = a.mask | b.mask;

	return TNUM(v & ~mu, mu);
}

/* Shift-and-add over a's bits: known ones add b, unknown ones add b's possible bits. */
struct tnum tnum_mul(struct tnum a, struct tnum b)
{
	struct tnum acc_v = tnum_const(a.value * b.value), acc_m = tnum_const(0);

	while (a.value || a.mask) {
		if (a.mask & 1)
			acc_m = tnum_add(acc_m, TNUM(0, b.mask | b.value));
		else if (a.value & 1)
			acc_m = tnum_add(acc_m, TNUM(0, b.mask));
		a = tnum_rshift(a, 1);
		b = tnum_lshift(b, 1);
	}
	return tnum_add(acc_v, acc_m);
}

struct tnum tnum_lshift(struct tnum a, u8 shift)
{
	return TNUM(a.value << shift, a.mask << shift);
}

struct tnum tnum_rshift(struct tnum a, u8 shift)
{
	return TNUM(a.value >> shift, a.mask >> shift);
}

struct tnum tnum_arshift(struct tnum a, u8 shift, u8 bits)
{
	if (bits == 32)
		return TNUM((u32)((s32)a.value >> shift), (u32)((s32)a.mask >> shift));
	return TNUM((u64)((s64)a.value >> shift), (u64)((s64)a.mask >> shift));
}

struct tnum tnum_intersect(struct tnum a, struct tnum b)
{
	u64 v = a.value | b.value, mu = a.mask & b.mask;

	return TNUM(v & ~mu, mu);
}

struct tnum tnum_cast(struct tnum a, u8 size)
{
	u64 keep = size >= 8 ? ~0ull : (1ull << (size * 8)) - 1;

	return TNUM(a.value & keep, a.mask & keep);
}

struct tnum tnum_subreg(struct tnum a)
{
	return tnum_cast(a, 4);
}

bool tnum_in(struct tnum a, struct tnum b)
{
	if (b.mask & ~a.mask)
		return false;
	return a.value == (b.value & ~a.mask);
}

int tnum_str(char *buf, size_t len, struct tnum t)
{
	return snprintf(buf, len, "(0x%llx; 0x%llx)", (unsigned long long)t.value,
			(unsigned long long)t.mask);
}
