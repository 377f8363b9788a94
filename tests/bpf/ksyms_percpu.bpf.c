/* Typed ksyms of per-CPU kernel variables, after the kernel's selftests
 * (tools/testing/selftests/bpf/progs/test_ksyms_btf.c): the values ld_imm64 loads for
 * them, bpf_this_cpu_ptr and bpf_per_cpu_ptr over them.  For tests/diff/ksyms_typed.c
 * (the kernel lists no variables in kallsyms here: the load is refused) and
 * tests/linked/ksyms_percpu.c (with a kallsyms list that has them). */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct rq {
	int cpu;
} __attribute__((preserve_access_index));

extern const struct rq runqueues __ksym;
extern const int bpf_prog_active __ksym;

/* One variable, so that its layout is the test's (tests/linked/ksyms_percpu.c). */
struct {
	__u64 rq_addr, active_addr;
	int this_rq_cpu, this_active, same_as_cpu_ptr, past_last_null, first_ok, nr_cpus_in;
} res;

SEC("raw_tp")
int percpu(void *ctx)
{
	__u32 cpu = bpf_get_smp_processor_id();
	const struct rq *rq = bpf_this_cpu_ptr(&runqueues);
	const int *active = bpf_this_cpu_ptr(&bpf_prog_active);

	res.rq_addr = (__u64)&runqueues;
	res.active_addr = (__u64)&bpf_prog_active;
	res.this_rq_cpu = rq->cpu;
	res.this_active = *active;
	res.same_as_cpu_ptr = bpf_per_cpu_ptr(&runqueues, cpu) == rq;
	res.past_last_null = !bpf_per_cpu_ptr(&runqueues, res.nr_cpus_in);
	res.first_ok = bpf_per_cpu_ptr(&runqueues, 0) != 0;
	return 0;
}

char _license[] SEC("license") = "GPL";
