/* A perf event's ring against a hostile holder of its descriptor (which is an open of the
 * ring's memfd): resizing the file before or after the first mmap, sealing it first, and
 * writing any data_tail never makes a bpf_perf_event_output fault or crash the process
 * (the ring is sized and sealed by bpfrun, in a file of its own if need be; writes are
 * masked into the data).  Without the seal check, the truncation after a pre-sized mmap
 * made the next output die of SIGBUS.  Also bpfrun's one refusal the kernel does not
 * make: a sample_type with fields a ring does not write (PERF_SAMPLE_IP) is EOPNOTSUPP. */
#include <errno.h>
#include <fcntl.h>
#include <linux/perf_event.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "difftest.h"

#define PAGE 4096

static struct bpf_object *obj;

static int open_output(void)
{
	struct perf_event_attr attr = {
		.size = sizeof(attr),
		.type = PERF_TYPE_SOFTWARE,
		.config = PERF_COUNT_SW_BPF_OUTPUT,
		.sample_type = PERF_SAMPLE_RAW,
		.wakeup_events = 1,
	};

	return (int)syscall(SYS_perf_event_open, &attr, -1, 0, -1, PERF_FLAG_FD_CLOEXEC);
}

/* out_trace on CPU 0 into slot 0 (the event ev): the last result. */
static long long output(int ev, __u64 n)
{
	LIBBPF_OPTS(bpf_test_run_opts, o, .flags = BPF_F_TEST_RUN_ON_CPU, .cpu = 0);
	__u64 a[4] = { BPF_F_CURRENT_CPU, 64, n, 1 }, r[4] = { 0 };
	__u32 k = 0, v = (__u32)ev;

	CHECK(!bpf_map_update_elem(map_fd(obj, "events"), &k, &v, 0), "update");
	CHECK(!bpf_map_update_elem(map_fd(obj, "args"), &k, a, 0), "args");
	CHECK(!bpf_prog_test_run_opts(prog_fd(obj, "out_trace"), &o), "run");
	CHECK(!bpf_map_lookup_elem(map_fd(obj, "res"), &k, r), "res");
	return (long long)r[0];
}

int main(void)
{
	obj = load_obj("maps_perfbuf");

	/* pre-sized to the mapping's length, then truncated under the ring */
	int ev = open_output();
	CHECK(!ftruncate(ev, 3 * PAGE), "pre-size: %d", errno);
	struct perf_event_mmap_page *pg = mmap(NULL, 3 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED,
					       ev, 0);
	CHECK(pg != MAP_FAILED, "mmap: %d", errno);
	CHECK(ftruncate(ev, 0) && errno == EPERM, "truncation refused: %d", errno);
	CHECK(output(ev, 3) == 0, "output after the truncation");
	CHECK(pg->data_head == 3 * 80, "three records: head %llu",
	      (unsigned long long)pg->data_head);

	/* any data_tail: records are lost or written within the data, nothing else */
	static const __u64 tails[] = { ~0ull, 1ull << 63, 12345, 3 * 80 + 7 };
	for (unsigned i = 0; i < sizeof(tails) / sizeof(tails[0]); i++) {
		pg->data_tail = tails[i];
		long long err = output(ev, 200);
		CHECK(err == 0 || err == -ENOSPC, "tail %llu: %lld", (unsigned long long)tails[i],
		      err);
	}
	munmap(pg, 3 * PAGE);
	close(ev);

	/* sealed by the holder first: the ring lives in a file of bpfrun's own */
	ev = open_output();
	CHECK(!fcntl(ev, F_ADD_SEALS, F_SEAL_SEAL), "seal: %d", errno);
	pg = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, ev, 0);
	CHECK(pg != MAP_FAILED, "mmap of a sealed file: %d", errno);
	CHECK(output(ev, 1) == 0 && pg != MAP_FAILED && pg->data_head == 80,
	      "output into it, seen through the mapping");
	if (pg != MAP_FAILED)
		munmap(pg, 2 * PAGE);
	close(ev);

	struct perf_event_attr attr = {
		.size = sizeof(attr),
		.type = PERF_TYPE_SOFTWARE,
		.config = PERF_COUNT_SW_BPF_OUTPUT,
		.sample_type = PERF_SAMPLE_RAW | PERF_SAMPLE_IP,
	};
	ev = (int)syscall(SYS_perf_event_open, &attr, -1, 0, -1, PERF_FLAG_FD_CLOEXEC);
	CHECK(ev < 0 && errno == EOPNOTSUPP, "PERF_SAMPLE_IP refused: %d %d", ev, errno);
	bpf_object__close(obj);
	return finish();
}
