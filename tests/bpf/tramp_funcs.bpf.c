/* fentry, fexit, fmod_ret and kprobe programs on the kernel's test functions, for
 * tests/linked/tramp_funcs.c.  What each checks follows the kernel's selftests
 * (tools/testing/selftests/bpf/progs/fentry_test.c, fexit_test.c, modify_return.c,
 * get_func_ip_test.c, get_func_args_test.c); the programs are our own. */
#include <linux/bpf.h>
#include <linux/ptrace.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

extern const void bpf_fentry_test2 __ksym;

/* One struct, so that the test reads the .bss with a known layout. */
struct state {
	__u64 fentry_ok[7], fexit_ok[7], kprobe_arg, args_ok, ip_ok;
	int input_retval, sequence, fentry_result, fmod_ret_result, fexit_result, fexit_b;
} st;

SEC("fentry/bpf_fentry_test1")
int BPF_PROG(fe1, int a)
{
	st.fentry_ok[1] = a == 1;
	return 0;
}

SEC("fentry/bpf_fentry_test2")
int BPF_PROG(fe2, int a, __u64 b)
{
	st.fentry_ok[2] = a == 2 && b == 3;
	return 0;
}

SEC("fentry/bpf_fentry_test3")
int BPF_PROG(fe3, char a, int b, __u64 c)
{
	st.fentry_ok[3] = a == 4 && b == 5 && c == 6;
	return 0;
}

SEC("fentry/bpf_fentry_test6")
int BPF_PROG(fe6, __u64 a, void *b, short c, int d, void *e, __u64 f)
{
	st.fentry_ok[6] = a == 16 && b == (void *)17 && c == 18 && d == 19 && e == (void *)20 &&
			  f == 21;
	return 0;
}

SEC("fexit/bpf_fentry_test1")
int BPF_PROG(fx1, int a, int ret)
{
	st.fexit_ok[1] = a == 1 && ret == 2;
	return 0;
}

SEC("fexit/bpf_fentry_test6")
int BPF_PROG(fx6, __u64 a, void *b, short c, int d, void *e, __u64 f, int ret)
{
	st.fexit_ok[6] = a == 16 && f == 21 && ret == 111;
	return 0;
}

/* get_func_args_test.c's checks: argument count, arguments, return value, past-the-end. */
SEC("fexit/bpf_fentry_test2")
int fx2_args(__u64 *ctx)
{
	__u64 a = 0, b = 0, ret = 0, z = 0;
	long cnt = bpf_get_func_arg_cnt(ctx);

	st.args_ok = cnt == 2 && !bpf_get_func_arg(ctx, 0, &a) && !bpf_get_func_arg(ctx, 1, &b) &&
		     bpf_get_func_arg(ctx, 2, &z) == -22 && !bpf_get_func_ret(ctx, &ret) &&
		     a == 2 && b == 3 && ret == 5;
	st.ip_ok = bpf_get_func_ip(ctx) == (__u64)&bpf_fentry_test2;
	return 0;
}

SEC("kprobe/bpf_fentry_test1")
int kp1(struct pt_regs *ctx)
{
	st.kprobe_arg = PT_REGS_PARM1(ctx);
	return 0;
}

static int read_int(int *p)
{
	int v = -1;

	bpf_probe_read_kernel(&v, sizeof(v), p);
	return v;
}

SEC("fentry/bpf_modify_return_test")
int BPF_PROG(mr_fentry, int a, int *b)
{
	st.fentry_result = st.sequence == 0 && a == 1 && read_int(b) == 2;
	st.sequence++;
	return 0;
}

SEC("fmod_ret/bpf_modify_return_test")
int BPF_PROG(mr_fmod_ret, int a, int *b, int ret)
{
	st.fmod_ret_result = st.sequence == 1 && ret == 0;
	st.sequence++;
	return st.input_retval;
}

SEC("fexit/bpf_modify_return_test")
int BPF_PROG(mr_fexit, int a, int *b, int ret)
{
	st.fexit_b = read_int(b);
	st.fexit_result = st.sequence == 2 && ret == (st.input_retval ? st.input_retval : 4);
	st.sequence++;
	return 0;
}

char _license[] SEC("license") = "GPL";
