/* bpfrun's perf events: what perf_event_open(2) returns, through the bridge, for the
 * events that exist to run BPF programs (kprobe, uprobe and tracepoint events, which
 * libbpf opens before it attaches a program), and their ioctls.  Every other event is
 * the kernel's (the bridge passes it through).
 *
 * Each kind of event is a small ops table (struct perf_event_kind).  The kinds are
 * registered from constructors (perf_event_kind_register) and never change afterwards;
 * perf_event_open asks each kind in turn whether it serves an attr.  The probe kinds
 * live in perf_probe.c, the BPF_OUTPUT kind (bpf_perf_event_output's events) in
 * perf_output.c.  Only BPF_OUTPUT events have a ring (maps/perf_ring.h): mmap(2) of
 * another event's descriptor is ENODEV (bridge/mmap.c).  Other ioctls than the ones
 * perf_event.c serves are ENOTTY.
 *
 * An event is an object (obj/object.h, OBJ_PERF_EVENT) with a descriptor, so close(2)
 * and dup(2) keep working through the bridge.  Its program (PERF_EVENT_IOC_SET_BPF or a
 * BPF_PERF_EVENT link) is attached while the event is enabled.
 *
 * Locking: each event's `lock` guards its program, attachment and enabled flag; no
 * program runs under it. */
#ifndef BPFRUN_LINK_PERF_EVENT_H
#define BPFRUN_LINK_PERF_EVENT_H

#include <pthread.h>
#include <sys/types.h>
#include <linux/perf_event.h>

#include "../obj/prog.h"
#include "../prog/attach.h"
#include "../maps/perf_ring.h"

struct perf_event;

struct perf_event_kind {
	const char *name;
	/* True when this kind serves an event of attr (attr->size bytes are valid). */
	bool (*match)(const struct perf_event_attr *attr);
	/* Sets up the event from attr (user strings through lib/uaccess): 0 or -errno. */
	int (*init)(struct perf_event *ev, const struct perf_event_attr *attr);
	/* May prog be attached to the event (PERF_EVENT_IOC_SET_BPF, perf links)?  0, or the
	 * kernel's errno (EINVAL for a program of the wrong type).  NULL: no program. */
	int (*check_prog)(struct perf_event *ev, const struct bpf_prog *prog);
};

struct perf_event {
	struct obj obj;
	const struct perf_event_kind *kind;
	struct perf_event_attr attr;
	int pid, cpu;

	/* Probe kinds: where the program attaches (prog/attach.h). */
	enum hook_kind hook;
	char *hook_name;
	bool retprobe;
	u64 offset; /* kprobes: offset into the function; uprobes: file offset */

	pthread_mutex_t lock;
	bool enabled;
	struct bpf_prog *prog; /* referenced */
	u64 cookie;
	struct attachment *att; /* while prog is set and the event enabled */

	struct perf_ring *ring; /* BPF_OUTPUT events: where bpf_perf_event_output writes */
};

/* Registers a kind (from a constructor, before main()).  At most 8. */
void perf_event_kind_register(const struct perf_event_kind *kind);

/* perf_event_open(2) for bpfrun's kinds: true when a kind serves attr, the descriptor
 * or -errno in *ret; false: not ours, let the kernel answer. */
bool perf_event_open_ours(const struct perf_event_attr *uattr, int pid, int cpu, int group_fd,
			  unsigned long flags, long *ret);
/* ioctl(2) on a descriptor: true when fd is one of our events (result or -errno in *ret). */
bool perf_event_ioctl_ours(int fd, unsigned long req, unsigned long arg, long *ret);
/* The sysfs files of a PMU bpfrun models (perf_probe.c: the kprobe PMU of a kernel
 * without kprobes): true and the file's text in buf, or false (a real file). */
bool perf_probe_sysfs_file(const char *path, char *buf, size_t len);
/* The event behind fd, referenced, or ERR_PTR(-EBADF) when fd is none of ours. */
struct perf_event *perf_event_from_fd(int fd);
void perf_event_put(struct perf_event *ev);

/* mmap(2) of a BPF_OUTPUT event's descriptor: the kernel's checks and, at the first
 * mapping, the ring's pages (perf_ring_mmap_check): 0, after which mapping *memfd at
 * [0, len) gives the ring (the file every descriptor of the event opens, unless an
 * earlier ring of another size was unmapped); or -errno (-ENODEV for events without a ring).  Every success must be paired with
 * perf_event_unmapped() when that mapping goes, if the caller sees it go. */
int perf_event_mmap_check(struct perf_event *ev, size_t len, int prot, int flags, u64 off,
			  int *memfd);
void perf_event_unmapped(struct perf_event *ev);
/* The eventfd standing for a BPF_OUTPUT event in epoll_ctl(epfd, ..., data)
 * (maps/perf_ring.h), or -1. */
int perf_event_poll_fd(struct perf_event *ev, int epfd, u64 data);

/* Sets the event's program (SET_BPF, perf links): takes a reference.  -EEXIST when it
 * has one, or the kind's refusal. */
int perf_event_set_prog(struct perf_event *ev, struct bpf_prog *prog, u64 cookie);
/* Drops the event's program (a perf link going away). */
void perf_event_clear_prog(struct perf_event *ev);

#endif
