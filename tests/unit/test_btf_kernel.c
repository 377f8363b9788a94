/* The kernel's BTF (btf/kernel_btf.h): found where the user says, else in sysfs; ids
 * resolve by name and kind; the source cannot change once it has been read. */
#include <errno.h>
#include <linux/btf.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bpfrun.h"
#include "difftest.h"
#include "btf/kernel_btf.h"

/* In a child: a missing file named by the user gives -ENOENT and no BTF. */
static void missing_file(void)
{
	pid_t pid = fork();
	int status;

	if (pid == 0) {
		int err = 0;
		bpfrun_set_kernel_btf("/nonexistent/vmlinux");
		_exit(kernel_btf(&err) == NULL && err == -ENOENT &&
				      kernel_btf_find("bpf_fentry_test1", BTF_KIND_FUNC) ==
					      -ENOENT ?
			      0 :
			      1);
	}
	CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status) && !WEXITSTATUS(status),
	      "a missing kernel BTF file gives -ENOENT");
}

int main(void)
{
	int err = 0;

	missing_file();
	if (access("/sys/kernel/btf/vmlinux", R_OK)) {
		printf("SKIP: no /sys/kernel/btf/vmlinux\n");
		return finish();
	}
	CHECK(bpfrun_set_kernel_btf("/sys/kernel/btf/vmlinux") == 0, "set before the first use");
	CHECK(kernel_btf(&err) != NULL && err == 0, "sysfs vmlinux parses (err %d)", err);
	CHECK(kernel_btf_find("bpf_fentry_test1", BTF_KIND_FUNC) > 0, "a kernel function");
	CHECK(kernel_btf_find("task_struct", BTF_KIND_STRUCT) > 0, "a kernel struct");
	CHECK(kernel_btf_find("no_such_function_xyz", BTF_KIND_FUNC) == -ENOENT, "unknown name");
	CHECK(bpfrun_set_kernel_btf(NULL) == -EBUSY, "no change once read");
	return finish();
}
