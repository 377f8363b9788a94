/* BPF_PROG_TEST_RUN: the generic checks, then the program type's test_run; and the
 * pieces the types share (net/bpf/test_run.c's bpf_ctx_init, bpf_test_finish,
 * bpf_ctx_finish, bpf_test_run).  Runs on different threads proceed in parallel: each
 * uses its thread's execution context and its own buffers; nothing here is shared. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "test_run.h"
#include "../lib/uaccess.h"
#include "../vm/vm.h"

void *test_ctx_init(const union bpf_attr *attr, u32 max_size)
{
	const void *in = u64_to_ptr(attr->test.ctx_in);
	u32 size = attr->test.ctx_size_in;

	if (!in && !attr->test.ctx_out)
		return NULL;
	u8 *ctx = calloc(1, max_size);
	if (!ctx)
		return ERR_PTR(-ENOMEM);
	if (in) {
		/* a larger struct than ours must be zero past our size */
		int err = check_uarg_tail_zero(in, max_size, size);
		if (!err)
			err = copy_from_user(ctx, in, MIN(size, max_size));
		if (err) {
			free(ctx);
			return ERR_PTR(err);
		}
	}
	return ctx;
}

/* Copies the linear part, then the fragments, as far as copy bytes go.  As the kernel,
 * the linear part gives way to the fragments when the copy is clamped.  0, -ENOSPC, or
 * -EFAULT when out is not writable. */
static int copy_data_out(u64 out, const u8 *data, u32 copy, const struct pkt_frags *frags)
{
	u32 frag_total = frags ? frags->total : 0;

	if (copy < frag_total)
		return -ENOSPC;
	u32 off = copy - frag_total;
	if (copy_to_user(u64_to_ptr(out), data, off))
		return -EFAULT;
	for (u32 i = 0; frags && i < frags->nr; i++) {
		if (off >= copy)
			return -ENOSPC;
		u32 n = MIN(copy - off, frags->len[i]);
		if (copy_to_user(u64_to_ptr(out + off), frags->page[i], n))
			return -EFAULT;
		off += n;
	}
	return 0;
}

int test_finish(const union bpf_attr *attr, union bpf_attr *uattr, const void *data, u32 size,
		const struct pkt_frags *frags, u32 retval, u32 duration)
{
	u64 out = attr->test.data_out;
	u32 copy = size;
	int err = 0;

	/* A size hint clamps the copy (ENOSPC); without one the whole packet is copied. */
	if (attr->test.data_size_out && copy > attr->test.data_size_out) {
		copy = attr->test.data_size_out;
		err = -ENOSPC;
	}
	if (out) {
		int cerr = copy_data_out(out, data, copy, frags);
		if (cerr == -EFAULT || (cerr && !(frags && copy >= frags->total)))
			return cerr; /* nothing reported, as the kernel */
		err = cerr ? cerr : err;
	}
	uattr->test.data_size_out = size;
	uattr->test.retval = retval;
	uattr->test.duration = duration;
	return err;
}

int test_ctx_finish(const union bpf_attr *attr, union bpf_attr *uattr, const void *ctx, u32 size)
{
	void *out = u64_to_ptr(attr->test.ctx_out);
	u32 copy = size;
	int err = 0;

	if (!ctx || !out)
		return 0;
	if (copy > attr->test.ctx_size_out) {
		copy = attr->test.ctx_size_out;
		err = -ENOSPC;
	}
	if (copy_to_user(out, ctx, copy))
		return -EFAULT;
	uattr->test.ctx_size_out = size;
	return err;
}

struct exec_ctx *test_exec_ctx(const struct bpf_prog *prog, void *ctx, u32 ctx_size,
			       void *type_data)
{
	struct exec_ctx *x = exec_ctx_get();

	if (!x || x->in_run)
		return NULL; /* a test run from inside a run (bpf_sys_bpf) is not supported */
	vm_reset_run(x);
	x->ctx = ctx;
	x->ctx_size = ctx_size;
	x->type_data = type_data;
	x->pkt_start = x->pkt_end = x->pkt_meta = 0;
	return x;
}

static u64 now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (u64)ts.tv_sec * 1000000000ull + (u64)ts.tv_nsec;
}

int test_run_repeat(struct exec_ctx *x, struct bpf_prog *prog, u32 repeat, u32 *retval,
		    u32 *duration)
{
	u64 r1 = (u64)(uintptr_t)x->ctx, ret = 0;
	u32 runs = 0;

	if (!repeat)
		repeat = 1;
	u64 start = now_ns();
	while (runs < repeat) {
		x->fault = 0;
		x->fault_msg[0] = 0;
		ret = vm_run(x, prog, r1);
		runs++;
		if (x->fault)
			break;
	}
	u64 spent = now_ns() - start;
	__atomic_add_fetch(&prog->run_cnt, runs, __ATOMIC_RELAXED);
	__atomic_add_fetch(&prog->run_time_ns, spent, __ATOMIC_RELAXED);
	if (x->fault) {
		bpfrun_warn("prog %s: %s", prog->name[0] ? prog->name : "(unnamed)",
			    x->fault_msg[0] ? x->fault_msg : "fault");
		return -EFAULT;
	}
	*retval = (u32)ret;
	spent /= repeat;
	*duration = spent > UINT32_MAX ? UINT32_MAX : (u32)spent;
	return 0;
}

/* The types copy data_in themselves (at most a linear page and its fragments, after their
 * size checks): its bytes must be readable (EFAULT), as the kernel's copy would find. */
static int check_data_in(const union bpf_attr *attr)
{
	const u32 most_read = (PKT_MAX_FRAGS + 1) * TEST_PAGE_SIZE;

	if (!attr->test.data_in)
		return 0; /* the types' own error */
	return check_user_readable(u64_to_ptr(attr->test.data_in),
				   MIN(attr->test.data_size_in, most_read));
}

int prog_test_run(union bpf_attr *attr, union bpf_attr *uattr, u32 size)
{
	if (!!attr->test.ctx_size_in != !!attr->test.ctx_in ||
	    !!attr->test.ctx_size_out != !!attr->test.ctx_out)
		return -EINVAL;
	struct bpf_prog *prog = prog_from_fd((int)attr->test.prog_fd);
	if (IS_ERR(prog))
		return (int)PTR_ERR(prog);
	int err = prog->tops->test_run ? check_data_in(attr) : -ENOTSUPP;
	if (!err)
		err = prog->tops->test_run(prog, attr, uattr);
	prog_put(prog);
	return err;
}
