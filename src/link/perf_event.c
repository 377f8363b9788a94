/* perf events: the object, perf_event_open(2) and ioctl(2) for bpfrun's kinds (see
 * perf_event.h).  Locking: kinds are written only by constructors; each event's lock
 * guards its program state (perf_event.h). */
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "perf_event.h"
#include "../lib/uaccess.h"

#define MAX_KINDS 8
#define PERF_QUERY_MAX_PROGS 64 /* the kernel's BPF_TRACE_MAX_PROGS */

static const struct perf_event_kind *kinds[MAX_KINDS];
static u32 nr_kinds;

void perf_event_kind_register(const struct perf_event_kind *kind)
{
	if (nr_kinds < MAX_KINDS)
		kinds[nr_kinds++] = kind;
}

/* Attaches or detaches so that the program runs exactly while the event is enabled.
 * Caller holds ev->lock. */
static void perf_event_sync(struct perf_event *ev)
{
	bool want = ev->prog && ev->enabled;

	if (want && !ev->att)
		ev->att = attach_add(ev->hook, ev->hook_name, BPF_PERF_EVENT, ev->retprobe,
				     ev->prog, ev->cookie);
	else if (!want && ev->att) {
		attach_del(ev->att);
		ev->att = NULL;
	}
}

static void perf_event_free(struct obj *o)
{
	struct perf_event *ev = container_of(o, struct perf_event, obj);

	perf_event_clear_prog(ev);
	if (ev->ring)
		perf_ring_free(ev->ring);
	pthread_mutex_destroy(&ev->lock);
	free(ev->hook_name);
	free(ev);
}

static const struct obj_ops perf_event_obj_ops = { .free = perf_event_free };

void perf_event_put(struct perf_event *ev)
{
	obj_put(&ev->obj);
}

struct perf_event *perf_event_from_fd(int fd)
{
	struct obj *o = obj_from_fd(fd, OBJ_PERF_EVENT, NULL);

	if (IS_ERR(o))
		return ERR_PTR(-EBADF); /* the kernel's perf_event_get: EBADF for any other file */
	return container_of(o, struct perf_event, obj);
}

int perf_event_set_prog(struct perf_event *ev, struct bpf_prog *prog, u64 cookie)
{
	int err = ev->kind->check_prog ? ev->kind->check_prog(ev, prog) : -EINVAL;

	/* The events of one tracepoint share its program array, which holds a program once
	 * (the kernel's bpf_prog_array_copy: EEXIST); a kprobe or uprobe event has its own. */
	if (!err && ev->attr.type == PERF_TYPE_TRACEPOINT &&
	    attach_count(ev->hook, ev->hook_name, prog))
		err = -EEXIST;
	if (err)
		return err;
	pthread_mutex_lock(&ev->lock);
	if (ev->prog) {
		err = -EEXIST;
	} else {
		prog_get(prog);
		ev->prog = prog;
		ev->cookie = cookie;
		perf_event_sync(ev);
	}
	pthread_mutex_unlock(&ev->lock);
	return err;
}

void perf_event_clear_prog(struct perf_event *ev)
{
	pthread_mutex_lock(&ev->lock);
	struct bpf_prog *prog = ev->prog;
	ev->prog = NULL;
	perf_event_sync(ev);
	pthread_mutex_unlock(&ev->lock);
	if (prog)
		prog_put(prog);
}

static const struct perf_event_kind *kind_for(const struct perf_event_attr *attr)
{
	for (u32 i = 0; i < nr_kinds; i++)
		if (kinds[i]->match(attr))
			return kinds[i];
	return NULL;
}

/* The caller's attr, as the kernel's perf_copy_attr reads it: size 0 means the first
 * version's 64 bytes; a larger struct than ours must be zero past our size. */
static int copy_attr(const struct perf_event_attr *uattr, struct perf_event_attr *attr)
{
	u32 size;

	memset(attr, 0, sizeof(*attr));
	if (copy_from_user(&size, (const u8 *)uattr + offsetof(struct perf_event_attr, size),
			   sizeof(size)))
		return -EFAULT;
	if (!size)
		size = PERF_ATTR_SIZE_VER0;
	if (size < PERF_ATTR_SIZE_VER0 || size > 4096)
		return -E2BIG;
	int err = check_uarg_tail_zero(uattr, sizeof(*attr), size);
	if (err)
		return err;
	err = copy_from_user(attr, uattr, MIN((size_t)size, sizeof(*attr)));
	attr->size = sizeof(*attr);
	return err;
}

bool perf_event_open_ours(const struct perf_event_attr *uattr, int pid, int cpu, int group_fd,
			  unsigned long flags, long *ret)
{
	struct perf_event_attr attr;

	if (copy_attr(uattr, &attr))
		return false; /* let the kernel give its answer */
	const struct perf_event_kind *kind = kind_for(&attr);
	if (!kind)
		return false;
	if (flags & ~(unsigned long)(PERF_FLAG_FD_NO_GROUP | PERF_FLAG_FD_OUTPUT |
				     PERF_FLAG_PID_CGROUP | PERF_FLAG_FD_CLOEXEC) ||
	    (pid == -1 && cpu == -1) || cpu < -1 || cpu >= num_possible_cpus()) {
		*ret = -EINVAL;
		return true;
	}
	struct perf_event *ev = calloc(1, sizeof(*ev));
	if (!ev) {
		*ret = -ENOMEM;
		return true;
	}
	ev->kind = kind;
	ev->attr = attr;
	ev->pid = pid;
	ev->cpu = cpu;
	ev->enabled = !attr.disabled;
	pthread_mutex_init(&ev->lock, NULL);
	long err = obj_init(&ev->obj, OBJ_PERF_EVENT, &perf_event_obj_ops);
	if (err) {
		free(ev);
		*ret = err;
		return true;
	}
	err = kind->init(ev, &attr);
	*ret = err ? err : obj_fd_new(&ev->obj, O_CLOEXEC);
	obj_put(&ev->obj);
	return true;
}

static void set_enabled(struct perf_event *ev, bool on)
{
	pthread_mutex_lock(&ev->lock);
	ev->enabled = on;
	perf_event_sync(ev);
	if (ev->ring)
		perf_ring_set_enabled(ev->ring, on);
	pthread_mutex_unlock(&ev->lock);
}

int perf_event_mmap_check(struct perf_event *ev, size_t len, int prot, int flags, u64 off,
			  int *memfd)
{
	if (!ev->ring)
		return -ENODEV;
	int err = perf_ring_mmap_check(ev->ring, len, prot, flags, off);
	*memfd = perf_ring_pages_fd(ev->ring);
	return err;
}

void perf_event_unmapped(struct perf_event *ev)
{
	if (ev->ring)
		perf_ring_unmapped(ev->ring);
}

int perf_event_poll_fd(struct perf_event *ev, int epfd, u64 data)
{
	return ev->ring ? perf_ring_poll_fd(ev->ring, epfd, data) : -1;
}

/* PERF_EVENT_IOC_SET_BPF: the program behind descriptor arg. */
static int ioctl_set_bpf(struct perf_event *ev, unsigned long arg)
{
	struct bpf_prog *prog = prog_from_fd((int)arg);

	if (IS_ERR(prog))
		return (int)PTR_ERR(prog);
	int err = perf_event_set_prog(ev, prog, 0);
	prog_put(prog);
	return err;
}

/* A sampling event counts a period or a frequency (the kernel's is_sampling_event). */
static bool sampling(const struct perf_event *ev)
{
	return ev->attr.sample_period != 0;
}

/* PERF_EVENT_IOC_PERIOD: the kernel's perf_event_period checks, on a u64 at arg. */
static int ioctl_period(struct perf_event *ev, unsigned long arg)
{
	u64 value;

	if (copy_from_user(&value, (const void *)arg, sizeof(value)))
		return -EFAULT;
	if (!sampling(ev) || !value || (!ev->attr.freq && (s64)value < 0))
		return -EINVAL;
	pthread_mutex_lock(&ev->lock);
	ev->attr.sample_period = value;
	pthread_mutex_unlock(&ev->lock);
	return 0;
}

/* PERF_EVENT_IOC_QUERY_BPF: the programs of every event on the same tracepoint, as the
 * kernel's perf_event_query_prog_array lists its trace event's program array. */
static int ioctl_query_bpf(struct perf_event *ev, unsigned long arg)
{
	struct perf_event_query_bpf *uq = (void *)arg, q;
	u32 ids[PERF_QUERY_MAX_PROGS];

	if (ev->attr.type != PERF_TYPE_TRACEPOINT)
		return -EINVAL;
	if (copy_from_user(&q, uq, sizeof(q)))
		return -EFAULT;
	if (q.ids_len > PERF_QUERY_MAX_PROGS)
		return -E2BIG;
	u32 cnt = attach_prog_ids(ev->hook, ev->hook_name, BPF_PERF_EVENT, ids, q.ids_len);
	int err = q.ids_len && cnt > q.ids_len ? -ENOSPC : 0;
	if (copy_to_user(&uq->prog_cnt, &cnt, sizeof(cnt)) ||
	    copy_to_user(uq->ids, ids, MIN(cnt, q.ids_len) * sizeof(u32)))
		err = -EFAULT;
	return err;
}

/* PERF_EVENT_IOC_SET_OUTPUT: none of these events has a ring buffer; -1 (all 64 bits: no
 * output) and another event of ours are accepted, any other file is refused. */
static int ioctl_set_output(unsigned long arg)
{
	if (arg == ~0UL)
		return 0;
	if (arg > INT_MAX) /* the kernel reads a descriptor number of 32 bits */
		return -EBADF;
	struct perf_event *out = perf_event_from_fd((int)arg);
	if (IS_ERR(out))
		return (int)PTR_ERR(out);
	perf_event_put(out);
	return 0;
}

/* PERF_EVENT_IOC_SET_FILTER: the string read as the kernel's strndup_user reads it (a
 * page at most: EINVAL past it), and not applied: these events filter nothing. */
static int ioctl_set_filter(unsigned long arg)
{
	char filter[4096];
	long n = strncpy_from_user(filter, (const char *)arg, sizeof(filter));

	return n < 0 ? -EFAULT : (size_t)n == sizeof(filter) ? -EINVAL : 0;
}

/* The kernel's answers (_perf_ioctl) for an event that only runs BPF programs: it counts
 * nothing and has no ring buffer. */
static int perf_event_ioctl(struct perf_event *ev, unsigned long req, unsigned long arg)
{
	u64 id;

	switch (req) {
	case PERF_EVENT_IOC_ENABLE:
	case PERF_EVENT_IOC_DISABLE:
		set_enabled(ev, req == PERF_EVENT_IOC_ENABLE);
		return 0;
	case PERF_EVENT_IOC_SET_BPF:
		return ioctl_set_bpf(ev, arg);
	case PERF_EVENT_IOC_RESET:
		return 0;
	case PERF_EVENT_IOC_REFRESH: /* only a sampling event may be refreshed */
		if (!sampling(ev) || ev->attr.inherit)
			return -EINVAL;
		set_enabled(ev, true);
		return 0;
	case PERF_EVENT_IOC_PERIOD:
		return ioctl_period(ev, arg);
	case PERF_EVENT_IOC_ID:
		id = ev->obj.id;
		return copy_to_user((void *)arg, &id, sizeof(id));
	case PERF_EVENT_IOC_SET_OUTPUT:
		return ioctl_set_output(arg);
	case PERF_EVENT_IOC_SET_FILTER:
		return ioctl_set_filter(arg);
	case PERF_EVENT_IOC_PAUSE_OUTPUT: /* no ring buffer to pause */
		return -EINVAL;
	case PERF_EVENT_IOC_QUERY_BPF:
		return ioctl_query_bpf(ev, arg);
	case PERF_EVENT_IOC_MODIFY_ATTRIBUTES: /* only breakpoints may be modified */
		return copy_attr((const void *)arg, &(struct perf_event_attr){ 0 }) ?: -EOPNOTSUPP;
	default:
		return -ENOTTY;
	}
}

bool perf_event_ioctl_ours(int fd, unsigned long req, unsigned long arg, long *ret)
{
	/* in process: a descriptor of no object is the kernel's, without a lock */
	if (!obj_fd_remote_active() && !obj_fd_is_object(fd))
		return false;
	struct obj *o = obj_from_fd(fd, OBJ_PERF_EVENT, NULL);
	if (IS_ERR(o))
		return false; /* a map's or program's memfd: the kernel answers */
	*ret = perf_event_ioctl(container_of(o, struct perf_event, obj), req, arg);
	obj_put(o);
	return true;
}
