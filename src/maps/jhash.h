/* Bob Jenkins' lookup3 hash, as the kernel's jhash and jhash2 (bloom.c, stackmap.c):
 * inline, for the hot paths that hash.  No state.
 *
 * Locking: none; a key may be bytes of a map value that a program writes meanwhile, so
 * they are read with relaxed atomic loads (word_le): a racing hash is only a wrong
 * hash, as in the kernel, never a data race. */
#ifndef BPFRUN_JHASH_H
#define BPFRUN_JHASH_H

#include "../lib/common.h"

static inline u32 rol32(u32 w, unsigned s)
{
	return (w << s) | (w >> (32 - s));
}

static inline void jmix(u32 *a, u32 *b, u32 *c)
{
	*a -= *c, *a ^= rol32(*c, 4), *c += *b;
	*b -= *a, *b ^= rol32(*a, 6), *a += *c;
	*c -= *b, *c ^= rol32(*b, 8), *b += *a;
	*a -= *c, *a ^= rol32(*c, 16), *c += *b;
	*b -= *a, *b ^= rol32(*a, 19), *a += *c;
	*c -= *b, *c ^= rol32(*b, 4), *b += *a;
}

static inline void jfinal(u32 *a, u32 *b, u32 *c)
{
	*c ^= *b, *c -= rol32(*b, 14);
	*a ^= *c, *a -= rol32(*c, 11);
	*b ^= *a, *b -= rol32(*a, 25);
	*c ^= *b, *c -= rol32(*b, 16);
	*a ^= *c, *a -= rol32(*c, 4);
	*b ^= *a, *b -= rol32(*a, 14);
	*c ^= *b, *c -= rol32(*b, 24);
}

/* Little-endian word of up to 4 bytes at p (a value's bytes, read with relaxed atomics). */
static inline u32 word_le(const u8 *p, u32 n)
{
	u32 w = 0;

	for (u32 i = 0; i < n; i++)
		w |= (u32)__atomic_load_n(&p[i], __ATOMIC_RELAXED) << (8 * i);
	return w;
}

/* jhash2 over len / 4 words when len is a multiple of 4, else jhash over len bytes: both
 * read the same little-endian words; they differ in the initial value and the tail. */
static inline u32 map_jhash(const void *key, u32 len, u32 initval)
{
	const u8 *k = key;
	u32 a, b, c;

	a = b = c = 0xdeadbeef + len + initval; /* jhash2's (len / 4) << 2 is len too */
	while (len > 12) {
		a += word_le(k, 4), b += word_le(k + 4, 4), c += word_le(k + 8, 4);
		jmix(&a, &b, &c);
		len -= 12, k += 12;
	}
	if (!len)
		return c;
	a += word_le(k, MIN(len, 4u));
	if (len > 4)
		b += word_le(k + 4, MIN(len - 4, 4u));
	if (len > 8)
		c += word_le(k + 8, len - 8);
	jfinal(&a, &b, &c);
	return c;
}

#endif
