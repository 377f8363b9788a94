/* Ring descriptors in epoll.  A ring buffer's or a BPF_OUTPUT perf event's descriptor is
 * a memfd here, which epoll refuses; an eventfd stands for it (lib/pollsrc.h).  In a
 * process with libbpfrun.so the bridge's epoll calls swap it in themselves
 * (bridge/epoll.c).  A process the per-user runtime serves has only its descriptors, so
 * it asks with BPFRUN_BPF_POLL (bpfrun.h; libbpfrun-client.so does, inside epoll_ctl and
 * epoll_wait): for a copy of the eventfd, to add to its epoll instance in the ring's
 * place; before each wait, to have the eventfds of rings that are not ready cleared;
 * after it, to report which perf events' wake-ups the wait returned.
 *
 * Locking: none here (lib/pollsrc.c locks its list of polled sources). */
#include <sys/epoll.h>

#include "commands.h"
#include "poll.h"
#include "perf_event.h"
#include "bpfrun.h"
#include "../lib/pollsrc.h"
#include "../lib/uaccess.h"
#include "../maps/ringbuf.h"
#include "../obj/object.h"

int poll_standin(int fd, int epfd, u64 data, u32 *events, bool *perf)
{
	struct obj *o = obj_from_fd(fd, 0, NULL);
	int efd = -1;

	if (IS_ERR(o))
		return -1;
	if (o->type == OBJ_PERF_EVENT)
		efd = perf_event_poll_fd(container_of(o, struct perf_event, obj), epfd, data);
	else if (o->type == OBJ_MAP)
		efd = ringbuf_poll_fd(map_of(o), epfd, data);
	/* USER_RINGBUF's EPOLLOUT (room to write) is its eventfd's EPOLLIN */
	if (efd >= 0 && events && o->type == OBJ_MAP && (*events & EPOLLOUT))
		*events = (*events & ~(u32)EPOLLOUT) | EPOLLIN;
	if (perf)
		*perf = o->type == OBJ_PERF_EVENT;
	obj_put(o);
	return efd;
}

/* BPFRUN_POLL_REPORTED: the caller's n events, read in slices. */
static int reported(int epfd, u64 evs, u32 n)
{
	struct epoll_event slice[64];

	if (n > 1u << 20)
		return -EINVAL;
	for (u32 done = 0; done < n;) {
		u32 k = MIN(n - done, (u32)ARRAY_SIZE(slice));
		if (copy_from_user(slice, u64_to_ptr(evs + (u64)done * sizeof(slice[0])),
				   k * sizeof(slice[0])))
			return -EFAULT;
		pollsrc_reported(epfd, slice, (int)k);
		done += k;
	}
	return 0;
}

int link_poll_command(void *uattr, u32 size)
{
	struct bpfrun_poll_attr a = { 0 };

	int err = check_uarg_tail_zero(uattr, sizeof(a), size);
	if (err)
		return err;
	if (copy_from_user(&a, uattr, MIN((size_t)size, sizeof(a))))
		return -EFAULT;
	if (a.reserved)
		return -EINVAL;
	switch (a.op) {
	case BPFRUN_POLL_STANDIN: {
		u32 events = a.events;
		bool perf = false;
		int efd = poll_standin(a.fd, a.epfd, a.data, &events, &perf);
		if (efd < 0)
			return -EINVAL; /* not a ring: epoll's answer stands */
		a.events = events;
		a.n = perf; /* its wake-ups are reported after each wait */
		if (copy_to_user(uattr, &a, MIN((size_t)size, sizeof(a))))
			return -EFAULT;
		return obj_fd_give(efd);
	}
	case BPFRUN_POLL_REARM:
		pollsrc_rearm();
		return 0;
	case BPFRUN_POLL_REPORTED:
		return reported(a.epfd, a.evs, a.n);
	default:
		return -EINVAL;
	}
}
