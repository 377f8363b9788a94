/* Coverage: per-instruction hit counts of programs loaded while bpfrun_set_coverage() is
 * on, summed over every run of them (test runs, tail calls into them, timer and loop
 * callbacks), read back with bpfrun_prog_coverage() (bpfrun.h).
 *
 * The interpreter's only part is its `count` dispatch (interp.c): it runs when the
 * program it entered has counters, so a program loaded without coverage pays one pointer
 * test per run and nothing per instruction.  Counters are relaxed atomics: runs on
 * several threads add up; reading them while runs go on gives a recent sum.  The flag
 * is an atomic read at load. */
#include <stdlib.h>
#include <string.h>

#include "bpfrun.h"
#include "vm_internal.h"

static int coverage_on; /* atomic */

void bpfrun_set_coverage(int on)
{
	__atomic_store_n(&coverage_on, !!on, __ATOMIC_RELAXED);
}

int vm_coverage_alloc(struct vm_code *vc)
{
	if (!__atomic_load_n(&coverage_on, __ATOMIC_RELAXED))
		return 0;
	struct vm_coverage *c = calloc(1, sizeof(*c));
	if (c) {
		c->hits = calloc(vc->len, sizeof(*c->hits));
		c->taken = calloc(vc->len, sizeof(*c->taken));
	}
	if (!c || !c->hits || !c->taken) {
		vc->cov = c;
		vm_coverage_free(vc);
		return -ENOMEM;
	}
	vc->cov = c;
	return 0;
}

void vm_coverage_free(struct vm_code *vc)
{
	if (!vc->cov)
		return;
	free(vc->cov->hits);
	free(vc->cov->taken);
	free(vc->cov);
	vc->cov = NULL;
}

static void copy_counts(u64 *out, const u64 *in, u32 n)
{
	for (u32 i = 0; out && i < n; i++)
		out[i] = __atomic_load_n(&in[i], __ATOMIC_RELAXED);
}

long bpfrun_prog_coverage(int prog_fd, uint64_t *hits, uint64_t *taken, uint32_t cnt)
{
	struct bpf_prog *prog = prog_from_fd(prog_fd);

	if (IS_ERR(prog))
		return set_errno((int)-PTR_ERR(prog));
	const struct vm_code *vc = prog->vm_code;
	long ret;
	if (!vc || !vc->cov) {
		ret = set_errno(ENODATA);
	} else {
		u32 n = cnt < vc->len ? cnt : vc->len;
		copy_counts(hits, vc->cov->hits, n);
		copy_counts(taken, vc->cov->taken, n);
		ret = vc->len;
	}
	prog_put(prog);
	return ret;
}
