/* Poll sources: readiness that epoll can wait on for descriptors epoll refuses (a ring
 * buffer's or a perf event's descriptor here is a memfd).  Each source has an eventfd
 * that stands for it in epoll_ctl.  The kernel's answers are level-triggered on a state
 * (data to read, room to write) that only changes with a wake-up; so the owner writes
 * the eventfd at its wake-ups (pollsrc_wake), and before every epoll_wait the bridge
 * calls pollsrc_rearm(), which clears the eventfd of each polled source whose ready()
 * says no: an epoll_wait then reports a source exactly when the kernel's would.
 *
 * A source without ready() has the kernel's perf_poll answer instead: each wake-up is
 * reported once, by the first epoll_wait that returns it (pollsrc_reported), and an
 * EPOLL_CTL_ADD or _MOD consumes a wake-up that came before it, as the kernel's poll of the
 * file at those calls does.  Such a source remembers the instance and event data it was
 * added with, to know which returned event is its own.
 *
 * Used by maps/ringbuf.c (RINGBUF, USER_RINGBUF) and maps/perf_ring.c (perf event rings).
 *
 * Locking: the signalled flag is atomic; one mutex guards the list of sources handed to
 * epoll, taken by pollsrc_fd, pollsrc_rearm and pollsrc_destroy of a polled source only.
 * ready() is called under that mutex and takes no lock. */
#ifndef BPFRUN_POLLSRC_H
#define BPFRUN_POLLSRC_H

#include "common.h"

struct pollsrc {
	int eventfd;   /* -1 until pollsrc_init succeeds */
	u32 signalled; /* atomic: eventfd written since the last rearm cleared it */
	bool polled;   /* in the list of sources handed to epoll */
	bool (*ready)(struct pollsrc *src); /* NULL: once per wake-up */
	int epfd;                           /* once per wake-up: the instance and */
	u64 data;                           /* event data it was added with */
	struct pollsrc *next;
};

/* 0, or -ENOMEM when no eventfd can be made. */
int pollsrc_init(struct pollsrc *src, bool (*ready)(struct pollsrc *src));
/* Leaves the polled list and closes the eventfd (the owner is being freed). */
void pollsrc_destroy(struct pollsrc *src);
/* Signals the eventfd, once until pollsrc_rearm clears it: like the kernel's irq_work, a
 * burst of wake-ups costs one system call. */
void pollsrc_wake(struct pollsrc *src);
/* The eventfd to hand to epoll_ctl(epfd, ADD or MOD, ..., data); enters the polled list,
 * and signals it now if ready (the kernel polls a file at EPOLL_CTL_ADD), or for a source
 * without ready(), forgets a wake-up that came before. */
int pollsrc_fd(struct pollsrc *src, int epfd, u64 data);
/* Before every epoll_wait: clears the eventfds of the polled sources that are not ready. */
void pollsrc_rearm(void);
/* After an epoll_wait on epfd returned the n events evs: the sources without ready()
 * among them have had their wake-up reported. */
void pollsrc_reported(int epfd, const void *evs, int n);

#endif
