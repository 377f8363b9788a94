/* libbpfrun-client.so: what `bpfrun exec` preloads into a command the per-user runtime
 * serves.  It holds no runtime: only the calls that must reach the runtime's objects and
 * that no kernel system call expresses, made as bpfrun's own bpf(2) commands, which the
 * seccomp filter hands to the runtime like any bpf() call (bpfrun.h):
 *   bpfrun_fire()   BPFRUN_BPF_FIRE: fires the hooks the command's loaders attached
 *   epoll_ctl() and the epoll_wait family, interposed: BPFRUN_BPF_POLL, for the ring
 *                   buffers and perf event rings of the runtime (below)
 *   mmap(), interposed: BPFRUN_BPF_MMAP, for the ring buffers' mappings (below)
 * A loader looks bpfrun_fire up as it would in libbpfrun.so (dlsym, or a weak reference).
 * Without the runtime the kernel refuses the commands (EINVAL).
 *
 * epoll: a ring's descriptor is a memfd, which epoll_ctl refuses with EPERM.  Only then
 * is the runtime asked for the eventfd that stands for the ring (BPFRUN_POLL_STANDIN),
 * and that is added instead, with the caller's event data: libbpf's ring_buffer,
 * user_ring_buffer and perf_buffer see the ring's events.  Each wait on an epoll instance
 * that holds a stand-in is preceded by one more call (BPFRUN_POLL_REARM: readiness as the
 * kernel's) and, when one is a perf event's ring, followed by another (_REPORTED), a
 * round trip each; other instances, and processes that never poll a ring, pay nothing.  A
 * descriptor's stand-in is kept for its MOD and DEL; a new ADD of the same number
 * replaces it (the number was closed and reused, or is added to a second instance, which
 * then holds the only stand-in: a ring polled by two epoll instances at once is not
 * served).
 *
 * mmap: a ring buffer's (RINGBUF, USER_RINGBUF) data pages appear twice in its mapping,
 * which one mmap of the ring's file cannot show, and the runtime refuses it (EINVAL).
 * Only then is the runtime asked for the mapping's pieces, and they are mapped side by
 * side into one reservation, each piece an mmap the runtime checks: libbpf's ring_buffer
 * and user_ring_buffer map their rings unchanged.  Every other mmap costs nothing more.
 *
 * The calls go to the kernel as system calls (glibc's wrappers would be cancellation
 * points too).
 *
 * Locking: the stand-in and instance tables are arrays of atomics; the calls need no
 * other state. */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "bpfrun.h"

#define API __attribute__((visibility("default")))
#define MAX_STANDINS 4096 /* ring descriptors above this number are not served */

static int standin[MAX_STANDINS]; /* atomic: the eventfd standing for descriptor i, + 1 */
/* atomic: the epoll instances a stand-in was added to, by descriptor number (never
 * cleared: a reused number only costs its waits the round trips); far: one numbered
 * MAX_STANDINS or more, whose waits all pay them then. */
enum { HOLDS_RING = 1, HOLDS_PERF = 2 };
static unsigned char epfd_holds[MAX_STANDINS];
static unsigned char far_holds;

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

static long poll_call(struct bpfrun_poll_attr *a)
{
	return syscall(__NR_bpf, BPFRUN_BPF_POLL, a, sizeof(*a));
}

/* The eventfd to use for ring descriptor fd in epoll_ctl(epfd, op, ...), *ev rewritten
 * as it must be asked; -1 when fd is no ring of the runtime's. */
static int standin_for(int epfd, int op, int fd, struct epoll_event *ev)
{
	if (fd < 0 || fd >= MAX_STANDINS)
		return -1;
	int known = __atomic_load_n(&standin[fd], __ATOMIC_ACQUIRE) - 1;
	if (op == EPOLL_CTL_DEL)
		return known;
	struct bpfrun_poll_attr a = {
		.op = BPFRUN_POLL_STANDIN,
		.fd = fd,
		.epfd = epfd,
		.events = ev ? ev->events : 0,
		.data = ev ? ev->data.u64 : 0,
	};
	int efd = (int)poll_call(&a);
	if (efd < 0)
		return -1;
	if (ev)
		ev->events = a.events;
	if (op == EPOLL_CTL_MOD && known >= 0) { /* the instance holds the known one */
		close(efd);
		return known;
	}
	int old = __atomic_exchange_n(&standin[fd], efd + 1, __ATOMIC_ACQ_REL) - 1;
	if (old >= 0)
		close(old);
	unsigned char holds = HOLDS_RING | (a.n ? HOLDS_PERF : 0);
	__atomic_fetch_or(epfd >= 0 && epfd < MAX_STANDINS ? &epfd_holds[epfd] : &far_holds, holds,
			  __ATOMIC_RELEASE);
	return efd;
}

static int next_epoll_ctl(int epfd, int op, int fd, struct epoll_event *event)
{
	return (int)syscall(SYS_epoll_ctl, epfd, op, fd, event);
}

API int epoll_ctl(int epfd, int op, int fd, struct epoll_event *event)
{
	int ret = next_epoll_ctl(epfd, op, fd, event);
	if (ret == 0 || errno != EPERM)
		return ret;
	/* a file epoll refuses: a ring of the runtime's? */
	struct epoll_event ev = event ? *event : (struct epoll_event){ 0 };
	int efd = standin_for(epfd, op, fd, event ? &ev : NULL);
	if (efd < 0) {
		errno = EPERM;
		return -1;
	}
	ret = next_epoll_ctl(epfd, op, efd, event ? &ev : NULL);
	if (op == EPOLL_CTL_DEL && ret == 0 &&
	    __atomic_compare_exchange_n(&standin[fd], &(int){ efd + 1 }, 0, false, __ATOMIC_ACQ_REL,
					__ATOMIC_ACQUIRE))
		close(efd);
	return ret;
}

/* What waits on epoll instance epfd must do (HOLDS_*), the instances that hold no
 * stand-in paying nothing. */
static unsigned char holds_of(int epfd)
{
	unsigned char far = __atomic_load_n(&far_holds, __ATOMIC_ACQUIRE);

	if (epfd < 0 || epfd >= MAX_STANDINS)
		return far;
	return far | __atomic_load_n(&epfd_holds[epfd], __ATOMIC_ACQUIRE);
}

/* Around every wait on an instance that holds a stand-in: the rings that are not ready
 * are cleared before it, the perf events' wake-ups it returned are reported after it. */
static void before_wait(int epfd)
{
	struct bpfrun_poll_attr a = { .op = BPFRUN_POLL_REARM };

	if (holds_of(epfd))
		poll_call(&a);
}

static int after_wait(int epfd, struct epoll_event *events, int n)
{
	int saved = errno;
	struct bpfrun_poll_attr a = {
		.op = BPFRUN_POLL_REPORTED,
		.epfd = epfd,
		.evs = (uintptr_t)events,
		.n = (uint32_t)n,
	};

	if (n > 0 && (holds_of(epfd) & HOLDS_PERF))
		poll_call(&a);
	errno = saved;
	return n;
}

API int epoll_wait(int epfd, struct epoll_event *events, int max, int timeout)
{
	before_wait(epfd);
	return after_wait(epfd, events,
			  (int)syscall(SYS_epoll_pwait, epfd, events, max, timeout, NULL, 8));
}

API int epoll_pwait(int epfd, struct epoll_event *events, int max, int timeout,
		    const sigset_t *sigmask)
{
	before_wait(epfd);
	return after_wait(epfd, events,
			  (int)syscall(SYS_epoll_pwait, epfd, events, max, timeout, sigmask, 8));
}

API int epoll_pwait2(int epfd, struct epoll_event *events, int max, const struct timespec *timeout,
		     const sigset_t *sigmask)
{
	before_wait(epfd);
	return after_wait(epfd, events,
			  (int)syscall(SYS_epoll_pwait2, epfd, events, max, timeout, sigmask, 8));
}

/* The mapping an mmap of a ring buffer asked for, in the pieces the runtime names; the
 * first refusal (EINVAL) when it names none (the file is no ring's, or the mapping was
 * refused for another reason). */
static void *map_ring(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	struct bpfrun_mmap_attr a = {
		.fd = fd,
		.prot = (uint32_t)prot,
		.flags = (uint32_t)flags,
		.off = (uint64_t)off,
		.len = len,
	};

	if (syscall(__NR_bpf, BPFRUN_BPF_MMAP, &a, sizeof(a)) < 0 || !a.nr_pieces ||
	    a.nr_pieces > 2) {
		errno = EINVAL;
		return MAP_FAILED;
	}
	uint64_t rlen = a.pieces[a.nr_pieces - 1].at + a.pieces[a.nr_pieces - 1].len;
	char *base = (char *)syscall(SYS_mmap, addr, rlen, PROT_NONE,
				     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE |
					     (flags & (MAP_FIXED | MAP_FIXED_NOREPLACE)),
				     -1, 0);
	if (base == MAP_FAILED)
		return MAP_FAILED;
	flags = (flags & ~(MAP_TYPE | MAP_FIXED_NOREPLACE)) | MAP_SHARED | MAP_FIXED;
	for (uint32_t i = 0; i < a.nr_pieces; i++)
		if (syscall(SYS_mmap, base + a.pieces[i].at, a.pieces[i].len, prot, flags, fd,
			    a.pieces[i].file_off) == -1) {
			int err = errno;
			syscall(SYS_munmap, base, rlen);
			errno = err;
			return MAP_FAILED;
		}
	return base;
}

API void *mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	void *p = (void *)syscall(SYS_mmap, addr, len, prot, flags, fd, off);

	if (p != MAP_FAILED || errno != EINVAL || fd < 0 || (flags & MAP_ANONYMOUS))
		return p;
	return map_ring(addr, len, prot, flags, fd, off);
}

API void *mmap64(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	return mmap(addr, len, prot, flags, fd, off);
}
