/* Perf event arrays against the kernel (tests/bpf/maps_perfbuf.bpf.c): PERF_EVENT_ARRAY
 * create and element-command errors, what an entry holds (any perf event; other
 * descriptors are EBADF) and how long (the event's descriptor closed, the map's
 * descriptor closed, BPF_F_PRESERVE_ELEMS), bpf_perf_event_output's errors (index, slot,
 * flags, the event's CPU, a disabled event), the ring of a PERF_COUNT_SW_BPF_OUTPUT event
 * as user space maps it (the control page, PERF_RECORD_SAMPLE with its padded raw size,
 * PERF_RECORD_LOST when full, mmap errors), perf_event_open's refusals, the skb and xdp
 * forms that append packet bytes, bpf_perf_event_read(_value), epoll's reports (one per
 * wake-up: wakeup_events, watermark), and libbpf's perf_buffer (every record, lost
 * counts), and the verifier's verdicts on the helper's arguments. */
#include <errno.h>
#include <fcntl.h>
#include <linux/perf_event.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "difftest.h"

#define PAGE 4096

static struct bpf_object *obj;
static __u64 res[4];

static int errno_of(int ret)
{
	return ret < 0 ? -errno : ret;
}

/* A PERF_COUNT_SW_BPF_OUTPUT event for cpu, as libbpf's perf_buffer opens it. */
static int open_output(int cpu, bool disabled)
{
	struct perf_event_attr attr = {
		.size = sizeof(attr),
		.type = PERF_TYPE_SOFTWARE,
		.config = PERF_COUNT_SW_BPF_OUTPUT,
		.sample_type = PERF_SAMPLE_RAW,
		.sample_period = 1,
		.wakeup_events = 1,
		.disabled = disabled,
	};

	return (int)syscall(SYS_perf_event_open, &attr, -1, cpu, -1, PERF_FLAG_FD_CLOEXEC);
}

static void set_args(__u64 a0, __u64 a1, __u64 a2, __u64 a3)
{
	__u64 a[4] = { a0, a1, a2, a3 };
	__u32 k = 0;

	memset(res, 0, sizeof(res));
	CHECK(!bpf_map_update_elem(map_fd(obj, "res"), &k, res, BPF_ANY), "res reset");
	CHECK(!bpf_map_update_elem(map_fd(obj, "args"), &k, a, BPF_ANY), "args");
}

static void get_res(void)
{
	__u32 k = 0;

	CHECK(!bpf_map_lookup_elem(map_fd(obj, "res"), &k, res), "res");
}

/* out_trace on cpu: n records of size bytes from sequence seq with flags. */
static void output(int cpu, __u64 flags, __u64 size, __u64 n, __u64 seq)
{
	LIBBPF_OPTS(bpf_test_run_opts, o, .flags = BPF_F_TEST_RUN_ON_CPU, .cpu = (__u32)cpu);

	set_args(flags, size, n, seq);
	int err = bpf_prog_test_run_opts(prog_fd(obj, "out_trace"), &o);
	CHECK(!err && !o.retval, "out_trace: run %d ret %u", err, o.retval);
	get_res();
}

static void create_errors(void)
{
	static const struct {
		const char *what;
		__u32 key, value, max, flags;
	} c[] = {
		{ "ok", 4, 4, 4, 0 },
		{ "value_size 8", 4, 8, 4, 0 },
		{ "key_size 8", 8, 4, 4, 0 },
		{ "max_entries 0", 4, 4, 0, 0 },
		{ "preserve_elems", 4, 4, 4, BPF_F_PRESERVE_ELEMS },
		{ "mmapable", 4, 4, 4, BPF_F_MMAPABLE },
		{ "rdonly_prog", 4, 4, 4, BPF_F_RDONLY_PROG },
		{ "rdonly", 4, 4, 4, BPF_F_RDONLY },
		{ "no_prealloc", 4, 4, 4, BPF_F_NO_PREALLOC },
	};
	for (unsigned i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		LIBBPF_OPTS(bpf_map_create_opts, o, .map_flags = c[i].flags);
		int fd = bpf_map_create(BPF_MAP_TYPE_PERF_EVENT_ARRAY, NULL, c[i].key, c[i].value,
					c[i].max, &o);
		out("create %s: %d", c[i].what, fd < 0 ? -errno : 0);
		if (fd >= 0)
			close(fd);
	}
}

static void elem_commands(void)
{
	int fd = bpf_map_create(BPF_MAP_TYPE_PERF_EVENT_ARRAY, NULL, 4, 4, 2, NULL);
	int ev = open_output(0, false), null = open("/dev/null", O_RDONLY | O_CLOEXEC);
	__u32 key = 0, value = (__u32)ev, next = 0;

	out("update with an event: %d", errno_of(bpf_map_update_elem(fd, &key, &value, 0)));
	out("update again: %d", errno_of(bpf_map_update_elem(fd, &key, &value, 0)));
	out("update noexist: %d", errno_of(bpf_map_update_elem(fd, &key, &value, BPF_NOEXIST)));
	out("update exist: %d", errno_of(bpf_map_update_elem(fd, &key, &value, BPF_EXIST)));
	key = 2;
	out("update index 2: %d", errno_of(bpf_map_update_elem(fd, &key, &value, 0)));
	key = 1;
	value = (__u32)null;
	out("update with /dev/null: %d", errno_of(bpf_map_update_elem(fd, &key, &value, 0)));
	value = (__u32)fd;
	out("update with a map: %d", errno_of(bpf_map_update_elem(fd, &key, &value, 0)));
	value = 100000;
	out("update with a closed fd: %d", errno_of(bpf_map_update_elem(fd, &key, &value, 0)));
	key = 0;
	out("lookup: %d", errno_of(bpf_map_lookup_elem(fd, &key, &value)));
	out("next of none: %d %u", errno_of(bpf_map_get_next_key(fd, NULL, &next)), next);
	out("next of 1: %d", errno_of(bpf_map_get_next_key(fd, &(__u32){ 1 }, &next)));
	out("delete: %d", errno_of(bpf_map_delete_elem(fd, &key)));
	out("delete again: %d", errno_of(bpf_map_delete_elem(fd, &key)));
	key = 5;
	out("delete index 5: %d", errno_of(bpf_map_delete_elem(fd, &key)));
	out("freeze: %d", errno_of(bpf_map_freeze(fd)));
	close(fd);
	close(ev);
	close(null);
}

static void set_slot(int fd, __u32 key, int ev)
{
	__u32 value = (__u32)ev;

	CHECK(!bpf_map_update_elem(fd, &key, &value, 0), "update %u: %d", key, -errno);
}

static void clear_slots(int fd)
{
	for (__u32 k = 0; k < 8; k++)
		bpf_map_delete_elem(fd, &k);
}

/* The errors of bpf_perf_event_output, on CPU 0 (and 1 when there is one). */
static void output_errors(void)
{
	int fd = map_fd(obj, "events");
	int ev0 = open_output(0, false), off = open_output(0, true);

	output(0, BPF_F_CURRENT_CPU, 8, 1, 0);
	out("empty slot: %lld", (long long)res[0]);
	output(0, 1000, 8, 1, 0);
	out("index past the end: %lld", (long long)res[0]);
	output(0, 1ull << 32, 8, 1, 0);
	out("packet bytes from a tracing program: %lld", (long long)res[0]);
	output(0, 1ull << 20, 8, 1, 0);
	out("an unknown flag: %lld", (long long)res[0]);
	set_slot(fd, 0, ev0);
	output(0, 0, 8, 1, 0);
	out("index 0 from cpu 0: %lld", (long long)res[0]);
	if (libbpf_num_possible_cpus() > 1) {
		output(1, 0, 8, 1, 0);
		out("cpu 0's event from cpu 1: %lld", (long long)res[0]);
	}
	set_slot(fd, 0, off);
	output(0, BPF_F_CURRENT_CPU, 8, 1, 0);
	out("a disabled event: %lld", (long long)res[0]);
	ioctl(off, PERF_EVENT_IOC_ENABLE, 0);
	output(0, BPF_F_CURRENT_CPU, 8, 1, 0);
	out("enabled again: %lld", (long long)res[0]);
	ioctl(off, PERF_EVENT_IOC_DISABLE, 0);
	output(0, BPF_F_CURRENT_CPU, 8, 1, 0);
	out("disabled again: %lld", (long long)res[0]);
	clear_slots(fd);
	close(ev0);
	close(off);
}

struct ring {
	int fd;
	volatile struct perf_event_mmap_page *page;
	char *data;
	size_t len;
};

static bool ring_open(struct ring *r, int cpu, int data_pages)
{
	r->fd = open_output(cpu, false);
	r->len = (size_t)(1 + data_pages) * PAGE;
	r->page = mmap(NULL, r->len, PROT_READ | PROT_WRITE, MAP_SHARED, r->fd, 0);
	CHECK(r->page != MAP_FAILED, "mmap: %d", -errno);
	if (r->page == MAP_FAILED)
		return false;
	r->data = (char *)r->page + r->page->data_offset;
	return true;
}

/* Copies n bytes of the ring at position pos (wrapping). */
static void ring_copy(struct ring *r, __u64 pos, void *dst, size_t n)
{
	for (size_t i = 0; i < n; i++)
		((char *)dst)[i] = r->data[(pos + i) % r->page->data_size];
}

/* Prints every record from data_tail to data_head (at most max lines), then consumes. */
static void ring_dump(struct ring *r, int max)
{
	__u64 head = __atomic_load_n(&r->page->data_head, __ATOMIC_ACQUIRE);
	__u64 tail = r->page->data_tail;
	int lines = 0, samples = 0;

	out("  head %llu tail %llu", (unsigned long long)head, (unsigned long long)tail);
	while (tail < head) {
		struct perf_event_header h;
		unsigned char body[128] = { 0 };
		ring_copy(r, tail, &h, sizeof(h));
		size_t n = h.size - sizeof(h) < sizeof(body) ? h.size - sizeof(h) : sizeof(body);
		ring_copy(r, tail + sizeof(h), body, n);
		if (h.type == PERF_RECORD_SAMPLE) {
			__u32 raw;
			__u64 seq;
			memcpy(&raw, body, 4);
			memcpy(&seq, body + 4, 8);
			samples++;
			if (lines++ < max)
				out("  sample misc %u size %u raw %u seq %llu byte8 %u", h.misc,
				    h.size, raw, (unsigned long long)seq, body[12]);
		} else if (h.type == PERF_RECORD_LOST) {
			__u64 lost;
			memcpy(&lost, body + 8, 8);
			out("  lost misc %u size %u lost %llu after %d samples", h.misc, h.size,
			    (unsigned long long)lost, samples);
		} else {
			out("  record type %u size %u", h.type, h.size);
		}
		if (!h.size)
			break;
		tail += h.size;
	}
	out("  %d samples", samples);
	__atomic_store_n(&r->page->data_tail, tail, __ATOMIC_RELEASE);
}

static void control_page(struct ring *r)
{
	volatile struct perf_event_mmap_page *p = r->page;

	out("  page: compat %u data_offset %llu data_size %llu head %llu tail %llu "
	    "aux %llu %llu",
	    p->compat_version, (unsigned long long)p->data_offset, (unsigned long long)p->data_size,
	    (unsigned long long)p->data_head, (unsigned long long)p->data_tail,
	    (unsigned long long)p->aux_offset, (unsigned long long)p->aux_size);
}

static void try_mmap(const char *what, int fd, size_t len, int prot, int flags, off_t off)
{
	void *p = mmap(NULL, len, prot, flags, fd, off);

	out("mmap %s: %d", what, p == MAP_FAILED ? -errno : 0);
	if (p != MAP_FAILED)
		munmap(p, len);
}

/* perf_event_open's answers for a BPF_OUTPUT event. */
static void opens(void)
{
	static const struct {
		const char *what;
		int pid, cpu;
	} c[] = {
		{ "cpu 0", -1, 0 },     { "cpu 1000", -1, 1000 },
		{ "cpu -2", -1, -2 },   { "no task, no cpu", -1, -1 },
		{ "this task", 0, -1 }, { "this task on cpu 0", 0, 0 },
	};
	for (unsigned i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		struct perf_event_attr attr = {
			.size = sizeof(attr),
			.type = PERF_TYPE_SOFTWARE,
			.config = PERF_COUNT_SW_BPF_OUTPUT,
			.sample_type = PERF_SAMPLE_RAW,
		};
		int fd = (int)syscall(SYS_perf_event_open, &attr, c[i].pid, c[i].cpu, -1,
				      PERF_FLAG_FD_CLOEXEC);
		out("open %s: %d", c[i].what, fd < 0 ? -errno : 0);
		if (fd >= 0)
			close(fd);
	}
}

static void mmaps(void)
{
	int fd = open_output(0, false);

	try_mmap("3 pages", fd, 3 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
	try_mmap("1 page", fd, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
	try_mmap("4 pages", fd, 4 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
	try_mmap("private", fd, 3 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE, 0);
	try_mmap("offset", fd, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, PAGE);
	void *keep = mmap(NULL, 3 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	try_mmap("a second of the same size", fd, 3 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
	try_mmap("a second of another size", fd, 5 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
	if (keep != MAP_FAILED)
		munmap(keep, 3 * PAGE);
	close(fd);
}

static void records(void)
{
	int fd = map_fd(obj, "events");
	struct ring r;

	if (!ring_open(&r, 0, 2))
		return;
	control_page(&r);
	set_slot(fd, 0, r.fd);
	static const __u64 sizes[] = { 1, 4, 5, 8, 12, 13, 63 };
	for (unsigned i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		output(0, BPF_F_CURRENT_CPU, sizes[i], 1, 100 + i);
		CHECK(res[0] == 0, "output size %llu: %lld", (unsigned long long)sizes[i],
		      (long long)res[0]);
	}
	control_page(&r);
	ring_dump(&r, 20);

	/* Full: 1 sample of 64 bytes is 8 + 4 + 64 + 4 = 80 bytes; 8192 bytes hold 102. */
	output(0, BPF_F_CURRENT_CPU, 64, 200, 1000);
	out("200 records into 8 KiB: %llu written, then %lld", (unsigned long long)res[1],
	    (long long)res[0]);
	output(0, BPF_F_CURRENT_CPU, 64, 10, 2000);
	out("10 more: %llu written, then %lld", (unsigned long long)res[1], (long long)res[0]);
	ring_dump(&r, 2);
	output(0, BPF_F_CURRENT_CPU, 8, 3, 3000);
	out("after consuming: %llu written, %lld", (unsigned long long)res[1], (long long)res[0]);
	ring_dump(&r, 5);
	control_page(&r);

	/* The entry holds the event's file: closing the descriptor keeps the ring fed. */
	close(r.fd);
	output(0, BPF_F_CURRENT_CPU, 8, 1, 4000);
	out("event descriptor closed: %lld", (long long)res[0]);
	ring_dump(&r, 5);
	munmap((void *)r.page, r.len);
	output(0, BPF_F_CURRENT_CPU, 8, 1, 4001);
	out("and unmapped: %lld", (long long)res[0]);
	clear_slots(fd);
}

/* Entries go when the map's file is released, unless the map was made with
 * BPF_F_PRESERVE_ELEMS; a dup shares the file.  (A map opened twice, by id, that loses
 * the file that filled it while the other stays is not modelled: perf_event_array.c.) */
static void entry_lifetime(void)
{
	int ev = open_output(0, false);
	__u32 key = 0;

	for (int preserve = 0; preserve < 2; preserve++) {
		LIBBPF_OPTS(bpf_map_create_opts, o,
			    .map_flags = preserve ? BPF_F_PRESERVE_ELEMS : 0);
		int fd = bpf_map_create(BPF_MAP_TYPE_PERF_EVENT_ARRAY, NULL, 4, 4, 4, &o);
		int dup_fd = dup(fd);
		set_slot(fd, 0, ev);
		close(dup_fd);
		out("preserve %d: a dup closed, delete: %d", preserve,
		    errno_of(bpf_map_delete_elem(fd, &key)));
		close(fd);
	}
	/* the program keeps the map; its only descriptor goes */
	int fd = map_fd(obj, "events");
	struct ring r;
	if (!ring_open(&r, 0, 1))
		return;
	set_slot(fd, 0, r.fd);
	output(0, BPF_F_CURRENT_CPU, 8, 1, 5000);
	out("before: %lld", (long long)res[0]);
	close(fd);
	output(0, BPF_F_CURRENT_CPU, 8, 1, 5001);
	out("the map's descriptor closed: %lld", (long long)res[0]);
	ring_dump(&r, 5);
	munmap((void *)r.page, r.len);
	close(r.fd);
	close(ev);
}

/* bpf_perf_event_read and _value from CPU 0: a BPF_OUTPUT event counts nothing.  (Not a
 * per-task event: the kernel runs the program on CPU 0 in this task or, from another
 * CPU, in an interrupt of whatever task CPU 0 runs, which reads it as another task's.) */
static void reads(void)
{
	int fd = map_fd(obj, "events");
	int ev[3] = { open_output(0, false), open_output(1, false), open_output(0, true) };
	static const char *const what[] = { "cpu 0", "cpu 1", "disabled" };

	for (int i = 0; i < 3; i++) {
		set_slot(fd, 0, ev[i]);
		for (int f = 0; f < 2; f++) {
			LIBBPF_OPTS(bpf_test_run_opts, o, .flags = BPF_F_TEST_RUN_ON_CPU);
			set_args(f ? BPF_F_CURRENT_CPU : 0, 0, 0, 0);
			CHECK(!bpf_prog_test_run_opts(prog_fd(obj, "read_trace"), &o), "run");
			get_res();
			out("read %s (%s): %lld, value %lld counter %llu enabled>=running %llu",
			    what[i], f ? "current cpu" : "index 0", (long long)res[0],
			    (long long)res[1], (unsigned long long)res[2],
			    (unsigned long long)res[3]);
		}
		close(ev[i]);
	}
	static const __u64 bad[] = { 1000, 1ull << 32, 1 };
	for (int i = 0; i < 3; i++) {
		LIBBPF_OPTS(bpf_test_run_opts, o, .flags = BPF_F_TEST_RUN_ON_CPU);
		if (i == 2)
			clear_slots(fd);
		set_args(bad[i], 0, 0, 0);
		CHECK(!bpf_prog_test_run_opts(prog_fd(obj, "read_trace"), &o), "run");
		get_res();
		out("read flags %#llx: %lld, value %lld", (unsigned long long)bad[i],
		    (long long)res[0], (long long)res[1]);
	}
	clear_slots(fd);
}

/* A per-task event (this process, any CPU): the packet programs run where the test is. */
static int open_task_output(void)
{
	struct perf_event_attr attr = {
		.size = sizeof(attr),
		.type = PERF_TYPE_SOFTWARE,
		.config = PERF_COUNT_SW_BPF_OUTPUT,
		.sample_type = PERF_SAMPLE_RAW,
		.sample_period = 1,
		.wakeup_events = 1,
	};

	return (int)syscall(SYS_perf_event_open, &attr, 0, -1, -1, PERF_FLAG_FD_CLOEXEC);
}

static void pkt_run(const char *prog, __u64 flags, __u64 meta, const void *pkt, __u32 len)
{
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = pkt, .data_size_in = len, .repeat = 1);

	set_args(flags, meta, 0, 0);
	int err = bpf_prog_test_run_opts(prog_fd(obj, prog), &o);
	get_res();
	out("%s flags %#llx meta %llu: run %d result %lld", prog, (unsigned long long)flags,
	    (unsigned long long)meta, err, (long long)res[0]);
}

/* The raw bytes of every sample in the ring, then consumed. */
static void raw_dump(struct ring *r)
{
	__u64 head = __atomic_load_n(&r->page->data_head, __ATOMIC_ACQUIRE);
	__u64 tail = r->page->data_tail;

	while (tail < head) {
		struct perf_event_header h;
		unsigned char body[256] = { 0 };
		char hex[600] = "";
		ring_copy(r, tail, &h, sizeof(h));
		size_t n = h.size - sizeof(h) < sizeof(body) ? h.size - sizeof(h) : sizeof(body);
		ring_copy(r, tail + sizeof(h), body, n);
		for (size_t i = 0; i < n && i < 100; i++)
			snprintf(hex + 2 * i, 3, "%02x", body[i]);
		out("  type %u size %u: %s", h.type, h.size, hex);
		if (!h.size)
			break;
		tail += h.size;
	}
	__atomic_store_n(&r->page->data_tail, tail, __ATOMIC_RELEASE);
}

/* bpf_skb_event_output / bpf_xdp_event_output: packet bytes after the program's. */
static void packet_forms(void)
{
	int fd = map_fd(obj, "events");
	unsigned char pkt[64];
	struct ring r;

	for (unsigned i = 0; i < sizeof(pkt); i++)
		pkt[i] = (unsigned char)(0xa0 + i);
	r.fd = open_task_output();
	r.len = 3 * PAGE;
	r.page = mmap(NULL, r.len, PROT_READ | PROT_WRITE, MAP_SHARED, r.fd, 0);
	CHECK(r.page != MAP_FAILED, "mmap: %d", -errno);
	if (r.page == MAP_FAILED)
		return;
	r.data = (char *)r.page + r.page->data_offset;
	set_slot(fd, 0, r.fd);
	static const char *const progs[] = { "out_skb", "out_xdp" };
	for (int p = 0; p < 2; p++) {
		pkt_run(progs[p], 0, 8, pkt, sizeof(pkt));
		pkt_run(progs[p], 20ull << 32, 8, pkt, sizeof(pkt));
		pkt_run(progs[p], 64ull << 32, 3, pkt, sizeof(pkt));
		pkt_run(progs[p], 65ull << 32, 8, pkt, sizeof(pkt));
		pkt_run(progs[p], (5ull << 32) | 1, 8, pkt, sizeof(pkt));
		pkt_run(progs[p], 1ull << 63, 0, pkt, sizeof(pkt));
		pkt_run(progs[p], 7ull << 32, 0, pkt, sizeof(pkt));
		raw_dump(&r);
	}
	clear_slots(fd);
	munmap((void *)r.page, r.len);
	close(r.fd);
}

/* epoll on an event: a report per wake-up (every wakeup_events samples, or past the
 * watermark's bytes), not per unread record; EPOLL_CTL_ADD takes an earlier wake-up. */
static int ready_events(int ep, int timeout_ms)
{
	struct epoll_event ev[4];
	int n = epoll_wait(ep, ev, 4, timeout_ms);

	return n < 0 ? -errno : n;
}

static void wakeups(bool by_watermark, __u32 every)
{
	struct perf_event_attr attr = {
		.size = sizeof(attr),
		.type = PERF_TYPE_SOFTWARE,
		.config = PERF_COUNT_SW_BPF_OUTPUT,
		.sample_type = PERF_SAMPLE_RAW,
		.watermark = by_watermark,
	};
	struct ring r;

	if (by_watermark)
		attr.wakeup_watermark = every;
	else
		attr.wakeup_events = every;
	r.fd = (int)syscall(SYS_perf_event_open, &attr, -1, 0, -1, PERF_FLAG_FD_CLOEXEC);
	r.len = 2 * PAGE;
	r.page = mmap(NULL, r.len, PROT_READ | PROT_WRITE, MAP_SHARED, r.fd, 0);
	CHECK(r.page != MAP_FAILED, "mmap: %d", -errno);
	if (r.page == MAP_FAILED)
		return;
	r.data = (char *)r.page + r.page->data_offset;
	set_slot(map_fd(obj, "events"), 0, r.fd);
	int ep = epoll_create1(EPOLL_CLOEXEC);
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = 7 };
	output(0, BPF_F_CURRENT_CPU, 16, by_watermark ? 3 : every, 1);
	out("%s %u: woken before EPOLL_CTL_ADD: add %d, events %d",
	    by_watermark ? "watermark" : "wakeup_events", every,
	    errno_of(epoll_ctl(ep, EPOLL_CTL_ADD, r.fd, &ev)), ready_events(ep, 50));
	for (int i = 1; i <= 6; i++) {
		output(0, BPF_F_CURRENT_CPU, 16, 1, 10 + (__u64)i);
		out("  after output %d: events %d", i, ready_events(ep, 50));
	}
	out("  head %llu, none consumed", (unsigned long long)r.page->data_head);
	close(ep);
	clear_slots(map_fd(obj, "events"));
	munmap((void *)r.page, r.len);
	close(r.fd);
}

/* Records over 64 KiB: the kernel's header size is the size modulo 2^16, and every byte
 * is copied, over what follows in the ring.  A hash of the ring's bytes compares them. */
static void big_records(void)
{
	static char value[70000];
	__u32 k = 0;
	struct ring r;

	for (unsigned i = 0; i < sizeof(value); i++)
		value[i] = (char)(i * 7 + i / 256);
	CHECK(!bpf_map_update_elem(map_fd(obj, "big"), &k, value, 0), "big");
	if (!ring_open(&r, 0, 32))
		return;
	set_slot(map_fd(obj, "events"), 0, r.fd);
	static const __u64 sizes[] = { 65000, 65520, 70000, 100 };
	for (unsigned i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		LIBBPF_OPTS(bpf_test_run_opts, o, .flags = BPF_F_TEST_RUN_ON_CPU);
		set_args(0, sizes[i], 0, 0);
		CHECK(!bpf_prog_test_run_opts(prog_fd(obj, "out_big"), &o), "run");
		get_res();
		__u64 hash = 1469598103934665603ull;
		for (__u64 j = 0; j < r.page->data_size; j++)
			hash = (hash ^ (unsigned char)r.data[j]) * 1099511628211ull;
		struct perf_event_header h;
		ring_copy(&r, 0, &h, sizeof(h));
		out("output %llu bytes: %lld, head %llu, first record size %u, ring hash %016llx",
		    (unsigned long long)sizes[i], (long long)res[0],
		    (unsigned long long)r.page->data_head, h.size, (unsigned long long)hash);
	}
	clear_slots(map_fd(obj, "events"));
	munmap((void *)r.page, r.len);
	close(r.fd);
}

/* Reads the u64 at ring position pos. */
static __u64 ring_u64(struct ring *r, __u64 pos)
{
	__u64 v;

	ring_copy(r, pos, &v, sizeof(v));
	return v;
}

/* The other sample fields a BPF output event writes, and a PERF_RECORD_LOST's sample_id
 * under sample_id_all.  Values that differ run to run (time, pid) are printed as checks;
 * the process runs on CPU 0 so that the program runs in this task. */
static void sample_fields(void)
{
	struct perf_event_attr attr = {
		.size = sizeof(attr),
		.type = PERF_TYPE_SOFTWARE,
		.config = PERF_COUNT_SW_BPF_OUTPUT,
		.sample_type = PERF_SAMPLE_RAW | PERF_SAMPLE_TID | PERF_SAMPLE_TIME |
			       PERF_SAMPLE_CPU | PERF_SAMPLE_PERIOD | PERF_SAMPLE_ID |
			       PERF_SAMPLE_STREAM_ID | PERF_SAMPLE_IDENTIFIER,
		.sample_period = 3,
		.wakeup_events = 1,
		.sample_id_all = 1,
	};
	cpu_set_t all, one;
	struct ring r;
	__u64 id = 0;

	sched_getaffinity(0, sizeof(all), &all);
	CPU_ZERO(&one);
	CPU_SET(0, &one);
	sched_setaffinity(0, sizeof(one), &one);
	r.fd = (int)syscall(SYS_perf_event_open, &attr, -1, 0, -1, PERF_FLAG_FD_CLOEXEC);
	ioctl(r.fd, PERF_EVENT_IOC_ID, &id);
	r.len = 2 * PAGE;
	r.page = mmap(NULL, r.len, PROT_READ | PROT_WRITE, MAP_SHARED, r.fd, 0);
	CHECK(r.page != MAP_FAILED, "mmap: %d", -errno);
	if (r.page == MAP_FAILED)
		return;
	r.data = (char *)r.page + r.page->data_offset;
	set_slot(map_fd(obj, "events"), 0, r.fd);
	output(0, BPF_F_CURRENT_CPU, 8, 60, 1);
	out("60 records of 80 bytes into 4 KiB: %llu written, %lld", (unsigned long long)res[1],
	    (long long)res[0]);
	__u64 pos = 0, self = (__u64)getpid() | (__u64)gettid() << 32, t0 = 0;
	for (int i = 0; i < 2; i++, pos += 80) {
		struct perf_event_header h;
		ring_copy(&r, pos, &h, sizeof(h));
		__u64 t = ring_u64(&r, pos + 24);
		out("  sample size %u: identifier is the id %d, this task %d, time later %d, id %d "
		    "stream %d, cpu %llu, period %llu, raw %llx",
		    h.size, ring_u64(&r, pos + 8) == id, ring_u64(&r, pos + 16) == self, t > t0,
		    ring_u64(&r, pos + 32) == id, ring_u64(&r, pos + 40) == id,
		    (unsigned long long)ring_u64(&r, pos + 48),
		    (unsigned long long)ring_u64(&r, pos + 56),
		    (unsigned long long)ring_u64(&r, pos + 64));
		t0 = t;
	}
	r.page->data_tail = r.page->data_head;
	output(0, BPF_F_CURRENT_CPU, 8, 1, 100);
	pos = r.page->data_tail;
	struct perf_event_header h;
	ring_copy(&r, pos, &h, sizeof(h));
	out("  lost type %u size %u: id %d, lost %llu, this task %d, time %d, id %d stream %d, "
	    "cpu %llu, identifier %d",
	    h.type, h.size, ring_u64(&r, pos + 8) == id, (unsigned long long)ring_u64(&r, pos + 16),
	    ring_u64(&r, pos + 24) == self, ring_u64(&r, pos + 32) > t0,
	    ring_u64(&r, pos + 40) == id, ring_u64(&r, pos + 48) == id,
	    (unsigned long long)ring_u64(&r, pos + 56), ring_u64(&r, pos + 64) == id);
	ring_copy(&r, pos + h.size, &h, sizeof(h));
	out("  then type %u size %u", h.type, h.size);
	clear_slots(map_fd(obj, "events"));
	munmap((void *)r.page, r.len);
	close(r.fd);
	sched_setaffinity(0, sizeof(all), &all);
}

#define MAX_SEEN 512
static struct seen {
	int cpu;
	__u32 size;
	__u64 seq;
} seen[MAX_SEEN];
static int nr_seen;
static __u64 lost_by_cpu[64];

static void on_sample(void *ctx, int cpu, void *data, __u32 size)
{
	if (nr_seen < MAX_SEEN) {
		seen[nr_seen].cpu = cpu;
		seen[nr_seen].size = size;
		memcpy(&seen[nr_seen].seq, data, 8);
		nr_seen++;
	}
}

static void on_lost(void *ctx, int cpu, __u64 cnt)
{
	if (cpu >= 0 && cpu < 64)
		lost_by_cpu[cpu] += cnt;
}

static int by_cpu_then_seq(const void *a, const void *b)
{
	const struct seen *x = a, *y = b;

	if (x->cpu != y->cpu)
		return x->cpu < y->cpu ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* What the callbacks saw, in a deterministic order (CPU, then sequence). */
static void report_seen(const char *what)
{
	qsort(seen, (size_t)nr_seen, sizeof(seen[0]), by_cpu_then_seq);
	out("%s: %d samples", what, nr_seen);
	for (int i = 0; i < nr_seen; i++)
		if (i < 6 || i == nr_seen - 1)
			out("  cpu %d size %u seq %llu", seen[i].cpu, seen[i].size,
			    (unsigned long long)seen[i].seq);
	for (int c = 0; c < 64; c++)
		if (lost_by_cpu[c])
			out("  cpu %d lost %llu", c, (unsigned long long)lost_by_cpu[c]);
	nr_seen = 0;
	memset(lost_by_cpu, 0, sizeof(lost_by_cpu));
}

/* libbpf's perf_buffer: a ring per CPU, epoll, every record, lost counts. */
static void perf_buffer(void)
{
	LIBBPF_OPTS(perf_buffer_opts, po);
	struct perf_buffer *pb = perf_buffer__new(map_fd(obj, "events"), 1, on_sample, on_lost,
						  NULL, &po);
	int cpus = libbpf_num_possible_cpus();

	CHECK(pb != NULL, "perf_buffer__new: %d", -errno);
	if (!pb)
		return;
	out("buffers: %d", perf_buffer__buffer_cnt(pb) == (size_t)cpus ? 1 : 0);
	out("empty poll: %d", perf_buffer__poll(pb, 50));
	for (int c = 0; c < cpus && c < 2; c++)
		output(c, BPF_F_CURRENT_CPU, 16 + c, 5, 100 * (c + 1));
	int total = 0;
	for (int i = 0; i < 20 && nr_seen < 5 * (cpus < 2 ? cpus : 2); i++)
		total += perf_buffer__poll(pb, 200) > 0;
	report_seen("after poll");
	/* 1 data page holds 51 samples of 64 bytes (80 each); 3 calls lose 3 */
	for (int k = 0; k < 4; k++)
		output(0, BPF_F_CURRENT_CPU, 64, 60, 1000 + 100 * k);
	out("consume: %d", perf_buffer__consume(pb));
	output(0, BPF_F_CURRENT_CPU, 8, 1, 9999);
	out("consume: %d", perf_buffer__consume(pb));
	report_seen("overflow");
	out("ready with nothing new: poll %d", perf_buffer__poll(pb, 50));
	perf_buffer__free(pb);
	(void)total;
}

int main(void)
{
	create_errors();
	load_alone_verdict("maps_perfbuf", "bad_uninit");
	load_alone_verdict("maps_perfbuf", "bad_ctx");
	obj = load_obj("maps_perfbuf");
	struct bpf_map *m = bpf_object__find_map_by_name(obj, "events");
	out("default max_entries is the possible CPUs: %d",
	    bpf_map__max_entries(m) == (__u32)libbpf_num_possible_cpus());
	elem_commands();
	output_errors();
	opens();
	mmaps();
	records();
	packet_forms();
	reads();
	wakeups(false, 1);
	wakeups(false, 3);
	wakeups(true, 100);
	wakeups(false, 0);
	big_records();
	sample_fields();
	perf_buffer();
	entry_lifetime(); /* last: it closes the events map's descriptor */
	bpf_object__close(obj);
	return finish();
}
