/* The loader's capabilities, as the verifier weighs them (caps.c).  No state. */
#ifndef BPFRUN_VERIFIER_CAPS_H
#define BPFRUN_VERIFIER_CAPS_H

#include "../lib/common.h"

struct caps {
	bool bpf;       /* CAP_BPF or CAP_SYS_ADMIN (the kernel's bpf_capable) */
	bool perfmon;   /* CAP_PERFMON or CAP_SYS_ADMIN (perfmon_capable) */
	bool net_admin; /* CAP_NET_ADMIN or CAP_SYS_ADMIN */
};

void caps_read(struct caps *c);
/* /proc/sys/kernel/unprivileged_bpf_disabled (2 when unreadable). */
int caps_unprivileged_bpf_disabled(void);

#endif
