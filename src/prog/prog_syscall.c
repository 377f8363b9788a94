/* SYSCALL programs: the context is a plain buffer given as ctx_in (at most 64 KiB), which
 * the program may read and write and which is copied back into ctx_in after the run, as
 * the kernel's bpf_prog_test_run_syscall does.  Loading requires BPF_F_SLEEPABLE and no
 * expected_attach_type.  No locking. */
#include <stdlib.h>
#include <string.h>

#include "types.h"
#include "test_run.h"
#include "../lib/uaccess.h"
#include "../vm/vm.h"

#define SYSCALL_MAX_CTX 65535u

static int syscall_ctx_load(struct exec_ctx *x, u32 off, u32 size, u64 *val)
{
	if (!x->ctx || off % size || (u64)off + size > x->ctx_size)
		return -EACCES;
	*val = ctx_read_bytes(x->ctx, off, size);
	return 0;
}

static int syscall_ctx_store(struct exec_ctx *x, u32 off, u32 size, u64 val)
{
	if (!x->ctx || off % size || (u64)off + size > x->ctx_size)
		return -EACCES;
	ctx_write_bytes(x->ctx, off, size, val);
	return 0;
}

static int syscall_test_run(struct bpf_prog *prog, const union bpf_attr *attr,
			    union bpf_attr *uattr)
{
	u32 size = attr->test.ctx_size_in, retval = 0, duration;
	void *ctx = NULL;

	if (attr->test.data_in || attr->test.data_out || attr->test.ctx_out ||
	    attr->test.duration || attr->test.repeat || attr->test.flags || attr->test.batch_size)
		return -EINVAL;
	if (size < prog->max_ctx_offset || size > SYSCALL_MAX_CTX)
		return -EINVAL;
	if (size) {
		ctx = malloc(size);
		if (!ctx)
			return -ENOMEM;
		if (copy_from_user(ctx, u64_to_ptr(attr->test.ctx_in), size)) {
			free(ctx);
			return -EFAULT;
		}
	}
	struct exec_ctx *x = test_exec_ctx(prog, ctx, size, NULL);
	int err = x ? test_run_repeat(x, prog, 1, &retval, &duration) : -EBUSY;
	if (x)
		vm_reset_run(x);
	if (!err) {
		uattr->test.retval = retval;
		if (copy_to_user(u64_to_ptr(attr->test.ctx_in), ctx, size))
			err = -EFAULT;
	}
	free(ctx);
	return err;
}

static int syscall_check_attach(u32 *type)
{
	return *type ? -EINVAL : 0;
}

const struct prog_type_ops syscall_ops = {
	.name = "syscall",
	.helpers = &syscall_helpers,
	.ctx_load = syscall_ctx_load,
	.ctx_store = syscall_ctx_store,
	.test_run = syscall_test_run,
	.check_attach = syscall_check_attach,
	.sleepable_only = true,
};
