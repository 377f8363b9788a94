/* The BPF_OUTPUT kind of perf events (perf_event.h): perf_event_open(PERF_TYPE_SOFTWARE,
 * PERF_COUNT_SW_BPF_OUTPUT), the event libbpf's perf_buffer opens on each CPU and puts
 * in a PERF_EVENT_ARRAY for bpf_perf_event_output to write to.  The event owns a ring
 * (maps/perf_ring.h); its descriptors are opens of the ring's memfd, so a process given
 * one (the per-user runtime's hand-out) maps the same pages.  Also the perf event array's
 * resolver (maps/perf_event_array.h): any perf event of bpfrun's may be stored, only a
 * BPF_OUTPUT one has a ring to write to.
 *
 * Not modelled: sample_type bits beyond PERF_RING_SAMPLE_BITS (IP, ADDR, READ, CALLCHAIN,
 * registers ...: perf_event_open refuses them with EOPNOTSUPP), read-only mappings (the
 * kernel's overwrite mode), PERF_EVENT_IOC_SET_OUTPUT and _PAUSE_OUTPUT on a ring.
 *
 * Locking: none here (the ring locks itself; perf_event.c locks the event). */
#include <unistd.h>

#include "perf_event.h"
#include "../maps/perf_event_array.h"

static bool output_match(const struct perf_event_attr *attr)
{
	return attr->type == PERF_TYPE_SOFTWARE && attr->config == PERF_COUNT_SW_BPF_OUTPUT;
}

static int output_init(struct perf_event *ev, const struct perf_event_attr *attr)
{
	if (attr->sample_type & ~(u64)PERF_RING_SAMPLE_BITS)
		return -EOPNOTSUPP; /* bpfrun's refusal: the kernel would write those fields */
	bool other_task = ev->pid > 0 && ev->pid != getpid();
	struct perf_ring *ring = perf_ring_new(attr, ev->cpu, other_task, ev->obj.id);

	if (IS_ERR(ring))
		return (int)PTR_ERR(ring);
	ev->ring = ring;
	ev->obj.memfd = perf_ring_memfd(ring);
	return 0;
}

static const struct perf_event_kind output_kind = {
	.name = "bpf-output", .match = output_match, .init = output_init,
	/* no check_prog: PERF_EVENT_IOC_SET_BPF on it is EINVAL, as for the kernel's
	 * software events given a program of another type than BPF_PROG_TYPE_PERF_EVENT */
};

static struct obj *resolve(int fd, struct perf_ring **ring)
{
	struct perf_event *ev = perf_event_from_fd(fd);

	if (IS_ERR(ev))
		return ERR_PTR(PTR_ERR(ev));
	*ring = ev->ring;
	return &ev->obj;
}

__attribute__((constructor)) static void perf_output_register(void)
{
	perf_event_kind_register(&output_kind);
	perf_event_array_set_resolver(resolve);
}
