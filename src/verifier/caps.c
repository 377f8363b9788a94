/* The loader's capabilities as the kernel weighs them for the verifier: CAP_PERFMON (or
 * CAP_SYS_ADMIN) lets a program read uninitialised stack and leak pointers (the kernel's
 * allow_uninit_stack and allow_ptr_leaks), CAP_BPF (or CAP_SYS_ADMIN) lifts the
 * unprivileged limits.  Read from the calling thread's effective set at each load.
 * No state, no locking. */
#include <linux/capability.h>

#include "caps.h"
#include "../lib/sys.h"

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

void caps_read(struct caps *c)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct d[2] = { 0 };

	if (sys_raw(SYS_capget, (long)&hdr, (long)d, 0, 0, 0, 0)) {
		*c = (struct caps){ 0 };
		return;
	}
	bool admin = has(d, CAP_SYS_ADMIN);
	c->bpf = admin || has(d, CAP_BPF);
	c->perfmon = admin || has(d, CAP_PERFMON);
	c->net_admin = has(d, CAP_NET_ADMIN);
}
