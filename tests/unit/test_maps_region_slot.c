/* map_region_slot: the multiplication by the stride's inverse that replaced a division in
 * every map value check gives the quotient exactly, for every stride a map can have (up
 * to 2^32) and every offset (below 2^32 it multiplies, above it divides), including the
 * worst cases: offsets just below and at each multiple of the stride. */
#include <stdio.h>

#include "difftest.h"
#include "maps/map.h"

static u64 state = 0x9e3779b97f4a7c15ULL;

static u64 rnd(void)
{
	state ^= state << 13;
	state ^= state >> 7;
	state ^= state << 17;
	return state;
}

static u32 bad;

static void check(u64 stride, u64 rel)
{
	struct map_region r = { .stride = stride, .stride_inv = map_region_inverse(stride) };

	if (map_region_slot(&r, rel) != rel / stride && bad++ < 5)
		out("stride %llu rel %llu: %llu, not %llu", (unsigned long long)stride,
		    (unsigned long long)rel, (unsigned long long)map_region_slot(&r, rel),
		    (unsigned long long)(rel / stride));
}

int main(void)
{
	for (u32 i = 0; i < 200000; i++) {
		u64 stride = i < 4096 ? i + 1 : (rnd() % UINT32_MAX) + 1;
		u64 k = rnd() % ((u64)UINT32_MAX / stride + 1);

		check(stride, k * stride);
		if (k)
			check(stride, k * stride - 1);
		check(stride, rnd() & UINT32_MAX);
		check(stride, UINT32_MAX);
		check(stride, rnd()); /* above 2^32: the division */
	}
	CHECK(!bad, "%u wrong quotients", bad);
	CHECK(map_region_inverse(1) == 0 && map_region_inverse(1ull << 32) == 0,
	      "no inverse for 1 and 2^32 (division)");
	return finish();
}
