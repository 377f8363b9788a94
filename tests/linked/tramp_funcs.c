/* BPF_PROG_TEST_RUN of tracing programs calls the kernel's test functions and fires what
 * is attached to them, as bpf_prog_test_run_tracing does.  The kernel here refuses
 * fentry loads (EPERM), so the assertions are those of the kernel's selftests:
 *   prog_tests/fentry_test.c, fexit_test.c: a test run of a fentry/fexit program returns 0
 *     with retval 0, and every program saw its function's arguments (and return value);
 *   prog_tests/modify_return.c: retval is (side effects << 16 | summed results); an
 *     fmod_ret program returning 0 lets the function run (2 side effects, 4 + 29 = 33),
 *     one returning -EINVAL skips it (its result replaced, its side effect gone), and the
 *     fentry, fmod_ret and fexit programs run in that order;
 *   prog_tests/get_func_args_test.c, get_func_ip_test.c: argument count, arguments,
 *     return value, -EINVAL past the last argument, the function's kallsyms address;
 *   prog_tests/kprobe_multi_test.c's trigger: kprobes on bpf_fentry_test1 fire too. */
#include <errno.h>
#include <string.h>
#include <stdint.h>

#define ENOTSUPP 524 /* the kernel's, not in libc's headers */

#include "bpfrun.h"
#include "difftest.h"

struct bss {
	__u64 fentry_ok[7], fexit_ok[7], kprobe_arg, args_ok, ip_ok;
	int input_retval, sequence, fentry_result, fmod_ret_result, fexit_result, fexit_b;
};

/* The .bss through map lookups and updates (bpf_object__load, unlike a skeleton's load,
 * leaves libbpf's image of it unmapped from the map). */
static struct bss bss_buf;

static struct bss *bss_get(struct bpf_object *obj)
{
	__u32 key = 0;

	bpf_map_lookup_elem(map_fd(obj, "tramp_fu.bss"), &key, &bss_buf);
	return &bss_buf;
}

static void bss_put(struct bpf_object *obj)
{
	__u32 key = 0;

	bpf_map_update_elem(map_fd(obj, "tramp_fu.bss"), &key, &bss_buf, 0);
}

static int test_run(struct bpf_object *obj, const char *prog, __u32 *retval)
{
	LIBBPF_OPTS(bpf_test_run_opts, topts);
	int err = bpf_prog_test_run_opts(prog_fd(obj, prog), &topts);

	*retval = topts.retval;
	return err ? -errno : 0;
}

static void modify_return(struct bpf_object *obj, int input, __u16 side, __s16 ret, int b)
{
	struct bss *bss = bss_get(obj);
	__u32 retval = 0;

	bss->input_retval = input;
	bss->sequence = 0;
	bss_put(obj);
	CHECK(test_run(obj, "mr_fmod_ret", &retval) == 0, "fmod_ret test run (input %d)", input);
	bss = bss_get(obj);
	CHECK((__u16)(retval >> 16) == side && (__s16)(retval & 0xffff) == ret,
	      "input %d: side effects %u result %d", input, retval >> 16, (__s16)(retval & 0xffff));
	CHECK(bss->fentry_result == 1 && bss->fmod_ret_result == 1 && bss->fexit_result == 1,
	      "input %d: fentry %d fmod_ret %d fexit %d", input, bss->fentry_result,
	      bss->fmod_ret_result, bss->fexit_result);
	CHECK(bss->fexit_b == b, "input %d: fexit sees *b == %d (%d)", input, b, bss->fexit_b);
}

int main(void)
{
	struct bpf_object *obj = load_obj("tramp_funcs");
	struct bpf_program *p;
	__u32 retval = 1;

	bpf_object__for_each_program(p, obj)
		CHECK(bpf_program__attach(p) != NULL, "%s attaches: %s", bpf_program__name(p),
		      strerror(errno));
	CHECK(test_run(obj, "fe1", &retval) == 0 && retval == 0, "fentry test run: retval %u",
	      retval);
	struct bss *bss = bss_get(obj);
	for (int i = 1; i <= 6; i++)
		if (i <= 3 || i == 6)
			CHECK(bss->fentry_ok[i] == 1,
			      "fentry on bpf_fentry_test%d saw its arguments", i);
	CHECK(bss->fexit_ok[1] == 1 && bss->fexit_ok[6] == 1, "fexit saw the return values");
	CHECK(bss->args_ok == 1, "bpf_get_func_arg/_ret/_arg_cnt");
	CHECK(bss->ip_ok == 1, "bpf_get_func_ip is the function's ksym");
	CHECK(bss->kprobe_arg == 1, "the kprobe on bpf_fentry_test1 fired: %llu",
	      (unsigned long long)bss->kprobe_arg);

	modify_return(obj, 0, 2, 33, 3);
	modify_return(obj, -EINVAL, 1, -EINVAL + 29, 2);

	CHECK(test_run(obj, "kp1", &retval) == -ENOTSUPP, "kprobe test run: ENOTSUPP");
	bpf_object__close(obj);
	return finish();
}
