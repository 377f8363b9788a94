/* Stack helpers: bpf_get_stackid (into a STACK_TRACE map, maps/stackmap.h), bpf_get_stack
 * and bpf_get_task_stack, with the kernel's flags, skips, depths and errors.
 *
 * What a stack is in user space.  The kernel stack of a run is the chain of code that runs
 * it, innermost first: the program (the address of its instructions), the vm that runs it
 * (vm_run), and, inside a bpf() call, the runtime's syscall entry (bpfrun_bpf), as the
 * kernel's shows the program, its hook and the syscall entry.  The user stack is the
 * host's: the address the bpf() call returns to (the application's libc-like call site),
 * then the caller's frame-pointer chain, as the kernel's perf callchain walks user frames.
 * Every user frame is read through lib/uaccess (EFAULT, never a crash, on unmapped memory)
 * and the walk stops at a frame that does not move up the stack.  For a caller the shared
 * runtime serves (another process, blocked in its bpf() call) the user stack is that
 * call's site alone (its pc in /proc/<tid>/syscall: the runtime has no frame pointer of
 * it).  Outside a bpf() call (timer callbacks) there is no user stack, as for the
 * kernel's kernel threads.  Build id entries (BPF_F_USER_BUILD_ID, BPF_F_STACK_BUILD_ID
 * maps) come from buildid.c.
 *
 * No state; the maps lock. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"
#include "../lib/sys.h"
#include "../lib/task.h"
#include "../lib/uaccess.h"
#include "../maps/stackmap.h"
#include "../obj/prog.h"

#define STACK_MAX 256u /* room for any sysctl perf_event_max_stack we honour */

/* The kernel stack of the run (see above) into ips: how many entries, at most max. */
static u32 kernel_stack(const struct exec_ctx *x, u64 *ips, u32 max)
{
	u64 chain[3] = { (u64)(uintptr_t)(x->prog ? x->prog->insns : NULL), (u64)(uintptr_t)vm_run,
			 task_entry()->fn };
	u32 nr = chain[2] ? 3 : 2;

	nr = MIN(nr, max);
	memcpy(ips, chain, nr * sizeof(u64));
	return nr;
}

/* The call site of the bpf() call a caller of the shared runtime is blocked in (its pc in
 * /proc/<tid>/syscall, the last field): 1 entry, or 0 when it cannot be read. */
static u32 remote_user_stack(const struct task_ident *t, u64 *ips)
{
	char path[64], buf[256];

	snprintf(path, sizeof(path), "/proc/%u/syscall", t->pid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
	if (fd >= 0)
		sys_close(fd);
	if (n <= 0)
		return 0;
	buf[n] = 0;
	char *pc = strrchr(buf, ' ');
	ips[0] = pc ? strtoull(pc + 1, NULL, 16) : 0;
	return ips[0] != 0;
}

/* The user stack of the bpf() call being served into ips: how many entries, at most max. */
static u32 user_stack(u64 *ips, u32 max)
{
	const struct task_entry *e = task_entry();
	u64 fp, frame[2];
	u32 nr = 0;

	if (!e->fn || !max)
		return 0;
	if (task_remote())
		return remote_user_stack(task_remote(), ips);
	if (uaccess_remote_pid())
		return 0;
	ips[nr++] = e->ret;
	if (copy_from_user(&fp, (const void *)(uintptr_t)e->fp, sizeof(fp)))
		return nr;
	/* each frame: [fp] the caller's frame pointer, [fp + 8] the return address */
	while (nr < max && fp > e->fp && !(fp & 7) &&
	       !copy_from_user(frame, (const void *)(uintptr_t)fp, sizeof(frame)) && frame[1]) {
		ips[nr++] = frame[1];
		if (frame[0] <= fp)
			break;
		fp = frame[0];
	}
	return nr;
}

static u32 collect(const struct exec_ctx *x, bool user, u64 *ips, u32 max)
{
	max = MIN(MIN(max, stack_max_depth()), STACK_MAX);
	return user ? user_stack(ips, max) : kernel_stack(x, ips, max);
}

HELPER(get_stackid)
{
	struct bpf_map *m = vm_map_arg(x, r2);
	u64 flags = r3, ips[STACK_MAX];
	u32 skip = flags & BPF_F_SKIP_FIELD_MASK;

	if (!m)
		return 0;
	if (m->map_type != BPF_MAP_TYPE_STACK_TRACE) {
		vm_fault(x, "cannot pass map_type %u into func bpf_get_stackid", m->map_type);
		return 0;
	}
	if (flags & ~(u64)(BPF_F_SKIP_FIELD_MASK | BPF_F_USER_STACK | BPF_F_FAST_STACK_CMP |
			   BPF_F_REUSE_STACKID))
		return (u64)-EINVAL;
	u32 nr = collect(x, flags & BPF_F_USER_STACK, ips, stackmap_depth(m) + skip);
	if (nr <= skip)
		return (u64)-EFAULT;
	nr = MIN(nr - skip, stackmap_depth(m));
	struct bpf_stack_build_id ids[STACK_MAX];
	if (m->map_flags & BPF_F_STACK_BUILD_ID)
		stack_build_ids(ids, ips + skip, nr, flags & BPF_F_USER_STACK);
	return (u64)stackmap_get_id(m, ips + skip, ids, nr, flags);
}

/* The kernel's __bpf_get_stack into the run's buffer [r_buf, +size). */
static u64 get_stack(struct exec_ctx *x, u64 r_buf, u64 size64, u64 flags)
{
	u32 size = (u32)size64, skip = flags & BPF_F_SKIP_FIELD_MASK;
	bool user = flags & BPF_F_USER_STACK, build_id = flags & BPF_F_USER_BUILD_ID;
	u32 elem = build_id ? sizeof(struct bpf_stack_build_id) : sizeof(u64);
	u8 *buf = vm_mem(x, r_buf, size, true);
	u64 ips[STACK_MAX];
	long ret = -EINVAL;

	if (!buf && size)
		return 0;
	if ((flags & ~(u64)(BPF_F_SKIP_FIELD_MASK | BPF_F_USER_STACK | BPF_F_USER_BUILD_ID)) ||
	    (!user && build_id) || size % elem)
		goto clear;
	u32 num = size / elem, nr = collect(x, user, ips, num + skip);
	ret = -EFAULT;
	if (nr < skip)
		goto clear;
	nr = MIN(nr - skip, num);
	if (build_id && nr) {
		struct bpf_stack_build_id ids[STACK_MAX];
		stack_build_ids(ids, ips + skip, nr, true);
		memcpy(buf, ids, nr * elem);
	} else if (nr) {
		memcpy(buf, ips + skip, nr * elem);
	}
	if (size > nr * elem)
		memset(buf + nr * elem, 0, size - nr * elem);
	return (u64)nr * elem;
clear:
	if (size)
		memset(buf, 0, size);
	return (u64)ret;
}

HELPER(get_stack)
{
	return get_stack(x, r2, r3, r4);
}

/* Only the running task is modelled: its stack is bpf_get_stack's. */
HELPER(get_task_stack)
{
	if (!task_is_current(r1)) {
		vm_fault(x,
			 "bpfrun: bpf_get_task_stack: no task but the current one bpfrun models "
			 "at 0x%llx",
			 (unsigned long long)r1);
		return 0;
	}
	return get_stack(x, r2, r3, r4);
}
