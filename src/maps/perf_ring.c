/* The ring of a BPF_OUTPUT perf event (perf_ring.h).
 *
 * The pages live in a memfd, sized and sealed against resizing at the first mmap (the
 * kernel allocates the buffer then too, with the size that mmap asks for), and mapped
 * once here for the producers; every mapping user space makes is of the same memfd.  When
 * the last mapping goes (perf_ring_unmapped, seen by the in-process bridge) the ring is
 * detached: writes fail with -ENOSPC, and the next mapping starts a fresh ring, in a new
 * memfd if its size differs (the first stays the event's file, perf_ring_memfd).
 *
 * Trust: data_tail is written by user space; it only decides how much room there is, and
 * every write is masked into the data pages, so a hostile value can lose records, as in
 * the kernel, but never reach other memory.  data_head is kept here and published.
 *
 * Readiness: the kernel's perf_poll answers once per wake-up, whatever is left unread: a
 * poll source without ready() (lib/pollsrc.h).
 *
 * Locking: lock (a spinlock word, leaf) serialises the producers and the (re)allocation
 * of the pages against them; map_lock (a mutex) serialises mmap checks, taken before lock.
 */
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "perf_ring.h"
#include "../lib/pollsrc.h"
#include "../lib/spinlock.h"
#include "../lib/sys.h"
#include "../lib/task.h"

#define MAX_DATA_BYTES (512ull << 20) /* bpfrun's bound: no ring over 512 MiB */

struct perf_ring {
	struct pollsrc poll;
	pthread_mutex_t map_lock;
	int memfd;     /* the event's file: its descriptors are opens of it */
	int pages_fd;  /* the pages: memfd, or a file of another size after a re-mapping */
	u32 mappings;  /* user mappings (map_lock) */
	u32 lock;      /* producers (spinlock word) */
	bool attached; /* pages allocated and mapped by user space (under lock) */
	bool enabled;  /* atomic */

	char *area; /* our mapping of the memfd: control page, then data */
	size_t len;
	struct perf_event_mmap_page *page;
	char *data;
	u64 mask;       /* data size - 1, or 0 with no data pages */
	u64 data_size;  /* bytes of data (0: a control page only) */
	u64 head;       /* producer position (under lock) */
	u64 lost;       /* records lost since the last PERF_RECORD_LOST (under lock) */
	u64 wakeup_pos; /* the watermark's base (under lock) */
	u64 watermark;  /* bytes past wakeup_pos that wake the reader */
	u32 events;     /* samples since the last wake-up by count (under lock) */

	/* from the event */
	u64 sample_type;    /* PERF_RING_SAMPLE_BITS only */
	bool sample_id_all; /* PERF_RECORD_LOST carries the sample's id fields */
	clockid_t clock;    /* PERF_SAMPLE_TIME's */
	int cpu;
	bool other_task;
	u64 opened_ns;
	u64 id;
	u32 wakeup_events; /* 0 when the event wakes by watermark */
	u32 wakeup_watermark;
};

static size_t page_size(void)
{
	return (size_t)sysconf(_SC_PAGESIZE);
}

static u64 now_ns(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return (u64)ts.tv_sec * 1000000000ull + (u64)ts.tv_nsec;
}

struct perf_ring *perf_ring_new(const struct perf_event_attr *attr, int cpu, bool other_task,
				u64 id)
{
	struct perf_ring *r = calloc(1, sizeof(*r));

	if (!r)
		return ERR_PTR(-ENOMEM);
	r->sample_type = attr->sample_type;
	r->sample_id_all = attr->sample_id_all;
	r->clock = attr->use_clockid ? (clockid_t)attr->clockid : CLOCK_MONOTONIC;
	r->cpu = cpu;
	r->other_task = other_task;
	r->opened_ns = now_ns(CLOCK_MONOTONIC);
	r->id = id;
	r->wakeup_events = attr->watermark ? 0 : attr->wakeup_events;
	r->wakeup_watermark = attr->watermark ? attr->wakeup_watermark : 0;
	r->enabled = !attr->disabled;
	pthread_mutex_init(&r->map_lock, NULL);
	r->memfd = memfd_create("bpf-perf-ring", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	r->pages_fd = r->memfd;
	int err = pollsrc_init(&r->poll, NULL);
	if (err || r->memfd < 0) {
		perf_ring_free(r);
		return ERR_PTR(-ENOMEM);
	}
	return r;
}

/* Caller holds lock (or is the last user), the ring detached. */
static void unmap_area(struct perf_ring *r)
{
	if (r->area)
		sys_munmap(r->area, r->len);
	r->area = NULL;
	r->page = NULL;
}

void perf_ring_free(struct perf_ring *r)
{
	pollsrc_destroy(&r->poll);
	unmap_area(r);
	if (r->pages_fd != r->memfd)
		sys_close(r->pages_fd);
	if (r->memfd >= 0)
		sys_close(r->memfd);
	pthread_mutex_destroy(&r->map_lock);
	free(r);
}

int perf_ring_memfd(const struct perf_ring *r)
{
	return r->memfd;
}

int perf_ring_pages_fd(struct perf_ring *r)
{
	pthread_mutex_lock(&r->map_lock);
	int fd = r->pages_fd;
	pthread_mutex_unlock(&r->map_lock);
	return fd;
}

void perf_ring_set_enabled(struct perf_ring *r, bool on)
{
	__atomic_store_n(&r->enabled, on, __ATOMIC_RELEASE);
}

/* The kernel's perf_event_init_userpage: what a reader finds before any record. */
static void init_page(struct perf_ring *r)
{
	struct perf_event_mmap_page *pg = r->page;

	memset(pg, 0, sizeof(*pg));
	pg->cap_bit0_is_deprecated = 1;
	pg->size = offsetof(struct perf_event_mmap_page, __reserved);
	pg->data_offset = page_size();
	pg->data_size = r->data_size;
}

/* Makes fd exactly len bytes long, for good: sized if empty, then sealed against
 * resizing, and checked after the seal (a holder of a descriptor of the event may have
 * resized it meanwhile, or sealed it first).  False when fd cannot be used. */
static bool size_and_seal(int fd, size_t len)
{
	struct stat st;

	if (fstat(fd, &st) || (st.st_size && (size_t)st.st_size != len))
		return false;
	if (!st.st_size && ftruncate(fd, (off_t)len))
		return false;
	return !sys_fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW) && !fstat(fd, &st) &&
	       (size_t)st.st_size == len;
}

/* A fresh ring of len bytes (control page + data): in the pages' memfd if it can have
 * that size (empty, or that size already), else in a new one; then our own mapping.
 * Caller holds map_lock, no mapping left: the ring is detached, so no producer touches
 * the old pages. */
static int ring_setup(struct perf_ring *r, size_t len)
{
	spin_lock_word(&r->lock);
	unmap_area(r);
	spin_unlock_word(&r->lock);
	if (!size_and_seal(r->pages_fd, len)) {
		int fd = memfd_create("bpf-perf-ring", MFD_CLOEXEC | MFD_ALLOW_SEALING);
		if (fd < 0 || !size_and_seal(fd, len)) {
			if (fd >= 0)
				sys_close(fd);
			return -ENOMEM;
		}
		if (r->pages_fd != r->memfd)
			sys_close(r->pages_fd);
		r->pages_fd = fd;
	}
	void *p = sys_mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, r->pages_fd, 0);
	if (p == MAP_FAILED)
		return -ENOMEM;
	memset(p, 0, len); /* the kernel's buffer starts zeroed */
	spin_lock_word(&r->lock);
	r->area = p;
	r->len = len;
	r->data = r->area + page_size();
	r->data_size = len - page_size();
	r->mask = r->data_size ? r->data_size - 1 : 0;
	r->head = r->lost = r->wakeup_pos = 0;
	r->events = 0;
	r->watermark = r->wakeup_watermark ? MIN((u64)r->wakeup_watermark, r->data_size) : 0;
	if (!r->watermark)
		r->watermark = r->data_size / 2;
	r->page = p;
	init_page(r);
	r->attached = true;
	spin_unlock_word(&r->lock);
	return 0;
}

int perf_ring_mmap_check(struct perf_ring *r, size_t len, int prot, int flags, u64 off)
{
	size_t page = page_size();
	u64 rlen = ROUND_UP((u64)len, page);
	int err = 0;

	(void)prot; /* read-only mappings (the kernel's overwrite mode) are not modelled */
	if (!(flags & MAP_SHARED) || off || !len || rlen < len)
		return -EINVAL;
	u64 data_pages = rlen / page - 1;
	if (data_pages & (data_pages - 1))
		return -EINVAL;
	if (data_pages * page > MAX_DATA_BYTES)
		return -ENOMEM;
	pthread_mutex_lock(&r->map_lock);
	if (r->mappings && r->len != rlen)
		err = -EINVAL;
	else if (!r->mappings)
		err = ring_setup(r, rlen);
	if (!err)
		r->mappings++;
	pthread_mutex_unlock(&r->map_lock);
	return err;
}

void perf_ring_unmapped(struct perf_ring *r)
{
	pthread_mutex_lock(&r->map_lock);
	if (r->mappings && !--r->mappings) {
		spin_lock_word(&r->lock);
		r->attached = false;
		spin_unlock_word(&r->lock);
	}
	pthread_mutex_unlock(&r->map_lock);
}

/* Copies n bytes to ring position pos, wrapping at the end of the data (as often as n
 * needs: see perf_ring_output on records over 64 KiB). */
static void put_bytes(struct perf_ring *r, u64 pos, const void *src, u64 n)
{
	const char *from = src;

	while (n) {
		u64 at = pos & r->mask, chunk = MIN(n, r->data_size - at);
		memcpy(r->data + at, from, chunk);
		from += chunk;
		pos += chunk;
		n -= chunk;
	}
}

/* The fields before a sample's raw data (the kernel's perf_output_sample order) or, with
 * id, the sample_id after a PERF_RECORD_LOST (__perf_event__output_id_sample's): the
 * words in w (at most 8), their count returned. */
static u32 sample_words(const struct perf_ring *r, u32 cpu, bool id, u64 *w)
{
	u64 t = r->sample_type;
	u32 n = 0;

	if ((t & PERF_SAMPLE_IDENTIFIER) && !id)
		w[n++] = r->id;
	if (t & PERF_SAMPLE_TID) {
		const struct task_ident *task = task_remote();
		u64 pid = task ? task->tgid : (u64)getpid(), tid = task ? task->pid : (u64)gettid();
		w[n++] = pid | tid << 32;
	}
	if (t & PERF_SAMPLE_TIME)
		w[n++] = now_ns(r->clock);
	if (t & PERF_SAMPLE_ID)
		w[n++] = r->id;
	if (t & PERF_SAMPLE_STREAM_ID)
		w[n++] = r->id;
	if (t & PERF_SAMPLE_CPU)
		w[n++] = cpu;
	if ((t & PERF_SAMPLE_PERIOD) && !id)
		w[n++] = 0; /* a BPF output sample's period */
	if ((t & PERF_SAMPLE_IDENTIFIER) && id)
		w[n++] = r->id;
	return n;
}

/* A PERF_RECORD_LOST at pos: its size. */
static u32 put_lost(struct perf_ring *r, u64 pos, u32 cpu)
{
	u64 w[3 + 8];
	u32 n = r->sample_id_all ? sample_words(r, cpu, true, w + 3) : 0;
	struct perf_event_header h = { PERF_RECORD_LOST, 0, (u16)(8 * (3 + n)) };

	memcpy(w, &h, sizeof(h));
	w[1] = r->id;
	w[2] = r->lost;
	put_bytes(r, pos, w, 8 * (3 + n));
	r->lost = 0;
	return 8 * (3 + n);
}

/* The size of a PERF_RECORD_LOST: header, id, count, and the sample_id's words. */
static u32 lost_size(const struct perf_ring *r)
{
	u64 id_bits = PERF_SAMPLE_TID | PERF_SAMPLE_TIME | PERF_SAMPLE_ID | PERF_SAMPLE_STREAM_ID |
		      PERF_SAMPLE_CPU | PERF_SAMPLE_IDENTIFIER;

	return 8 * (3 + (r->sample_id_all ? __builtin_popcountll(r->sample_type & id_bits) : 0));
}

/* Writes the sample at pos: header, the fields before the raw data (n words at w), then
 * the raw size and the frags, whose padding is skipped. */
static void put_sample(struct perf_ring *r, u64 pos, u16 size, const u64 *w, u32 n, u32 raw_size,
		       const struct perf_frag *frags, u32 nr)
{
	struct perf_event_header h = { PERF_RECORD_SAMPLE, PERF_RECORD_MISC_KERNEL, size };

	put_bytes(r, pos, &h, sizeof(h));
	put_bytes(r, pos + sizeof(h), w, 8 * n);
	pos += sizeof(h) + 8 * n;
	if (!(r->sample_type & PERF_SAMPLE_RAW))
		return;
	put_bytes(r, pos, &raw_size, sizeof(raw_size));
	pos += sizeof(raw_size);
	for (u32 i = 0; i < nr; i++) {
		put_bytes(r, pos, frags[i].data, frags[i].size);
		pos += frags[i].size;
	}
}

/* The kernel's wake-up rules after a record: every wakeup_events samples (unless the
 * event wakes by watermark), and whenever the head passes the watermark. */
static bool wakes(struct perf_ring *r, bool sample)
{
	bool wake = false;

	if (r->head - r->wakeup_pos > r->watermark) {
		r->wakeup_pos += r->watermark;
		wake = true;
	}
	if (sample && r->wakeup_events && ++r->events >= r->wakeup_events) {
		r->events -= r->wakeup_events;
		wake = true;
	}
	return wake;
}

long perf_ring_output(struct perf_ring *r, u32 cpu, const struct perf_frag *frags, u32 nr)
{
	u64 payload = 0, w[8];

	if (!__atomic_load_n(&r->enabled, __ATOMIC_ACQUIRE) || (r->cpu >= 0 && (u32)r->cpu != cpu))
		return -EOPNOTSUPP;
	for (u32 i = 0; i < nr; i++)
		payload += frags[i].size;
	u32 n = sample_words(r, cpu, false, w);
	/* raw size: the u32 and the bytes padded to 8, less the u32 */
	u64 raw_size = ROUND_UP(payload + sizeof(u32), 8) - sizeof(u32);
	u64 size = sizeof(struct perf_event_header) + 8 * n;
	if (r->sample_type & PERF_SAMPLE_RAW)
		size += sizeof(u32) + raw_size;
	/* A record's size is a u16.  The kernel does not refuse a larger one (a program may
	 * output a map value over 64 KiB): it reserves the size modulo 2^16, says so in the
	 * header, and copies every byte, over whatever follows in the ring.  So here. */
	u16 size16 = (u16)size;
	long err = 0;
	spin_lock_word(&r->lock);
	if (!r->attached) {
		spin_unlock_word(&r->lock);
		return -ENOSPC;
	}
	u64 tail = __atomic_load_n(&r->page->data_tail, __ATOMIC_ACQUIRE);
	u64 need = size16 + (r->lost ? lost_size(r) : 0);
	u64 room = r->data_size ? (tail - (r->head + 1)) & r->mask : 0;
	bool wake = false;
	if (!r->data_size || need > room) {
		r->lost++;
		err = -ENOSPC;
	} else {
		if (r->lost)
			r->head += put_lost(r, r->head, cpu);
		put_sample(r, r->head, size16, w, n, (u32)raw_size, frags, nr);
		r->head += size16;
		__atomic_store_n(&r->page->data_head, r->head, __ATOMIC_RELEASE);
		wake = wakes(r, true);
	}
	spin_unlock_word(&r->lock);
	if (wake)
		pollsrc_wake(&r->poll);
	return err;
}

int perf_ring_read(struct perf_ring *r, u32 cpu, u64 *count, u64 *enabled, u64 *running)
{
	if (r->other_task || (r->cpu >= 0 && (u32)r->cpu != cpu))
		return -EINVAL;
	*count = 0;
	*enabled = *running = now_ns(CLOCK_MONOTONIC) - r->opened_ns;
	return 0;
}

int perf_ring_poll_fd(struct perf_ring *r, int epfd, u64 data)
{
	return pollsrc_fd(&r->poll, epfd, data);
}
