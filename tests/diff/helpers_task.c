/* bpf_get_current_task and bpf_get_current_task_btf in a raw tracepoint test run: the
 * task's pid, tgid and comm (at the kernel BTF's offsets, by CO-RE) are what
 * bpf_get_current_pid_tgid and bpf_get_current_comm say. */
#include <errno.h>
#include <string.h>

#include "difftest.h"

int main(void)
{
	struct bpf_object *obj = load_obj("helpers_task");
	__u64 args[2] = { 0 };
	LIBBPF_OPTS(bpf_test_run_opts, t, .ctx_in = args, .ctx_size_in = sizeof(args));

	int err = bpf_prog_test_run_opts(prog_fd(obj, "task_fields"), &t);
	out("test run: %s, fields that agree: 0x%x", err ? strerror(errno) : "ok", t.retval);
	bpf_object__close(obj);
	return finish();
}
