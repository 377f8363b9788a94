/* bpfrun's BPFRUN_BPF_MMAP command (bpfrun.h), in process: the pieces of a ring buffer's
 * mapping (the data's second view after the file), none for a mapping that is the file's
 * bytes, and the kernel's mmap errors for the rest (its rules measured on 6.18 by
 * tests/diff/maps_ringbuf.c); a malformed call is refused.  The mapping itself, made by
 * libbpfrun-client.so under the runtime: tests/cli/test_loaders.sh (bootstrap). */
#include <errno.h>
#include <sys/mman.h>
#include <unistd.h>

#include "bpfrun.h"
#include "difftest.h"

#define PAGE 4096ull
#define RING 8192ull

static long mmap_call(struct bpfrun_mmap_attr *a, unsigned int size)
{
	long r = bpfrun_bpf(BPFRUN_BPF_MMAP, (union bpf_attr *)a, size);
	return r < 0 ? -errno : r;
}

static long ask(int fd, uint64_t off, uint64_t len, int prot, int flags, struct bpfrun_mmap_attr *a)
{
	*a = (struct bpfrun_mmap_attr){
		.fd = fd, .prot = (uint32_t)prot, .flags = (uint32_t)flags, .off = off, .len = len
	};
	return mmap_call(a, sizeof(*a));
}

static bool piece(const struct bpfrun_mmap_attr *a, int i, uint64_t at, uint64_t file_off,
		  uint64_t len)
{
	return a->pieces[i].at == at && a->pieces[i].file_off == file_off &&
	       a->pieces[i].len == len;
}

int main(void)
{
	LIBBPF_OPTS(bpf_map_create_opts, o);
	LIBBPF_OPTS(bpf_map_create_opts, mo, .map_flags = BPF_F_MMAPABLE);
	int rb = bpf_map_create(BPF_MAP_TYPE_RINGBUF, "rb", 0, 0, RING, &o);
	int urb = bpf_map_create(BPF_MAP_TYPE_USER_RINGBUF, "urb", 0, 0, RING, &o);
	int arr = bpf_map_create(BPF_MAP_TYPE_ARRAY, "arr", 4, 4, 1, &o);
	int marr = bpf_map_create(BPF_MAP_TYPE_ARRAY, "marr", 4, 4, 1, &mo);
	struct bpfrun_mmap_attr a;

	CHECK(rb >= 0 && urb >= 0 && arr >= 0 && marr >= 0, "set-up");
	CHECK(ask(rb, 0, 2 * PAGE + 2 * RING, PROT_READ, MAP_SHARED, &a) == 0 && a.nr_pieces == 2 &&
		      piece(&a, 0, 0, 0, 2 * PAGE + RING) &&
		      piece(&a, 1, 2 * PAGE + RING, 2 * PAGE, RING),
	      "a whole ring: the file, then the data again");
	CHECK(ask(rb, 2 * PAGE + RING, RING - 100, PROT_READ, MAP_SHARED, &a) == 0 &&
		      a.nr_pieces == 1 && piece(&a, 0, 0, 2 * PAGE, RING),
	      "the second view alone, its length rounded up to pages");
	CHECK(ask(rb, 0, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, &a) == 0 && a.nr_pieces == 0,
	      "the consumer page is the file's bytes: no pieces");
	CHECK(ask(urb, PAGE, PAGE + 2 * RING, PROT_READ | PROT_WRITE, MAP_SHARED, &a) == 0 &&
		      a.nr_pieces == 2,
	      "USER_RINGBUF's producer page and data, writable");
	CHECK(ask(marr, 0, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, &a) == 0 && a.nr_pieces == 0,
	      "a mmapable array is the file's bytes");

	CHECK(ask(rb, 0, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, &a) == -EPERM,
	      "RINGBUF: only the consumer page is writable");
	CHECK(ask(urb, 0, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, &a) == -EPERM,
	      "USER_RINGBUF: the consumer page is not writable");
	CHECK(ask(rb, 100, PAGE, PROT_READ, MAP_SHARED, &a) == -EINVAL, "an unaligned offset");
	CHECK(ask(rb, 0, 3 * PAGE + 2 * RING, PROT_READ, MAP_SHARED, &a) == -EINVAL,
	      "past the second view");
	CHECK(ask(rb, 0, 0, PROT_READ, MAP_SHARED, &a) == -EINVAL, "no length");
	CHECK(ask(rb, 0, ~0ull, PROT_READ, MAP_SHARED, &a) == -ENOMEM,
	      "a length that wraps when rounded up");
	CHECK(ask(rb, 0, PAGE, PROT_READ, MAP_PRIVATE, &a) == -EINVAL, "a private mapping");
	CHECK(ask(arr, 0, PAGE, PROT_READ, MAP_SHARED, &a) == -EINVAL,
	      "an array without BPF_F_MMAPABLE");
	CHECK(ask(100000, 0, PAGE, PROT_READ, MAP_SHARED, &a) == -EBADF, "a closed descriptor");
	int pipe_fds[2];
	CHECK(pipe(pipe_fds) == 0 &&
		      ask(pipe_fds[0], 0, PAGE, PROT_READ, MAP_SHARED, &a) == -EINVAL,
	      "a descriptor of another file");

	CHECK(mmap_call(NULL, sizeof(a)) == -EFAULT, "an unreadable attr");
	struct {
		struct bpfrun_mmap_attr a;
		uint64_t tail;
	} longer = { .a = { .fd = rb, .prot = PROT_READ, .flags = MAP_SHARED, .len = PAGE },
		     .tail = 1 };
	CHECK(mmap_call(&longer.a, sizeof(longer)) == -E2BIG, "a longer attr, its tail set");
	longer.tail = 0;
	CHECK(mmap_call(&longer.a, sizeof(longer)) == 0, "a longer attr, its tail zero");
	close(rb);
	close(urb);
	close(arr);
	close(marr);
	close(pipe_fds[0]);
	close(pipe_fds[1]);
	return finish();
}
