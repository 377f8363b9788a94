/* The test runs bpf_sys_bpf asks for (helpers/sysbpf.c checked the attr): a run cannot
 * start inside another on the same execution context, so the nested test run takes a
 * thread of its own, on the caller's CPU id, and the caller waits for it (syscall
 * programs may sleep).  Nesting is bounded: a program that test-runs a program that
 * test-runs ... gets -EBUSY past SYSBPF_MAX_DEPTH, as the kernel's recursion check
 * refuses a program re-entered on its CPU.  No shared state: the depth is per thread. */
#include <pthread.h>

#include "commands.h"
#include "../helpers/helpers.h"
#include "../lib/cpu.h"

#define SYSBPF_MAX_DEPTH 4

static __thread u32 sysbpf_depth; /* nested test runs above this thread's */

struct nested_run {
	union bpf_attr *attr;
	u32 cpu, depth;
	int err;
};

static void *nested_main(void *arg)
{
	struct nested_run *n = arg;

	cpu_id_set(n->cpu);
	sysbpf_depth = n->depth;
	n->err = prog_test_run(n->attr, n->attr, sizeof(*n->attr));
	return NULL;
}

static int nested_test_run(union bpf_attr *attr)
{
	struct nested_run n = { .attr = attr, .cpu = cpu_id(), .depth = sysbpf_depth + 1 };
	pthread_t t;

	if (n.depth > SYSBPF_MAX_DEPTH)
		return -EBUSY;
	if (pthread_create(&t, NULL, nested_main, &n))
		return -ENOMEM;
	pthread_join(t, NULL);
	return n.err;
}

__attribute__((constructor)) static void sysbpf_register(void)
{
	helper_sys_bpf_register(nested_test_run);
}
