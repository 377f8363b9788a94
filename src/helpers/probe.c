/* The tracing helpers: checked reads of any address (bpf_probe_read*, _str forms), what
 * the event that fired the run knows (bpf_get_func_ip, bpf_get_attach_cookie,
 * bpf_get_func_arg/ret/arg_cnt: helpers/trace_info.h), bpf_override_return and
 * bpf_send_signal.
 *
 * The kernel's probe reads copy from any kernel address and answer -EFAULT, with the
 * destination zeroed, where nothing is mapped; here "any address" is the process's
 * memory, read through lib/uaccess (never a crash).  No locking: everything here belongs
 * to the run. */
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "internal.h"
#include "trace_info.h"
#include "../lib/sys.h"
#include "../lib/uaccess.h"
#include "../obj/prog.h"
#include "../vm/vm.h"

struct trace_info *trace_info_of(struct exec_ctx *x)
{
	return x->prog && x->prog->tops->trace_info ? x->type_data : NULL;
}

/* bpf_probe_read_kernel / _user / bpf_probe_read (dst, size, unsafe_ptr). */
static u64 probe_read(struct exec_ctx *x, u64 dst, u64 size, u64 src)
{
	if (!size)
		return 0;
	void *d = vm_mem(x, dst, size, true);
	if (!d || !vm_charge(x, size / VM_BYTES_PER_INSN))
		return 0; /* the run has faulted */
	if (copy_from_user(d, u64_to_ptr(src), size)) {
		memset(d, 0, size);
		return (u64)-EFAULT;
	}
	return 0;
}

/* The _str forms: the string's length with its NUL, -EFAULT (dst zeroed) on a bad
 * address; a string longer than size is cut to size - 1 bytes and terminated. */
static u64 probe_read_str(struct exec_ctx *x, u64 dst, u64 size, u64 src)
{
	if (!size)
		return 0;
	char *d = vm_mem(x, dst, size, true);
	if (!d || !vm_charge(x, size / VM_BYTES_PER_INSN))
		return 0;
	long n = strncpy_from_user(d, u64_to_ptr(src), size);
	if (n < 0) {
		memset(d, 0, size);
		return (u64)-EFAULT;
	}
	if ((u64)n == size)
		n = (long)size - 1;
	d[n] = 0;
	return (u64)n + 1;
}

HELPER(probe_read)
{
	return probe_read(x, r1, r2, r3);
}

HELPER(probe_read_kernel)
{
	return probe_read(x, r1, r2, r3);
}

HELPER(probe_read_user)
{
	return probe_read(x, r1, r2, r3);
}

HELPER(probe_read_str)
{
	return probe_read_str(x, r1, r2, r3);
}

HELPER(probe_read_kernel_str)
{
	return probe_read_str(x, r1, r2, r3);
}

HELPER(probe_read_user_str)
{
	return probe_read_str(x, r1, r2, r3);
}

HELPER(get_func_ip)
{
	struct trace_info *ti = trace_info_of(x);

	return ti ? ti->func_ip : 0;
}

HELPER(get_attach_cookie)
{
	struct trace_info *ti = trace_info_of(x);

	return ti ? ti->cookie : 0;
}

/* bpf_get_func_arg(ctx, n, *value): -EINVAL past the arguments (value zeroed). */
HELPER(get_func_arg)
{
	struct trace_info *ti = trace_info_of(x);
	u64 *value = vm_mem(x, r3, sizeof(u64), true);

	if (!value)
		return 0;
	if (!ti || !ti->args || r2 >= ti->nr_args) {
		*value = 0;
		return (u64)-EINVAL;
	}
	*value = ti->args[r2];
	return 0;
}

/* bpf_get_func_ret(ctx, *value): fexit and fmod_ret only (-EOPNOTSUPP otherwise). */
HELPER(get_func_ret)
{
	struct trace_info *ti = trace_info_of(x);
	u64 *value = vm_mem(x, r2, sizeof(u64), true);

	if (!value)
		return 0;
	if (!ti || !ti->args || !ti->has_ret)
		return (u64)-EOPNOTSUPP;
	*value = ti->args[ti->nr_args];
	return 0;
}

HELPER(get_func_arg_cnt)
{
	struct trace_info *ti = trace_info_of(x);

	return ti ? ti->nr_args : 0;
}

/* bpf_override_return(regs, rc): the probed function returns rc instead of running. */
HELPER(override_return)
{
	struct trace_info *ti = trace_info_of(x);

	if (ti) {
		ti->override = true;
		ti->override_ret = r2;
	}
	return 0;
}

/* bpf_send_signal(sig) / bpf_send_signal_thread(sig): to the process, or the thread,
 * that runs the program: -EINVAL for a number that is no signal. */
static u64 send_signal(u64 sig, bool thread)
{
	if (sig >= _NSIG)
		return (u64)-EINVAL;
	long err = thread ? sys_raw(SYS_tgkill, getpid(), gettid(), (long)sig, 0, 0, 0) :
			    sys_raw(SYS_kill, getpid(), (long)sig, 0, 0, 0, 0);
	return (u64)err;
}

HELPER(send_signal)
{
	return send_signal(r1, false);
}

HELPER(send_signal_thread)
{
	return send_signal(r1, true);
}
