/* BLOOM_FILTER, as the kernel's bloom_filter.c: a bit array of a power of two bits (about
 * max_entries * nr_hashes / ln 2, at least 64, at most 2^32), nr_hashes (map_extra's low 4
 * bits, 5 when 0) seeded jhash functions of the value set its bits on a push; a peek
 * answers 0 when all of them are set (maybe present), -ENOENT when one is clear.  With
 * BPF_F_ZERO_SEED the seed is 0 and the answers, false positives included, are the
 * kernel's exactly; without it the seed is random, as there.
 *
 * Locking: none; bits are set and tested with atomics, as the kernel's set_bit/test_bit.
 */
#include <stdlib.h>
#include <sys/mman.h>
#include <bpf/btf.h>

#include "map.h"
#include "../lib/sys.h"
#include "../btf/btf.h"

#define KMALLOC_MAX_SIZE (4u << 20)
#define BLOOM_CREATE_FLAG_MASK                                                                 \
	(BPF_F_NUMA_NODE | BPF_F_ZERO_SEED | BPF_F_RDONLY | BPF_F_WRONLY | BPF_F_RDONLY_PROG | \
	 BPF_F_WRONLY_PROG)

struct bloom {
	struct bpf_map map;
	u32 nr_hashes, seed, mask;
	u64 *bits;
	size_t len;
};

static struct bloom *bloom_of(struct bpf_map *map)
{
	return container_of(map, struct bloom, map);
}

/* ---- Bob Jenkins' lookup3 hash, as the kernel's jhash and jhash2 ---- */

static u32 rol32(u32 w, unsigned s)
{
	return (w << s) | (w >> (32 - s));
}

static void jmix(u32 *a, u32 *b, u32 *c)
{
	*a -= *c, *a ^= rol32(*c, 4), *c += *b;
	*b -= *a, *b ^= rol32(*a, 6), *a += *c;
	*c -= *b, *c ^= rol32(*b, 8), *b += *a;
	*a -= *c, *a ^= rol32(*c, 16), *c += *b;
	*b -= *a, *b ^= rol32(*a, 19), *a += *c;
	*c -= *b, *c ^= rol32(*b, 4), *b += *a;
}

static void jfinal(u32 *a, u32 *b, u32 *c)
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
static u32 word_le(const u8 *p, u32 n)
{
	u32 w = 0;

	for (u32 i = 0; i < n; i++)
		w |= (u32)__atomic_load_n(&p[i], __ATOMIC_RELAXED) << (8 * i);
	return w;
}

/* jhash2 over len / 4 words when len is a multiple of 4, else jhash over len bytes: both
 * read the same little-endian words; they differ in the initial value and the tail. */
u32 map_jhash(const void *key, u32 len, u32 initval)
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

/* ---- the map ---- */

static int bloom_alloc_check(const union bpf_attr *attr)
{
	if (attr->key_size || !attr->value_size || !attr->max_entries ||
	    (attr->map_flags & ~(u32)BLOOM_CREATE_FLAG_MASK) ||
	    map_check_access_flags(attr->map_flags) || (attr->map_extra & ~0xfull))
		return -EINVAL;
	if (attr->value_size > KMALLOC_MAX_SIZE)
		return -E2BIG;
	return 0;
}

/* The kernel's sizing: max_entries * nr_hashes * 7 / 5 bits (7/5 for 1/ln 2), rounded up
 * to a power of two, at least 64; 2^32 bits when that overflows or exceeds 2^31. */
static u64 bloom_bits(u32 max_entries, u32 nr_hashes)
{
	u64 n = (u64)max_entries * nr_hashes;

	if (n > 0xffffffffull || (n / 5) * 7 > 0xffffffffull || (n / 5) * 7 > (1ull << 31))
		return 1ull << 32;
	n = (n / 5) * 7;
	return n <= 64 ? 64 : map_roundup_pow2((u32)n);
}

static void bloom_free(struct bpf_map *map)
{
	struct bloom *b = bloom_of(map);

	if (b->bits)
		sys_munmap(b->bits, b->len);
	free(b);
}

static struct bpf_map *bloom_alloc(const union bpf_attr *attr)
{
	u32 nr_hashes = (u32)(attr->map_extra & 0xf) ?: 5;
	u64 nbits = bloom_bits(attr->max_entries, nr_hashes);
	size_t len = (size_t)(nbits / 8);
	int err = map_check_kernel_bytes(len);

	if (err)
		return ERR_PTR(err);
	struct bloom *b = calloc(1, sizeof(*b));
	if (!b)
		return ERR_PTR(-ENOMEM);
	b->map.obj.memfd = -1;
	b->nr_hashes = nr_hashes;
	b->mask = (u32)(nbits - 1);
	b->len = len;
	b->seed = attr->map_flags & BPF_F_ZERO_SEED ? 0 : (u32)map_random_seed();
	b->bits = map_reserve(len);
	if (!b->bits) {
		bloom_free(&b->map);
		return ERR_PTR(-ENOMEM);
	}
	return &b->map;
}

static u32 bit_of(struct bloom *b, const void *value, u32 i)
{
	return map_jhash(value, b->map.value_size, b->seed + i) & b->mask;
}

static long bloom_push(struct bpf_map *map, const void *value, u64 flags)
{
	struct bloom *b = bloom_of(map);

	if (flags != BPF_ANY)
		return -EINVAL;
	for (u32 i = 0; i < b->nr_hashes; i++) {
		u32 bit = bit_of(b, value, i);
		__atomic_fetch_or(&b->bits[bit / 64], 1ull << (bit % 64), __ATOMIC_RELAXED);
	}
	return 0;
}

static long bloom_peek(struct bpf_map *map, void *value)
{
	struct bloom *b = bloom_of(map);

	for (u32 i = 0; i < b->nr_hashes; i++) {
		u32 bit = bit_of(b, value, i);
		if (!(__atomic_load_n(&b->bits[bit / 64], __ATOMIC_RELAXED) & (1ull << (bit % 64))))
			return -ENOENT;
	}
	return 0;
}

static long bloom_pop(struct bpf_map *map, void *value)
{
	return -EOPNOTSUPP;
}

static int bloom_lookup_user(struct bpf_map *map, const void *key, void *value, u64 flags)
{
	return (int)bloom_peek(map, value);
}

static int bloom_update_user(struct bpf_map *map, const void *key, const void *value, u64 flags)
{
	return (int)bloom_push(map, value, flags);
}

static int bloom_no_key_op(struct bpf_map *map, const void *key)
{
	return -EOPNOTSUPP;
}

static int bloom_get_next_key(struct bpf_map *map, const void *key, void *next_key)
{
	return -EOPNOTSUPP;
}

/* Keyless: a key type is refused (the kernel's bloom_map_check_btf). */
static int bloom_check_btf(const struct bpf_map *map, const struct btf_obj *b, u32 key_id,
			   u32 value_id)
{
	return key_id ? -EINVAL : 0;
}

const struct map_ops bloom_map_ops = {
	.alloc_check = bloom_alloc_check,
	.alloc = bloom_alloc,
	.free = bloom_free,
	.push = bloom_push,
	.pop = bloom_pop,
	.peek = bloom_peek,
	.lookup_user = bloom_lookup_user,
	.update_user = bloom_update_user,
	.delete_user = bloom_no_key_op,
	.get_next_key = bloom_get_next_key,
	.check_btf = bloom_check_btf,
	.lookup_reads_value = true,
};
