/* The ring of a PERF_COUNT_SW_BPF_OUTPUT perf event: where bpf_perf_event_output writes,
 * in the kernel's user-space ABI (<linux/perf_event.h>): a control page (struct
 * perf_event_mmap_page: data_head written here, data_tail by the reader, data_offset,
 * data_size) followed by 2^n data pages; records are PERF_RECORD_SAMPLE with the fields
 * sample_type asks for (PERF_RING_SAMPLE_BITS) and the raw data (a u32 size, the bytes,
 * padding to 8 bytes that is skipped, not written, as the kernel's), and
 * PERF_RECORD_LOST (with the sample_id fields under sample_id_all), put before the next
 * record that fits, with the number of records dropped while the ring was full.
 *
 * The link layer's BPF_OUTPUT event kind owns a ring (link/perf_output.c); the helpers
 * write into it; the bridge and the per-user runtime map it (perf_ring_mmap_check).
 * It lives here, below both, as the perf event array that names it does. */
#ifndef BPFRUN_PERF_RING_H
#define BPFRUN_PERF_RING_H

#include <linux/perf_event.h>

#include "../lib/common.h"

struct perf_ring;

/* The sample_type bits a ring writes (the kernel's order and values: the event's id as
 * IDENTIFIER, ID and STREAM_ID, the current task, CLOCK_MONOTONIC or the event's clockid,
 * the CPU, a period of 0, the raw data); perf_event_open refuses others. */
#define PERF_RING_SAMPLE_BITS                                                           \
	(PERF_SAMPLE_IDENTIFIER | PERF_SAMPLE_TID | PERF_SAMPLE_TIME | PERF_SAMPLE_ID | \
	 PERF_SAMPLE_STREAM_ID | PERF_SAMPLE_CPU | PERF_SAMPLE_PERIOD | PERF_SAMPLE_RAW)

/* One piece of a record's raw data (bpf_perf_event_output: the program's bytes, then
 * the packet's). */
struct perf_frag {
	const void *data;
	u64 size;
};

/* A ring for an event of attr on cpu (-1: any) whose id is id (PERF_RECORD_LOST names
 * it), counting for another task than this process's when other_task; its pages exist
 * from the first mmap.  ERR_PTR(-ENOMEM) on failure. */
struct perf_ring *perf_ring_new(const struct perf_event_attr *attr, int cpu, bool other_task,
				u64 id);
void perf_ring_free(struct perf_ring *r);
/* The memfd that holds (or will hold, once mapped) the pages: an event's descriptors are
 * opens of it, so that any process given one maps the same pages. */
int perf_ring_memfd(const struct perf_ring *r);
/* The memfd that holds the pages now: perf_ring_memfd's, unless a later mapping of
 * another size made a new ring (the in-process bridge maps this one). */
int perf_ring_pages_fd(struct perf_ring *r);
/* PERF_EVENT_IOC_ENABLE / DISABLE (and attr.disabled at open). */
void perf_ring_set_enabled(struct perf_ring *r, bool on);

/* mmap(2) of the event: the kernel's perf_mmap checks (MAP_SHARED, offset 0, 1 + 2^n
 * pages, the same size as a mapping that exists) and, at the first mapping, the ring's
 * allocation: 0 (the caller then maps perf_ring_pages_fd's bytes [0, len)) or -errno.  Each
 * success counts a mapping until perf_ring_unmapped; at zero the ring is gone, as the
 * kernel frees its buffer, and the next mapping makes a new one. */
int perf_ring_mmap_check(struct perf_ring *r, size_t len, int prot, int flags, u64 off);
void perf_ring_unmapped(struct perf_ring *r);

/* bpf_perf_event_output's write from cpu: one sample of the frags' bytes.  0, or
 * -EOPNOTSUPP (the event is disabled or on another CPU), -ENOSPC (no ring mapped, or
 * full: the record counts as lost). */
long perf_ring_output(struct perf_ring *r, u32 cpu, const struct perf_frag *frags, u32 nr);

/* bpf_perf_event_read(_value) from cpu, as the kernel's perf_event_read_local: 0 with
 * the count (always 0: the kernel's BPF_OUTPUT events count nothing) and the times the
 * event has been enabled and running (ns since it was opened, both), or -EINVAL (another
 * CPU's event, another task's). */
int perf_ring_read(struct perf_ring *r, u32 cpu, u64 *count, u64 *enabled, u64 *running);

/* epoll_ctl(epfd, ADD or MOD, the event, data): the eventfd standing for the event
 * (lib/pollsrc.h), reported once per wake-up (every wakeup_events samples, or the
 * watermark's bytes), as the kernel's perf_poll. */
int perf_ring_poll_fd(struct perf_ring *r, int epfd, u64 data);

#endif
