/* Loads with fewer capabilities: a child process drops some of CAP_BPF, CAP_NET_ADMIN,
 * CAP_PERFMON and CAP_SYS_ADMIN from its effective set (capset) and loads a minimal
 * socket filter, XDP and kprobe program; the errno of each load is compared with the
 * kernel's (unprivileged_bpf_disabled as this machine has it). */
#include <errno.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/capability.h>

#include "difftest.h"

#define CAP_PERFMON_ 38
#define CAP_BPF_ 39

static int drop_caps(const int *drop, int n)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct d[2];

	if (syscall(SYS_capget, &hdr, d))
		return -1;
	for (int i = 0; i < n; i++)
		d[drop[i] / 32].effective &= ~(1u << (drop[i] % 32));
	return (int)syscall(SYS_capset, &hdr, d);
}

static const char *try_load(enum bpf_prog_type type)
{
	struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = 0, .imm = 0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	int fd = bpf_prog_load(type, "caps", "GPL", insns, 2, NULL);

	if (fd < 0)
		return strerror(errno);
	close(fd);
	return "ok";
}

static void with_caps(const char *what, const int *drop, int n)
{
	int pipefd[2];
	char buf[256] = "";

	if (pipe(pipefd))
		return;
	pid_t pid = fork();
	if (pid == 0) {
		char line[256];
		int len = snprintf(line, sizeof(line), "%-28s %s",
				   drop_caps(drop, n) ? "capset failed" : what, "");
		len += snprintf(line + len, sizeof(line) - len, "socket=%s ",
				try_load(BPF_PROG_TYPE_SOCKET_FILTER));
		len += snprintf(line + len, sizeof(line) - len, "xdp=%s ",
				try_load(BPF_PROG_TYPE_XDP));
		snprintf(line + len, sizeof(line) - len, "kprobe=%s",
			 try_load(BPF_PROG_TYPE_KPROBE));
		if (write(pipefd[1], line, strlen(line)) < 0)
			_exit(1);
		_exit(0);
	}
	close(pipefd[1]);
	ssize_t got = read(pipefd[0], buf, sizeof(buf) - 1);
	close(pipefd[0]);
	waitpid(pid, NULL, 0);
	out("%s", got > 0 ? buf : "child failed");
}

int main(void)
{
	static const int none[] = { CAP_BPF_, CAP_PERFMON_, CAP_NET_ADMIN, CAP_SYS_ADMIN };
	static const int bpf_only[] = { CAP_PERFMON_, CAP_NET_ADMIN, CAP_SYS_ADMIN };
	static const int bpf_net[] = { CAP_PERFMON_, CAP_SYS_ADMIN };
	static const int bpf_perfmon[] = { CAP_NET_ADMIN, CAP_SYS_ADMIN };
	static const int admin_only[] = { CAP_BPF_, CAP_PERFMON_, CAP_NET_ADMIN };

	with_caps("all", NULL, 0);
	with_caps("none of the four", none, 4);
	with_caps("CAP_BPF", bpf_only, 3);
	with_caps("CAP_BPF+CAP_NET_ADMIN", bpf_net, 2);
	with_caps("CAP_BPF+CAP_PERFMON", bpf_perfmon, 2);
	with_caps("CAP_SYS_ADMIN", admin_only, 3);
	return finish();
}
