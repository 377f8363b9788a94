/* Readiness of ring descriptors (link/poll.c): which eventfd stands for a ring buffer's
 * or a BPF_OUTPUT perf event's descriptor in epoll (lib/pollsrc.h), for the bridge's
 * interposed epoll calls and for bpfrun's BPFRUN_BPF_POLL command (bpfrun.h; its handler,
 * link_poll_command, is in commands.h). */
#ifndef BPFRUN_LINK_POLL_H
#define BPFRUN_LINK_POLL_H

#include "../lib/common.h"

/* The eventfd (ours, owned by the ring) standing for descriptor fd in
 * epoll_ctl(epfd, ..., *events, data), when fd is a ring's; *events (may be NULL) is
 * rewritten as the eventfd must be asked (USER_RINGBUF's EPOLLOUT is its EPOLLIN);
 * *perf (may be NULL): whether it is a perf event's ring.  -1 when fd is not a ring's. */
int poll_standin(int fd, int epfd, u64 data, u32 *events, bool *perf);

#endif
