/* libbpfrun-client.so: what `bpfrun exec` preloads into a command the per-user runtime
 * serves.  It holds no runtime: only the API calls that must reach the runtime's objects
 * and that no kernel system call expresses, made as bpfrun's own bpf(2) commands, which
 * the seccomp filter hands to the runtime like any bpf() call (bpfrun.h):
 *   bpfrun_fire()   BPFRUN_BPF_FIRE: fires the hooks the command's loaders attached
 * A loader looks them up as it would in libbpfrun.so (dlsym, or a weak reference).
 * Without the runtime the kernel refuses the command (EINVAL).  No state, no locking. */
#include <errno.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "bpfrun.h"

int bpfrun_fire(const char *hook, void *ctx, size_t ctx_size, uint64_t *ret)
{
	struct bpfrun_fire_attr attr = {
		.hook = (uintptr_t)hook,
		.ctx = (uintptr_t)ctx,
		.ctx_size = ctx_size,
		.ret = (uintptr_t)ret,
	};

	return syscall(__NR_bpf, BPFRUN_BPF_FIRE, &attr, sizeof(attr)) < 0 ? -1 : 0;
}
