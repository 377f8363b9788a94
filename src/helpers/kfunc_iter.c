/* Open-coded iterators: bpf_iter_num_new/next/destroy, what bpf_for() and bpf_repeat()
 * expand to.  The iterator is the program's 8-byte struct bpf_iter_num (on its stack): as
 * in the kernel it holds the current value and the end, two ints, and next() returns a
 * pointer to the current value inside it.  The iterator's bytes are program memory and
 * checked as such, so a forged iterator reaches nothing the program could not.  No state.
 */
#include <string.h>

#include "kfunc.h"

#define BPF_MAX_LOOPS (8 * 1024 * 1024) /* the longest range bpf_iter_num_new accepts */

struct iter_num {
	s32 cur; /* the last value returned (start - 1 before the first next) */
	s32 end; /* exclusive */
};

static struct iter_num *iter_num(struct exec_ctx *x, u64 it)
{
	return vm_mem(x, it, sizeof(struct iter_num), true);
}

static void iter_set(struct iter_num *s, s32 cur, s32 end)
{
	struct iter_num v = { cur, end };

	memcpy(s, &v, sizeof(v));
}

u64 kfunc_bpf_iter_num_new(struct exec_ctx *x, u64 it, u64 start, u64 end, u64 r4, u64 r5)
{
	struct iter_num *s = iter_num(x, it);
	s32 from = (s32)start, to = (s32)end;

	if (!s)
		return 0;
	if (from > to || (s64)to - from > BPF_MAX_LOOPS) {
		iter_set(s, 0, 0); /* next() ends at once */
		return (u64)(s64)(from > to ? -EINVAL : -E2BIG);
	}
	iter_set(s, (s32)((u32)from - 1), to);
	return 0;
}

u64 kfunc_bpf_iter_num_next(struct exec_ctx *x, u64 it, u64 r2, u64 r3, u64 r4, u64 r5)
{
	struct iter_num *s = iter_num(x, it), v;

	if (!s)
		return 0;
	memcpy(&v, s, sizeof(v));
	s32 next = (s32)((u32)v.cur + 1); /* start INT_MIN began at INT_MIN - 1, wrapped */
	if (next >= v.end) {
		iter_set(s, 0, 0);
		return 0;
	}
	iter_set(s, next, v.end);
	return it + offsetof(struct iter_num, cur);
}

u64 kfunc_bpf_iter_num_destroy(struct exec_ctx *x, u64 it, u64 r2, u64 r3, u64 r4, u64 r5)
{
	struct iter_num *s = iter_num(x, it);

	if (s)
		iter_set(s, 0, 0);
	return 0;
}
