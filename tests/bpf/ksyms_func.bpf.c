/* A typed function ksym's address and __kconfig externs, as libbpf resolves them (the
 * kernel's selftests progs/test_ksyms_btf.c, test_core_extern.c), for
 * tests/diff/ksyms_typed.c. */
#include <stdbool.h>
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

extern int bpf_fentry_test1(int a) __ksym;
extern const void bpf_fentry_test2 __ksym; /* untyped: libbpf reads kallsyms */

extern unsigned int LINUX_KERNEL_VERSION __kconfig;
extern bool CONFIG_BPF_SYSCALL __kconfig;
extern enum libbpf_tristate CONFIG_BPF_JIT __kconfig __weak;
extern int CONFIG_HZ __kconfig __weak;
extern bool CONFIG_BPFRUN_NO_SUCH_OPTION __kconfig __weak;
extern const char CONFIG_LOCALVERSION[16] __kconfig __weak;

/* One variable, so that its layout is the test's (tests/diff/ksyms_typed.c). */
struct {
	__u64 fn_addr, untyped_addr, kver, syscall_on, jit, hz, missing;
	char localversion[16];
} res;

SEC("raw_tp")
int values(void *ctx)
{
	res.fn_addr = (__u64)&bpf_fentry_test1;
	res.untyped_addr = (__u64)&bpf_fentry_test2;
	res.kver = LINUX_KERNEL_VERSION;
	res.syscall_on = CONFIG_BPF_SYSCALL;
	res.jit = CONFIG_BPF_JIT;
	res.hz = CONFIG_HZ;
	res.missing = CONFIG_BPFRUN_NO_SUCH_OPTION;
	__builtin_memcpy(res.localversion, CONFIG_LOCALVERSION, sizeof(res.localversion));
	return 0;
}

char _license[] SEC("license") = "GPL";
