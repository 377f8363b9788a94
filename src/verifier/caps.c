/* The loader's capabilities as the kernel weighs them for the verifier: CAP_PERFMON (or
 * CAP_SYS_ADMIN) lets a program read uninitialised stack and leak pointers (the kernel's
 * allow_uninit_stack and allow_ptr_leaks), CAP_BPF (or CAP_SYS_ADMIN) lifts the
 * unprivileged limits, CAP_NET_ADMIN and CAP_PERFMON gate the network and tracing program
 * types.  Read at each load from the effective set of the caller: this process, or the
 * one the per-user runtime serves (uaccess_remote_pid()).
 * No state, no locking. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/capability.h>

#include "caps.h"
#include "../lib/sys.h"
#include "../lib/uaccess.h"

#ifndef CAP_PERFMON
#define CAP_PERFMON 38
#endif
#ifndef CAP_BPF
#define CAP_BPF 39
#endif

static bool has(const struct __user_cap_data_struct *d, int cap)
{
	return d[cap / 32].effective & (1u << (cap % 32));
}

/* A small file of /proc, raw (in libbpfrun.so the bridge serves open and read): its
 * length, or -1. */
static long read_proc(const char *path, char *buf, size_t size)
{
	int fd = (int)sys_raw(SYS_openat, AT_FDCWD, (long)path, O_RDONLY | O_CLOEXEC, 0, 0, 0);

	if (fd < 0)
		return -1;
	long n = sys_raw(SYS_read, fd, (long)buf, (long)size - 1, 0, 0, 0);
	sys_close(fd);
	buf[n > 0 ? n : 0] = 0;
	return n;
}

/* The effective set of the process served by the per-user runtime (its CapEff line). */
static int remote_caps(pid_t pid, struct __user_cap_data_struct d[2])
{
	char path[64], buf[4096];

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	if (read_proc(path, buf, sizeof(buf)) <= 0)
		return -1;
	const char *p = strstr(buf, "\nCapEff:");
	if (!p)
		return -1;
	unsigned long long eff = strtoull(p + strlen("\nCapEff:"), NULL, 16);
	d[0].effective = (u32)eff;
	d[1].effective = (u32)(eff >> 32);
	return 0;
}

void caps_read(struct caps *c)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct d[2] = { 0 };
	pid_t pid = uaccess_remote_pid(); /* the caller, when the runtime serves another */

	if (pid ? remote_caps(pid, d) : sys_raw(SYS_capget, (long)&hdr, (long)d, 0, 0, 0, 0)) {
		*c = (struct caps){ 0 };
		return;
	}
	bool admin = has(d, CAP_SYS_ADMIN);
	c->bpf = admin || has(d, CAP_BPF);
	c->perfmon = admin || has(d, CAP_PERFMON);
	c->net_admin = admin || has(d, CAP_NET_ADMIN);
}

int caps_unprivileged_bpf_disabled(void)
{
	char buf[16];

	return read_proc("/proc/sys/kernel/unprivileged_bpf_disabled", buf, sizeof(buf)) > 0 ?
		       atoi(buf) :
		       2; /* unknown: as Debian's default, disabled */
}
