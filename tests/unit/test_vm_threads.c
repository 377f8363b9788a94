/* Programs on several threads at once: each thread has its own execution context (stack,
 * CPU id) and programs race on a shared map value as in the kernel: plain loads and stores
 * may lose updates, atomics may not, and neither is undefined behaviour (TSan stays clean). */
#include <pthread.h>
#include <stdio.h>

#include "test_vm_common.h"

const struct helper_desc *test_helpers[256];

enum { THREADS = 4, RUNS = 20000 };

static u64 value[2]; /* one array slot: [0] updated atomically, [1] with load + store */
static struct bpf_map map = {
	.map_type = BPF_MAP_TYPE_ARRAY,
	.key_size = 4,
	.value_size = 16,
	.max_entries = 1,
	.region = { .base = (char *)value, .stride = 16, .value_len = 16, .count = 1 },
};
static struct bpf_prog prog;
static u32 cpus[THREADS];

static void *runner(void *arg)
{
	struct exec_ctx *x = exec_ctx_get();

	cpus[(uintptr_t)arg] = x->cpu;
	for (int i = 0; i < RUNS; i++) {
		vm_reset_run(x);
		test_run(&prog, 0, 0);
		if (x->fault) {
			printf("fault: %s\n", x->fault_msg);
			break;
		}
	}
	return NULL;
}

int main(void)
{
	struct bpf_map *used[] = { &map };
	pthread_t t[THREADS];

	/* lock *(u64 *)v += 1; *(u64 *)(v + 8) = *(u64 *)(v + 8) + 1, through the stack */
	PROG(&prog, LD_PTR(1, value), MOV_IMM(2, 1), ATOMIC(BPF_DW, BPF_ADD, 1, 2, 0),
	     LDX(BPF_DW, 3, 1, 8), STX(BPF_DW, 10, 3, -8), LDX(BPF_DW, 3, 10, -8), ADD_IMM(3, 1),
	     STX(BPF_DW, 1, 3, 8), MOV_IMM(0, 0), EXIT);
	prog.used_maps = used;
	prog.nr_used_maps = 1;
	for (uintptr_t i = 0; i < THREADS; i++)
		pthread_create(&t[i], NULL, runner, (void *)i);
	for (int i = 0; i < THREADS; i++)
		pthread_join(t[i], NULL);
	CHECK(__atomic_load_n(&value[0], __ATOMIC_RELAXED) == (u64)THREADS * RUNS,
	      "atomic adds: %llu", (unsigned long long)value[0]);
	CHECK(value[1] > 0 && value[1] <= (u64)THREADS * RUNS, "plain updates: %llu",
	      (unsigned long long)value[1]);
	for (int i = 0; i < THREADS; i++)
		CHECK(cpus[i] < (u32)num_possible_cpus(), "thread %d cpu %u", i, cpus[i]);
	test_prog_free(&prog);
	return finish();
}
