/* Tristate numbers: a 64-bit value whose bits are each 0, 1 or unknown (value holds the
 * known ones, mask the unknown ones; a bit is never set in both).  The verifier's
 * bit-level knowledge of scalars, beside their ranges.  Pure functions, no state. */
#ifndef BPFRUN_VERIFIER_TNUM_H
#define BPFRUN_VERIFIER_TNUM_H

#include "../lib/common.h"

struct tnum {
	u64 value;
	u64 mask;
};

#define TNUM(v, m) ((struct tnum){ .value = (v), .mask = (m) })
#define TNUM_UNKNOWN TNUM(0, ~0ull)

static inline struct tnum tnum_const(u64 v)
{
	return TNUM(v, 0);
}
static inline bool tnum_is_const(struct tnum t)
{
	return !t.mask;
}
static inline bool tnum_is_unknown(struct tnum t)
{
	return !~t.mask;
}
/* The smallest tnum holding every value of [min, max]. */
struct tnum tnum_range(u64 min, u64 max);
struct tnum tnum_add(struct tnum a, struct tnum b);
struct tnum tnum_sub(struct tnum a, struct tnum b);
struct tnum tnum_and(struct tnum a, struct tnum b);
struct tnum tnum_or(struct tnum a, struct tnum b);
struct tnum tnum_xor(struct tnum a, struct tnum b);
struct tnum tnum_mul(struct tnum a, struct tnum b);
struct tnum tnum_lshift(struct tnum a, u8 shift);
struct tnum tnum_rshift(struct tnum a, u8 shift);
struct tnum tnum_arshift(struct tnum a, u8 shift, u8 bits);
/* What both know (a and b describe the same value). */
struct tnum tnum_intersect(struct tnum a, struct tnum b);
/* The low 32 bits, zero-extended. */
struct tnum tnum_subreg(struct tnum a);
struct tnum tnum_cast(struct tnum a, u8 size);
/* Every value b allows is allowed by a. */
bool tnum_in(struct tnum a, struct tnum b);
/* "(0x0; 0xff)" as the kernel's log prints var_off. */
int tnum_str(char *buf, size_t len, struct tnum t);

#endif
