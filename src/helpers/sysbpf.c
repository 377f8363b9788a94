/* bpf_sys_bpf (syscall programs): the commands a program may issue from inside its run.
 * bpfrun serves BPF_PROG_TEST_RUN, so that a syscall program can test-run the object's
 * other programs (`bpfrun test`'s suites do).  The kernel limits it to tracing programs
 * and a context; bpfrun also takes packet data for every test-runnable type.  Every
 * pointer of the attr must lie in memory the calling run may use (its stack, its maps'
 * values, its context): checked here, the run faults otherwise, as for any helper; and
 * data_out needs its size (the kernel's command copies the whole packet without one, and
 * -EINVAL here).  Other commands return -EINVAL (not served).
 *
 * The test run itself belongs to the program layer above, which registers it
 * (helper_sys_bpf_register: a hook set by a constructor, read without a lock). */
#include <string.h>

#include "internal.h"

static int (*test_run_hook)(union bpf_attr *attr);

void helper_sys_bpf_register(int (*test_run)(union bpf_attr *attr))
{
	test_run_hook = test_run;
}

/* [ptr, ptr + size) must be memory of the run (writable for outputs); a NULL pointer is
 * the command's own business. */
static bool run_memory(struct exec_ctx *x, u64 ptr, u32 size, bool write)
{
	return !ptr || !size || vm_mem(x, ptr, size, write);
}

HELPER(sys_bpf)
{
	union bpf_attr attr;
	u32 size = (u32)r3;

	if ((int)r1 != BPF_PROG_TEST_RUN || !test_run_hook)
		return (u64)-EINVAL;
	if (size > sizeof(attr))
		return (u64)-E2BIG;
	void *uattr = vm_mem(x, r2, size, true);
	if (!uattr)
		return 0; /* faulted */
	memset(&attr, 0, sizeof(attr));
	memcpy(&attr, uattr, size);
	/* without a size, BPF_PROG_TEST_RUN copies the whole packet out: the program must
	 * say how much room it has */
	if (attr.test.data_out && !attr.test.data_size_out)
		return (u64)-EINVAL;
	if (!run_memory(x, attr.test.data_in, attr.test.data_size_in, false) ||
	    !run_memory(x, attr.test.data_out, attr.test.data_size_out, true) ||
	    !run_memory(x, attr.test.ctx_in, attr.test.ctx_size_in, true) ||
	    !run_memory(x, attr.test.ctx_out, attr.test.ctx_size_out, true))
		return 0;
	if (!vm_charge(x, (u64)attr.test.data_size_in / VM_BYTES_PER_INSN))
		return 0;
	int err = test_run_hook(&attr);
	memcpy(uattr, &attr, size); /* retval, sizes out, duration */
	return (u64)(s64)err;
}
