/* Our versions of the kernel's test functions (net/bpf/test_run.c: bpf_fentry_test1..10,
 * bpf_modify_return_test, bpf_modify_return_test2), called as the kernel's
 * bpf_prog_test_run_tracing calls them.  Each call fires what is attached to the
 * function: kprobes (pt_regs built from the arguments), the trampoline (fentry, fmod_ret,
 * fexit) and kretprobes.  No locking (prog/attach.c locks its list). */
#ifndef BPFRUN_PROG_TEST_FUNCS_H
#define BPFRUN_PROG_TEST_FUNCS_H

#include "../lib/common.h"

/* The test run of a tracing program of expected attach type `type`: 0 and *retval as
 * the kernel computes it, or -EFAULT when a function's result is not the kernel's (a
 * program changed it) or the type has no test functions. */
int test_funcs_run(u32 type, u32 *retval);

/* Calls function `name` (fn with nr_args u64 arguments) as the kernel would, with what is
 * attached to it firing around it; returns its (possibly modified) return value. */
u64 test_func_call(const char *name, u64 (*fn)(const u64 *args), u32 nr_args, const u64 *args);

#endif
