/* What the kernel's verifier refuses with typed per-CPU ksyms
 * (tools/testing/selftests/bpf/progs/test_ksyms_btf_write_check.c: writes through the
 * pointer bpf_this_cpu_ptr gives; a load through the per-CPU address itself), for
 * tests/linked/ksyms_percpu.c: bpfrun faults them at run time. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

extern const int bpf_prog_active __ksym;

SEC("raw_tp")
int write_through(void *ctx)
{
	int *active = (int *)bpf_this_cpu_ptr(&bpf_prog_active);

	*(volatile int *)active = -1;
	return 0;
}

SEC("raw_tp")
int load_percpu_addr(void *ctx)
{
	return *(volatile const int *)&bpf_prog_active;
}

char _license[] SEC("license") = "GPL";
