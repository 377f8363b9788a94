/* epoll on ring buffer and perf event descriptors.  libbpf's ring_buffer,
 * user_ring_buffer and perf_buffer add the map's or event's descriptor to an epoll
 * instance and wait on it; such a descriptor here is a memfd, which epoll refuses.  So
 * epoll_ctl on one acts on the eventfd that stands for its ring (lib/pollsrc.h; the rings
 * are maps/ringbuf.h's and maps/perf_ring.h's), with the caller's event data, and every
 * epoll_wait first clears the eventfds of the rings that are not ready, and after it
 * returns consumes the perf events' wake-ups it reported: the instance then reports a
 * ring when the kernel's would (ring buffers: level-triggered, after a producer's or a
 * drainer's wake-up; perf events: once per wake-up).  USER_RINGBUF's EPOLLOUT (room to write) is asked as EPOLLIN of its
 * eventfd, so such an event is reported with EPOLLIN: libbpf's user_ring_buffer only
 * waits for an event, whatever its bits.  Other descriptors pass through untouched.
 *
 * poll(2) and select(2) on a ring descriptor are not redirected (a memfd is always
 * readable): libbpf uses neither.
 *
 * Locking: none here (lib/pollsrc.c locks its list of polled sources).
 */
#include <errno.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "bridge.h"
#include "../obj/object.h"
#include "../lib/pollsrc.h"
#include "../link/poll.h"

/* The eventfd standing for fd in epoll instance epfd when fd is a ring buffer's or a
 * BPF_OUTPUT perf event's descriptor (*ev's events rewritten as it must be asked), else
 * fd. */
static int poll_target(int epfd, int fd, struct epoll_event *ev)
{
	if (!obj_fd_is_object(fd))
		return fd;
	u32 events = ev ? ev->events : 0; /* a packed member: no pointer to it */
	int efd = poll_standin(fd, epfd, ev ? ev->data.u64 : 0, &events, NULL);
	if (efd >= 0 && ev)
		ev->events = events;
	return efd >= 0 ? efd : fd;
}

EXPORT int epoll_ctl(int epfd, int op, int fd, struct epoll_event *event)
{
	int (*next)(int, int, int, struct epoll_event *) = NEXT(
		epoll_ctl, int (*)(int, int, int, struct epoll_event *));
	struct epoll_event ev, *evp = event;

	if (event && op != EPOLL_CTL_DEL) {
		ev = *event;
		evp = &ev;
	}
	fd = poll_target(epfd, fd, evp);
	return next ? next(epfd, op, fd, evp) : (int)syscall(SYS_epoll_ctl, epfd, op, fd, evp);
}

EXPORT int epoll_wait(int epfd, struct epoll_event *events, int max, int timeout)
{
	int (*next)(int, struct epoll_event *, int,
		    int) = NEXT(epoll_wait, int (*)(int, struct epoll_event *, int, int));

	pollsrc_rearm();
	int n = next ? next(epfd, events, max, timeout) :
		       (int)syscall(SYS_epoll_pwait, epfd, events, max, timeout, NULL, 8);
	pollsrc_reported(epfd, events, n);
	return n;
}

EXPORT int epoll_pwait(int epfd, struct epoll_event *events, int max, int timeout,
		       const sigset_t *sigmask)
{
	int (*next)(int, struct epoll_event *, int, int, const sigset_t *) = NEXT(
		epoll_pwait, int (*)(int, struct epoll_event *, int, int, const sigset_t *));

	pollsrc_rearm();
	int n = next ? next(epfd, events, max, timeout, sigmask) :
		       (int)syscall(SYS_epoll_pwait, epfd, events, max, timeout, sigmask, 8);
	pollsrc_reported(epfd, events, n);
	return n;
}

EXPORT int epoll_pwait2(int epfd, struct epoll_event *events, int max,
			const struct timespec *timeout, const sigset_t *sigmask)
{
	int (*next)(int, struct epoll_event *, int, const struct timespec *,
		    const sigset_t *) = NEXT(epoll_pwait2,
					     int (*)(int, struct epoll_event *, int,
						     const struct timespec *, const sigset_t *));

	pollsrc_rearm();
	int n = next ? next(epfd, events, max, timeout, sigmask) :
		       (int)syscall(SYS_epoll_pwait2, epfd, events, max, timeout, sigmask, 8);
	pollsrc_reported(epfd, events, n);
	return n;
}
