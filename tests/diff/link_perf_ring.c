/* A BPF_OUTPUT perf event's ring read through the consumer's own mapping, as libbpf's
 * perf_buffer reads it but without epoll: perf_event_open on CPU 0, mmap of one control
 * and two data pages, the event in a PERF_EVENT_ARRAY, bpf_perf_event_output from test
 * runs on CPU 0 (tests/bpf/maps_perfbuf.bpf.c's out_trace), then the records between
 * data_tail and data_head, consumed by moving data_tail, and a second batch after it.
 * Under the per-user runtime the event is the runtime's and the mapping is of the file it
 * handed out (server/runtime.c): the records are the ones its program wrote. */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <linux/perf_event.h>

#include "difftest.h"

static struct bpf_object *obj;

/* out_trace on CPU 0: n records of size bytes from sequence number seq. */
static void output(__u64 size, __u64 n, __u64 seq)
{
	LIBBPF_OPTS(bpf_test_run_opts, o, .flags = BPF_F_TEST_RUN_ON_CPU, .cpu = 0);
	__u64 a[4] = { BPF_F_CURRENT_CPU, size, n, seq }, r[4] = { 0 };
	__u32 k = 0;

	bpf_map_update_elem(map_fd(obj, "args"), &k, a, 0);
	int err = bpf_prog_test_run_opts(prog_fd(obj, "out_trace"), &o);
	bpf_map_lookup_elem(map_fd(obj, "res"), &k, r);
	out("output %llu records: run %d, last result %lld, written %llu", (unsigned long long)n,
	    err, (long long)r[0], (unsigned long long)r[1]);
}

/* The records between data_tail and data_head, then consumed. */
static void dump(volatile struct perf_event_mmap_page *page)
{
	const unsigned char *data = (const unsigned char *)page + page->data_offset;
	__u64 head = __atomic_load_n(&page->data_head, __ATOMIC_ACQUIRE), tail = page->data_tail;

	out("  head %llu tail %llu", (unsigned long long)head, (unsigned long long)tail);
	while (tail < head) {
		unsigned char rec[256];
		for (size_t i = 0; i < sizeof(rec); i++)
			rec[i] = data[(tail + i) % page->data_size];
		struct perf_event_header h;
		__u32 raw;
		__u64 seq;
		memcpy(&h, rec, sizeof(h));
		memcpy(&raw, rec + sizeof(h), sizeof(raw));
		memcpy(&seq, rec + sizeof(h) + 4, sizeof(seq));
		out("  type %u size %u raw %u seq %llu", h.type, h.size, raw,
		    (unsigned long long)seq);
		if (!h.size)
			break;
		tail += h.size;
	}
	__atomic_store_n(&page->data_tail, tail, __ATOMIC_RELEASE);
}

int main(void)
{
	struct perf_event_attr attr = { .size = sizeof(attr),
					.type = PERF_TYPE_SOFTWARE,
					.config = PERF_COUNT_SW_BPF_OUTPUT,
					.sample_type = PERF_SAMPLE_RAW,
					.sample_period = 1,
					.wakeup_events = 1 };
	long page_size = sysconf(_SC_PAGESIZE);
	__u32 k = 0;

	obj = load_obj("maps_perfbuf");
	int ev = (int)syscall(SYS_perf_event_open, &attr, -1, 0, -1, PERF_FLAG_FD_CLOEXEC);
	out("BPF_OUTPUT event on CPU 0: %s", ev >= 0 ? "ok" : strerror(errno));
	void *p = mmap(NULL, 3 * page_size, PROT_READ | PROT_WRITE, MAP_SHARED, ev, 0);
	out("mmap of 1 + 2 pages: %s", p != MAP_FAILED ? "ok" : strerror(errno));
	if (ev < 0 || p == MAP_FAILED)
		return finish();
	volatile struct perf_event_mmap_page *page = p;
	out("control page: data_offset %llu data_size %llu", (unsigned long long)page->data_offset,
	    (unsigned long long)page->data_size);
	out("the event in the array: %d", bpf_map_update_elem(map_fd(obj, "events"), &k, &ev, 0));
	out("ENABLE: %d", ioctl(ev, PERF_EVENT_IOC_ENABLE, 0));
	output(20, 3, 100);
	dump(page);
	output(44, 2, 200);
	dump(page);
	munmap(p, 3 * page_size);
	close(ev);
	bpf_object__close(obj);
	return finish();
}
