/* Ring buffers against the kernel (tests/bpf/maps_ringbuf.bpf.c): RINGBUF create and
 * element-command errors, mmap permissions and bounds, libbpf's ring_buffer consumer with
 * the kernel's wake-up rules seen through epoll (BPF_RB_NO_WAKEUP, a consumer that has not
 * caught up, BPF_RB_FORCE_WAKEUP, level-triggered readiness), record headers as user space
 * sees them, reserve/submit/discard/query, the dynptr forms, a full ring, and
 * USER_RINGBUF through libbpf's user_ring_buffer and bpf_user_ringbuf_drain. */
#include <errno.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <unistd.h>

#include "difftest.h"

#define PAGE 4096
#define RING (4 * PAGE)

static struct bpf_object *obj;
static __u64 res[16];

static int errno_of(int ret)
{
	return ret < 0 ? -errno : ret;
}

static void run(const char *prog, __u64 a0, __u64 a1, __u64 a2)
{
	__u64 a[4] = { a0, a1, a2, 0 };
	__u32 k = 0, ret = 0;

	memset(res, 0, sizeof(res));
	CHECK(!bpf_map_update_elem(map_fd(obj, "res"), &k, res, BPF_ANY), "res reset");
	CHECK(!bpf_map_update_elem(map_fd(obj, "args"), &k, a, BPF_ANY), "args");
	int err = run_prog(prog_fd(obj, prog), NULL, 0, &ret);
	CHECK(!err && !ret, "%s: run %d ret %u", prog, err, ret);
	CHECK(!bpf_map_lookup_elem(map_fd(obj, "res"), &k, res), "res");
}

static void create_errors(void)
{
	static const struct {
		const char *what;
		__u32 type, key, value, max, flags;
	} c[] = {
		{ "ok", BPF_MAP_TYPE_RINGBUF, 0, 0, PAGE, 0 },
		{ "key_size 4", BPF_MAP_TYPE_RINGBUF, 4, 0, PAGE, 0 },
		{ "value_size 8", BPF_MAP_TYPE_RINGBUF, 0, 8, PAGE, 0 },
		{ "max_entries 0", BPF_MAP_TYPE_RINGBUF, 0, 0, 0, 0 },
		{ "max_entries 3 pages", BPF_MAP_TYPE_RINGBUF, 0, 0, 3 * PAGE, 0 },
		{ "max_entries 2048", BPF_MAP_TYPE_RINGBUF, 0, 0, 2048, 0 },
		{ "mmapable", BPF_MAP_TYPE_RINGBUF, 0, 0, PAGE, BPF_F_MMAPABLE },
		{ "rdonly_prog", BPF_MAP_TYPE_RINGBUF, 0, 0, PAGE, BPF_F_RDONLY_PROG },
		{ "user ok", BPF_MAP_TYPE_USER_RINGBUF, 0, 0, PAGE, 0 },
		{ "user key_size 4", BPF_MAP_TYPE_USER_RINGBUF, 4, 0, PAGE, 0 },
	};
	for (unsigned i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		LIBBPF_OPTS(bpf_map_create_opts, o, .map_flags = c[i].flags);
		int fd = bpf_map_create(c[i].type, NULL, c[i].key, c[i].value, c[i].max, &o);
		out("create %s: %d", c[i].what, fd < 0 ? -errno : 0);
		if (fd >= 0)
			close(fd);
	}
}

static void try_mmap(const char *what, int fd, size_t len, int prot, int flags, off_t off)
{
	void *p = mmap(NULL, len, prot, flags, fd, off);

	out("mmap %s: %d", what, p == MAP_FAILED ? -errno : 0);
	if (p != MAP_FAILED)
		munmap(p, len);
}

/* On a ring of its own: a frozen ring refuses the consumer page's writable mapping. */
static void elem_commands(void)
{
	__u64 key = 0, value = 0;
	int fd = bpf_map_create(BPF_MAP_TYPE_RINGBUF, NULL, 0, 0, PAGE, NULL);

	out("lookup: %d", errno_of(bpf_map_lookup_elem(fd, &key, &value)));
	out("update: %d", errno_of(bpf_map_update_elem(fd, &key, &value, 0)));
	out("delete: %d", errno_of(bpf_map_delete_elem(fd, &key)));
	out("next key: %d", errno_of(bpf_map_get_next_key(fd, NULL, &key)));
	out("freeze: %d", errno_of(bpf_map_freeze(fd)));
	try_mmap("frozen consumer rw", fd, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
	try_mmap("frozen consumer ro", fd, PAGE, PROT_READ, MAP_SHARED, 0);
	close(fd);
}

static void mmaps(int fd, int ufd)
{
	try_mmap("consumer rw", fd, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
	try_mmap("consumer rw 2 pages", fd, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
	try_mmap("producer rw", fd, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, PAGE);
	try_mmap("all ro", fd, 2 * PAGE + 2 * RING, PROT_READ, MAP_SHARED, 0);
	try_mmap("past the end", fd, 2 * PAGE + 2 * RING + PAGE, PROT_READ, MAP_SHARED, 0);
	try_mmap("second view ro", fd, RING, PROT_READ, MAP_SHARED, 2 * PAGE + RING);
	try_mmap("private ro", fd, PAGE, PROT_READ, MAP_PRIVATE, 0);
	try_mmap("user consumer rw", ufd, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
	try_mmap("user producer rw", ufd, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, PAGE);
	try_mmap("user consumer ro", ufd, PAGE, PROT_READ, MAP_SHARED, 0);
}

static int on_record(void *ctx, void *data, size_t size)
{
	const __u64 *v = data;

	out("  record size %zu seq %llu val %llu", size, (unsigned long long)v[0],
	    (unsigned long long)v[1]);
	return 0;
}

static int add_record(void *ctx, void *data, size_t size)
{
	__u64 *sum = ctx;

	sum[0] += *(const __u64 *)data;
	return 0;
}

/* Events within 100 ms (a wake-up is queued work in the kernel: allow it to land). */
static int events(struct ring_buffer *r)
{
	struct epoll_event ev[4];

	return errno_of(epoll_wait(ring_buffer__epoll_fd(r), ev, 4, 100));
}

static void consumer(int fd)
{
	struct ring_buffer *r = ring_buffer__new(fd, on_record, NULL, NULL);

	CHECK(r != NULL, "ring_buffer__new");
	if (!r)
		return;
	out("empty: events %d", events(r));
	run("output", 1, BPF_RB_NO_WAKEUP, 1);
	out("no-wakeup output %lld: events %d", (long long)res[0], events(r));
	run("output", 1, 0, 2);
	out("output behind an unconsumed record: events %d", events(r));
	run("output", 1, BPF_RB_FORCE_WAKEUP, 3);
	out("forced wake-up: events %d", events(r));
	out("still unconsumed: events %d", events(r));
	out("consume: %d", ring_buffer__consume(r));
	out("consumed: events %d", events(r));
	run("output", 2, 0, 4);
	out("output to a caught-up consumer: poll %d", ring_buffer__poll(r, 1000));
	run("reserve", 0, 0, 0);
	out("reserve: submit %llu discard %llu flags %llu too big %llu", (unsigned long long)res[0],
	    (unsigned long long)res[1], (unsigned long long)res[2], (unsigned long long)res[3]);
	out("query: avail %llu size %llu cons %llu prod %llu other %llu; bad flag output %lld",
	    (unsigned long long)res[4], (unsigned long long)res[5], (unsigned long long)res[6],
	    (unsigned long long)res[7], (unsigned long long)res[8], (long long)res[9]);
	out("poll: %d", ring_buffer__poll(r, 1000));
	run("dynptr", 0, 0, 0);
	out("dynptr: reserve %lld write %lld past end %lld read %lld val %llu data %llu",
	    (long long)res[0], (long long)res[1], (long long)res[2], (long long)res[3],
	    (unsigned long long)res[4], (unsigned long long)res[5]);
	out("dynptr: flags %lld over 2^24 %lld over ring %lld from_mem %lld read %lld %llu "
	    "flags %lld",
	    (long long)res[6], (long long)res[7], (long long)res[8], (long long)res[9],
	    (long long)res[10], (unsigned long long)res[11], (long long)res[12]);
	out("poll: %d", ring_buffer__poll(r, 1000));
	ring_buffer__free(r);
}

/* The first headers as user space reads them (length with BUSY/DISCARD bits, pg_off). */
static void headers(int fd)
{
	const __u32 *p = mmap(NULL, 2 * PAGE + 2 * RING, PROT_READ, MAP_SHARED, fd, 0);

	CHECK(p != MAP_FAILED, "mmap");
	if (p == MAP_FAILED)
		return;
	const __u64 *cons = (const void *)p, *prod = (const void *)((char *)p + PAGE);
	const __u32 *data = (const void *)((char *)p + 2 * PAGE);
	out("positions: consumer %llu producer %llu", (unsigned long long)*cons,
	    (unsigned long long)*prod);
	for (__u64 pos = 0; pos < *prod && pos < 256;) {
		__u32 len = data[pos / 4];
		out("  header at %llu: len %#x pg_off %u", (unsigned long long)pos, len,
		    data[pos / 4 + 1]);
		pos += ((len & 0x3fffffff) + 8 + 7) & ~7ull;
	}
	munmap((void *)p, 2 * PAGE + 2 * RING);
}

/* Fills the ring without a consumer: output fails with -EAGAIN once full. */
static void full(int fd)
{
	__u64 written = 0;

	for (int i = 0; i < 40; i++) {
		run("output", 64, 0, 1000 + written);
		written += res[1];
		if (res[0])
			break;
	}
	out("full: %llu records then %lld", (unsigned long long)written, (long long)res[0]);
	__u64 sum[2] = { 0, 0 };
	struct ring_buffer *r = ring_buffer__new(fd, add_record, sum, NULL);
	if (!r)
		return;
	out("ready at EPOLL_CTL_ADD: events %d", events(r));
	out("consume: %d records, seq sum %llu", ring_buffer__consume(r),
	    (unsigned long long)sum[0]);
	ring_buffer__free(r);
}

static void user_ring(void)
{
	struct user_ring_buffer *u = user_ring_buffer__new(map_fd(obj, "urb"), NULL);

	CHECK(u != NULL, "user_ring_buffer__new");
	if (!u)
		return;
	run("drain", 0, 0, 0);
	out("drain empty: %lld sum %llu n %llu", (long long)res[0], (unsigned long long)res[1],
	    (unsigned long long)res[2]);
	for (__u64 i = 1; i <= 5; i++) {
		__u64 *s = user_ring_buffer__reserve(u, 8 + (i % 2) * 8);
		CHECK(s != NULL, "reserve %llu", (unsigned long long)i);
		if (!s)
			break;
		*s = i * 10;
		if (i == 3)
			user_ring_buffer__discard(u, s);
		else
			user_ring_buffer__submit(u, s);
	}
	run("drain", 2, 0, 0);
	out("drain stop after 2: %lld sum %llu n %llu", (long long)res[0],
	    (unsigned long long)res[1], (unsigned long long)res[2]);
	run("drain", 0, 0, 0);
	out("drain rest: %lld sum %llu n %llu", (long long)res[0], (unsigned long long)res[1],
	    (unsigned long long)res[2]);
	run("drain", 0, 4, 0);
	out("drain bad flags: %lld", (long long)res[0]);
	int n = 0;
	while (user_ring_buffer__reserve(u, 1000))
		n++;
	out("user reserve until full: %d, then errno %d", n, errno);
	void *s = user_ring_buffer__reserve_blocking(u, 8, 50);
	out("reserve_blocking on a full ring: %s errno %d", s ? "got" : "null", errno);
	user_ring_buffer__free(u);
}

int main(void)
{
	create_errors();
	obj = load_obj("maps_ringbuf");
	int fd = map_fd(obj, "rb");
	elem_commands();
	mmaps(fd, map_fd(obj, "urb"));
	consumer(fd);
	headers(fd);
	full(fd);
	user_ring();
	bpf_object__close(obj);
	return finish();
}
