/* bpfrun's BPFRUN_BPF_POLL command (bpfrun.h), in process: a ring buffer's descriptor
 * gets a stand-in eventfd of the caller's own, which epoll takes (and which reports the
 * records: tests/cli/test_exec_perfbuf.sh, under the runtime); USER_RINGBUF's EPOLLOUT
 * comes back as EPOLLIN; a perf event's stand-in says its wake-ups need reporting (n 1),
 * a ring buffer's that they do not; every malformed call is refused
 * with the errno the header gives (a descriptor that is no ring's, an unknown op, a
 * reserved field set, a short or unreadable attr, an unreadable event array). */
#include <errno.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/perf_event.h>

#include "bpfrun.h"
#include "difftest.h"

static long poll_call(struct bpfrun_poll_attr *a, unsigned int size)
{
	long r = bpfrun_bpf(BPFRUN_BPF_POLL, (union bpf_attr *)a, size);
	return r < 0 ? -errno : r;
}

int main(void)
{
	LIBBPF_OPTS(bpf_map_create_opts, o);
	int rb = bpf_map_create(BPF_MAP_TYPE_RINGBUF, "rb", 0, 0, 4096, &o);
	int urb = bpf_map_create(BPF_MAP_TYPE_USER_RINGBUF, "urb", 0, 0, 4096, &o);
	int arr = bpf_map_create(BPF_MAP_TYPE_ARRAY, "arr", 4, 4, 1, &o);
	int ep = epoll_create1(EPOLL_CLOEXEC);

	CHECK(rb >= 0 && urb >= 0 && arr >= 0 && ep >= 0, "set-up");
	struct bpfrun_poll_attr a = {
		.op = BPFRUN_POLL_STANDIN, .fd = rb, .epfd = ep, .events = EPOLLIN, .data = 7
	};
	long efd = poll_call(&a, sizeof(a));
	CHECK(efd >= 0 && efd != rb, "a ring's stand-in is a new descriptor: %ld", efd);
	CHECK(a.n == 0, "a ring buffer's wake-ups need no report: n %u", a.n);
	struct epoll_event ev = { .events = a.events, .data.u64 = 7 }, got[2];
	CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, (int)efd, &ev) == 0, "epoll takes the stand-in");
	CHECK(epoll_wait(ep, got, 2, 0) == 0, "an empty ring is not ready");

	a = (struct bpfrun_poll_attr){ .op = BPFRUN_POLL_STANDIN, .fd = urb, .events = EPOLLOUT };
	long uefd = poll_call(&a, sizeof(a));
	CHECK(uefd >= 0 && a.events == EPOLLIN, "USER_RINGBUF's EPOLLOUT is asked as EPOLLIN: %x",
	      a.events);

	struct perf_event_attr pa = {
		.size = sizeof(pa),
		.type = PERF_TYPE_SOFTWARE,
		.config = PERF_COUNT_SW_BPF_OUTPUT,
		.sample_type = PERF_SAMPLE_RAW,
		.wakeup_events = 1,
	};
	int pev = (int)syscall(SYS_perf_event_open, &pa, -1, 0, -1, PERF_FLAG_FD_CLOEXEC);
	void *ring = mmap(NULL, 2 * 4096, PROT_READ | PROT_WRITE, MAP_SHARED, pev, 0);
	CHECK(pev >= 0 && ring != MAP_FAILED, "a BPF_OUTPUT event and its ring");
	a = (struct bpfrun_poll_attr){ .op = BPFRUN_POLL_STANDIN, .fd = pev, .epfd = ep };
	long pefd = poll_call(&a, sizeof(a));
	CHECK(pefd >= 0 && a.n == 1, "a perf event's wake-ups are reported: %ld, n %u", pefd, a.n);

	a = (struct bpfrun_poll_attr){ .op = BPFRUN_POLL_STANDIN, .fd = arr };
	CHECK(poll_call(&a, sizeof(a)) == -EINVAL, "an array's descriptor has no stand-in");
	a.fd = 100000;
	CHECK(poll_call(&a, sizeof(a)) == -EINVAL, "nor a closed descriptor");
	a = (struct bpfrun_poll_attr){ .op = 99 };
	CHECK(poll_call(&a, sizeof(a)) == -EINVAL, "an unknown op");
	a = (struct bpfrun_poll_attr){ .op = BPFRUN_POLL_REARM, .reserved = 1 };
	CHECK(poll_call(&a, sizeof(a)) == -EINVAL, "a reserved field set");
	a = (struct bpfrun_poll_attr){ .op = BPFRUN_POLL_REARM };
	CHECK(poll_call(&a, sizeof(a)) == 0, "rearm");
	CHECK(poll_call(NULL, sizeof(a)) == -EFAULT, "an unreadable attr");
	a = (struct bpfrun_poll_attr){ .op = BPFRUN_POLL_REPORTED, .epfd = ep, .evs = 8, .n = 1 };
	CHECK(poll_call(&a, sizeof(a)) == -EFAULT, "an unreadable event array");
	a.n = 1u << 21;
	CHECK(poll_call(&a, sizeof(a)) == -EINVAL, "an event array too long");
	a = (struct bpfrun_poll_attr){ .op = BPFRUN_POLL_REPORTED, .epfd = ep, .evs = 0, .n = 0 };
	CHECK(poll_call(&a, sizeof(a)) == 0, "no events to report");
	if (efd >= 0)
		close((int)efd);
	if (uefd >= 0)
		close((int)uefd);
	if (pefd >= 0)
		close((int)pefd);
	munmap(ring, 2 * 4096);
	close(pev);
	close(ep);
	close(rb);
	close(urb);
	close(arr);
	return finish();
}
