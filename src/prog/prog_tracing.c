/* Tracing programs: KPROBE, TRACEPOINT, PERF_EVENT and RAW_TRACEPOINT.  They load (with
 * the kernel's helper sets, and without maps holding a bpf_timer), but only raw
 * tracepoints can be test-run, as in the kernel: the context is the array of up to 12
 * u64 arguments given as ctx_in; the others answer ENOTSUPP.  No locking. */
#include <stdlib.h>
#include <string.h>

#include "types.h"
#include "test_run.h"
#include "../lib/uaccess.h"
#include "../vm/vm.h"

#define MAX_FUNC_ARGS 12u

/* Read-only context of u64 slots (pt_regs, tracepoint records, raw_tp args). */
static int args_ctx_load(struct exec_ctx *x, u32 off, u32 size, u64 *val)
{
	if (!x->ctx || off % size || (u64)off + size > x->ctx_size)
		return -EACCES;
	*val = ctx_read_bytes(x->ctx, off, size);
	return 0;
}

static int raw_tp_ctx_load(struct exec_ctx *x, u32 off, u32 size, u64 *val)
{
	if (size != sizeof(u64) || off >= MAX_FUNC_ARGS * sizeof(u64))
		return -EACCES;
	return args_ctx_load(x, off, size, val);
}

static int readonly_ctx_store(struct exec_ctx *x, u32 off, u32 size, u64 val)
{
	return -EACCES;
}

/* bpf_prog_test_run_raw_tp: ctx_in only; BPF_F_TEST_RUN_ON_CPU picks the CPU. */
static int raw_tp_test_run(struct bpf_prog *prog, const union bpf_attr *attr, union bpf_attr *uattr)
{
	u32 size = attr->test.ctx_size_in, cpu = attr->test.cpu, retval = 0, duration;
	u64 args[MAX_FUNC_ARGS] = { 0 };

	if (attr->test.data_in || attr->test.data_out || attr->test.ctx_out ||
	    attr->test.duration || attr->test.repeat || attr->test.batch_size)
		return -EINVAL;
	if (size < prog->max_ctx_offset || size > sizeof(args))
		return -EINVAL;
	if (!(attr->test.flags & BPF_F_TEST_RUN_ON_CPU) && cpu)
		return -EINVAL;
	if ((attr->test.flags & BPF_F_TEST_RUN_ON_CPU) && cpu >= (u32)num_possible_cpus())
		return -ENXIO;
	if (copy_from_user(args, u64_to_ptr(attr->test.ctx_in), size))
		return -EFAULT;
	struct exec_ctx *x = test_exec_ctx(prog, size ? args : NULL, size, NULL);
	if (!x)
		return -EBUSY;
	u32 own_cpu = x->cpu;
	if (attr->test.flags & BPF_F_TEST_RUN_ON_CPU)
		exec_ctx_set_cpu(x, cpu);
	int err = test_run_repeat(x, prog, 1, &retval, &duration);
	exec_ctx_set_cpu(x, own_cpu);
	vm_reset_run(x);
	if (!err)
		uattr->test.retval = retval;
	return err;
}

#define TRACING_TYPE(var, tname, set, load, run) \
	const struct prog_type_ops var = {       \
		.name = tname,                   \
		.helpers = set,                  \
		.ctx_load = load,                \
		.ctx_store = readonly_ctx_store, \
		.test_run = run,                 \
		.tracing = true,                 \
		.trace_info = true,              \
	}

TRACING_TYPE(kprobe_ops, "kprobe", &tracing_helpers, args_ctx_load, NULL);
TRACING_TYPE(tracepoint_ops, "tracepoint", &tracing_helpers, args_ctx_load, NULL);
TRACING_TYPE(perf_event_ops, "perf_event", &perf_event_helpers, args_ctx_load, NULL);
TRACING_TYPE(raw_tracepoint_ops, "raw_tracepoint", &tracing_helpers, raw_tp_ctx_load,
	     raw_tp_test_run);
TRACING_TYPE(raw_tracepoint_writable_ops, "raw_tracepoint_writable", &tracing_helpers,
	     raw_tp_ctx_load, raw_tp_test_run);
