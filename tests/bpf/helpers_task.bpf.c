/* bpf_get_current_task(_btf) against bpf_get_current_pid_tgid / _comm, read with CO-RE
 * (the kernel BTF's task_struct offsets), for tests/diff/helpers_task.c. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

struct task_struct {
	int pid;
	int tgid;
	char comm[16];
} __attribute__((preserve_access_index));

/* bit 0: pid, 1: tgid, 2: comm (probe reads); 3: pid, 4: tgid (direct loads, _btf) */
SEC("raw_tp/sys_enter")
int task_fields(void *ctx)
{
	struct task_struct *t = (void *)bpf_get_current_task();
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	char comm[16] __attribute__((aligned(8))) = {}, tcomm[16] __attribute__((aligned(8))) = {};
	int pid = -1, tgid = -1, ok = 0;

	bpf_probe_read_kernel(&pid, sizeof(pid), &t->pid);
	bpf_probe_read_kernel(&tgid, sizeof(tgid), &t->tgid);
	bpf_probe_read_kernel(tcomm, sizeof(tcomm), &t->comm);
	bpf_get_current_comm(comm, sizeof(comm));
	ok |= pid == (__u32)pid_tgid;
	ok |= (tgid == pid_tgid >> 32) << 1;
	ok |= (*(__u64 *)comm == *(__u64 *)tcomm && *(__u64 *)&comm[8] == *(__u64 *)&tcomm[8]) << 2;
	struct task_struct *b = bpf_get_current_task_btf();
	ok |= (b->pid == (__u32)pid_tgid) << 3;
	ok |= (b->tgid == pid_tgid >> 32) << 4;
	return ok;
}

char _license[] SEC("license") = "GPL";
