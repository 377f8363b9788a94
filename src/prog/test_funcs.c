/* The kernel's test functions and the tracing test run (test_funcs.h).  The arguments
 * and checks are the kernel's (net/bpf/test_run.c); the functions are ours, written over
 * u64 argument arrays so that a trampoline can hand them what its programs saw.  No
 * state, no locking. */
#include <stddef.h>
#include <linux/ptrace.h>

#include "attach.h"
#include "test_funcs.h"

/* The argument registers of the x86-64 calling convention, in order. */
static void regs_from_args(struct pt_regs *regs, const u64 *args, u32 nr)
{
	unsigned long *slot[] = { &regs->rdi, &regs->rsi, &regs->rdx,
				  &regs->rcx, &regs->r8,  &regs->r9 };
	for (u32 i = 0; i < nr && i < ARRAY_SIZE(slot); i++)
		*slot[i] = args[i];
}

u64 test_func_call(const char *name, u64 (*fn)(const u64 *args), u32 nr_args, const u64 *args)
{
	struct pt_regs regs = { 0 };
	struct tramp_result res;
	bool override = false;
	u64 ret = 0;

	regs_from_args(&regs, args, nr_args);
	attach_fire(HOOK_KPROBE, name, false, &regs, sizeof(regs), &ret, &override);
	if (override) /* bpf_override_return: the function does not run */
		return ret;
	ret = attach_tramp_call(name, args, nr_args, fn, 0, &res);
	regs.rax = ret;
	u64 ignored;
	attach_fire(HOOK_KPROBE, name, true, &regs, sizeof(regs), &ignored, NULL);
	return ret;
}

/* Return values as the functions' C types leave them in rax: int results are 32 bits. */
#define INT_RET(v) ((u64)(u32)(int)(v))

struct fentry_test_t {
	struct fentry_test_t *a;
};

static u64 fentry_test1(const u64 *a)
{
	return INT_RET((int)a[0] + 1);
}

static u64 fentry_test2(const u64 *a)
{
	return INT_RET((int)a[0] + a[1]);
}

static u64 fentry_test3(const u64 *a)
{
	return INT_RET((char)a[0] + (int)a[1] + a[2]);
}

static u64 fentry_test4(const u64 *a)
{
	return INT_RET((long)a[0] + (char)a[1] + (int)a[2] + a[3]);
}

static u64 fentry_test5(const u64 *a)
{
	return INT_RET(a[0] + (long)a[1] + (short)a[2] + (int)a[3] + a[4]);
}

static u64 fentry_test6(const u64 *a)
{
	return INT_RET(a[0] + (long)a[1] + (short)a[2] + (int)a[3] + (long)a[4] + a[5]);
}

static u64 fentry_test7(const u64 *a)
{
	return INT_RET((long)a[0]);
}

static u64 fentry_test8(const u64 *a)
{
	return INT_RET((long)((struct fentry_test_t *)(uintptr_t)a[0])->a);
}

static u64 fentry_test9(const u64 *a)
{
	return *(u32 *)(uintptr_t)a[0];
}

static u64 fentry_test10(const u64 *a)
{
	return INT_RET((long)a[0]);
}

static u64 modify_return_test(const u64 *a)
{
	int *b = (int *)(uintptr_t)a[1];

	*b += 1;
	return INT_RET((int)a[0] + *b);
}

static u64 modify_return_test2(const u64 *a)
{
	int *b = (int *)(uintptr_t)a[1];

	*b += 1;
	return INT_RET((int)a[0] + *b + (short)a[2] + (int)a[3] + (long)a[4] + (char)a[5] +
		       (int)a[6]);
}

#define CALL(fn, ...)                                                              \
	((int)test_func_call("bpf_" #fn, fn, ARRAY_SIZE(((u64[]){ __VA_ARGS__ })), \
			     (u64[]){ __VA_ARGS__ }))
#define PTR(p) ((u64)(uintptr_t)(p))

static bool fentry_tests_pass(void)
{
	struct fentry_test_t arg = { 0 };
	u32 zero = 0;

	return CALL(fentry_test1, 1) == 2 && CALL(fentry_test2, 2, 3) == 5 &&
	       CALL(fentry_test3, 4, 5, 6) == 15 && CALL(fentry_test4, 7, 8, 9, 10) == 34 &&
	       CALL(fentry_test5, 11, 12, 13, 14, 15) == 65 &&
	       CALL(fentry_test6, 16, 17, 18, 19, 20, 21) == 111 && CALL(fentry_test7, 0) == 0 &&
	       CALL(fentry_test8, PTR(&arg)) == 0 && CALL(fentry_test9, PTR(&zero)) == 0 &&
	       CALL(fentry_test10, 0) == 0;
}

/* bpf_modify_return_test(1, &b) and bpf_modify_return_test2(1, &b, 3, 4, 5, 6, 7), each
 * with b = 2: their results summed in the low 16 bits, and in the high 16 how many of
 * them ran (changed b). */
static u32 modify_return_tests(void)
{
	u16 side_effect = 0, ret;
	int b = 2;

	ret = (u16)CALL(modify_return_test, 1, PTR(&b));
	side_effect += b != 2;
	b = 2;
	ret += (u16)CALL(modify_return_test2, 1, PTR(&b), 3, 4, 5, 6, 7);
	side_effect += b != 2;
	return (u32)side_effect << 16 | ret;
}

int test_funcs_run(u32 type, u32 *retval)
{
	switch (type) {
	case BPF_TRACE_FENTRY:
	case BPF_TRACE_FEXIT:
		if (!fentry_tests_pass())
			return -EFAULT;
		*retval = 0;
		return 0;
	case BPF_MODIFY_RETURN:
		*retval = modify_return_tests();
		return 0;
	default:
		return -EFAULT;
	}
}
