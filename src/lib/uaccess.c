/* copy_from_user and friends: the caller's memory, read and written so that a bad pointer
 * gives EFAULT as in the kernel instead of a crash.
 *
 * How a range is checked: page permissions are uniform within a page, so a range is
 * readable (writable) when one byte of each of its pages is.  Those bytes are probed with
 * process_vm_readv / process_vm_writev on the calling process, which fail with EFAULT on
 * unmapped or protected memory instead of faulting (a write probe writes the byte the copy
 * is about to write anyway).  Then the copy is a plain memcpy.
 *
 * Speed: bpf() callers use the same few buffers over and over (stack and static variables),
 * and user-space map operations are benchmarked against the kernel, so pages that passed a
 * probe are remembered per thread in a small direct-mapped cache of page numbers (one for
 * readable pages, one for writable ones).  A call whose pages are all in the cache makes
 * no system call: a few compares and a memcpy.
 *
 * The trade-off: a page is not checked again once it is in the cache (nor between a probe
 * and the copy).  Memory the application unmaps (or mprotects) after a bpf() call used it,
 * and then passes again while its page is still cached, crashes the process as before
 * instead of giving EFAULT.  Pointers that were never valid, or whose pages left the cache
 * (64 slots per thread), are always caught.
 *
 * Where the system calls are refused (a seccomp filter: ENOSYS, EPERM), nothing can be
 * checked: pointers are then trusted, with one warning.
 *
 * Remote callers: the runtime that serves the bpf() calls of other processes (src/server/)
 * sets, on the serving thread, the process whose memory "user" means
 * (uaccess_set_remote()).  Every function here then reads and writes that process's
 * memory with process_vm_readv / process_vm_writev, which fail with EFAULT exactly where
 * the kernel's copy would; nothing is cached, as the other process may unmap at any time.
 *
 * No locks: the caches and the remote process are thread-local.
 */
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include "uaccess.h"

#define CACHE_SLOTS 64 /* a power of two */
#define PROBE_BATCH 64 /* pages probed per system call */

struct page_cache {
	uintptr_t page[CACHE_SLOTS]; /* page numbers known good, plus one (0: empty slot) */
};

static __thread struct page_cache readable_pages, writable_pages;
static unsigned int page_shift;   /* atomic, set on first use */
static bool probes_refused;       /* atomic: process_vm_* unavailable, pointers trusted */
static __thread pid_t remote_pid; /* 0: the calling process itself */

void uaccess_set_remote(pid_t pid)
{
	remote_pid = pid;
}

pid_t uaccess_remote_pid(void)
{
	return remote_pid;
}

/* All n bytes between this process and the remote one, or -EFAULT. */
static int remote_copy(void *local, const void *remote, size_t n, bool write)
{
	struct iovec l = { local, n }, r = { (void *)remote, n };
	ssize_t done = write ? process_vm_writev(remote_pid, &l, 1, &r, 1, 0) :
			       process_vm_readv(remote_pid, &l, 1, &r, 1, 0);

	return done == (ssize_t)n ? 0 : -EFAULT;
}

static unsigned int get_page_shift(void)
{
	unsigned int s = __atomic_load_n(&page_shift, __ATOMIC_RELAXED);

	if (unlikely(!s)) {
		s = (unsigned int)__builtin_ctzl((unsigned long)sysconf(_SC_PAGESIZE));
		__atomic_store_n(&page_shift, s, __ATOMIC_RELAXED);
	}
	return s;
}

static bool cached(const struct page_cache *c, uintptr_t page)
{
	return c->page[page & (CACHE_SLOTS - 1)] == page + 1;
}

static void remember(struct page_cache *c, uintptr_t page)
{
	c->page[page & (CACHE_SLOTS - 1)] = page + 1;
}

/* In AddressSanitizer builds its shadow memory (x86-64: [0x7fff8000, 0x10007fff8000)) is
 * mapped and readable, but ASan's own string and copy interceptors fault on it: it is no
 * memory of the application's there (a truncated pointer reaches it: found by fuzzing). */
#if defined(__SANITIZE_ADDRESS__)
#define ASAN_BUILD 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define ASAN_BUILD 1
#endif
#endif
static bool sanitizer_owned(uintptr_t lo, uintptr_t hi)
{
#if defined(ASAN_BUILD) && defined(__x86_64__)
	return lo < 0x10007fff8000ull && hi >= 0x7fff8000ull;
#else
	(void)lo;
	(void)hi;
	return false;
#endif
}

/* The pages [first, last] of [p, p+n), n > 0; false when the range wraps around the
 * address space or is not the application's. */
static bool page_span(const void *p, size_t n, uintptr_t *first, uintptr_t *last)
{
	uintptr_t end;
	unsigned int shift = get_page_shift();

	if (__builtin_add_overflow((uintptr_t)p, n - 1, &end) || sanitizer_owned((uintptr_t)p, end))
		return false;
	*first = (uintptr_t)p >> shift;
	*last = end >> shift;
	return true;
}

static bool all_cached(const struct page_cache *c, uintptr_t first, uintptr_t last)
{
	for (uintptr_t pg = first; pg <= last; pg++)
		if (!cached(c, pg))
			return false;
	return true;
}

/* One process_vm_readv/writev of k one-byte pieces: true when all went through. */
static bool probe_batch(struct iovec *local, struct iovec *remote, unsigned long k, bool write)
{
	ssize_t done = write ? process_vm_writev(getpid(), local, k, remote, k, 0) :
			       process_vm_readv(getpid(), local, k, remote, k, 0);

	if (done == (ssize_t)k)
		return true;
	if (done < 0 && (errno == ENOSYS || errno == EPERM)) {
		if (!__atomic_exchange_n(&probes_refused, true, __ATOMIC_RELAXED))
			bpfrun_warn("process_vm_readv/writev refused (%s): bpf() pointers are not "
				    "checked",
				    strerror(errno));
		return true;
	}
	return false;
}

struct probe {
	struct page_cache *cache;
	bool write;
	unsigned long k; /* pieces gathered */
	struct iovec local[PROBE_BATCH], remote[PROBE_BATCH];
	uintptr_t pages[PROBE_BATCH];
	u8 scratch[PROBE_BATCH];
};

/* Probes the gathered pieces and remembers their pages: 0 or -EFAULT. */
static int probe_flush(struct probe *pr)
{
	if (pr->k && !probe_batch(pr->local, pr->remote, pr->k, pr->write))
		return -EFAULT;
	for (unsigned long i = 0; i < pr->k; i++) {
		remember(pr->cache, pr->pages[i]);
		if (pr->write) /* writable memory is readable too */
			remember(&readable_pages, pr->pages[i]);
	}
	pr->k = 0;
	return 0;
}

/* Probes one byte of every page of [uaddr, uaddr+n) (pages first..last) that the cache
 * does not hold, and remembers the pages that pass.  Write probes copy the byte of src
 * that goes there (src is NULL for read probes).  0 or -EFAULT. */
static int probe_pages(struct page_cache *c, uintptr_t uaddr, uintptr_t first, uintptr_t last,
		       const u8 *src)
{
	struct probe pr = { .cache = c, .write = src != NULL };
	unsigned int shift = get_page_shift();

	for (uintptr_t pg = first; pg <= last; pg++) {
		if (cached(c, pg))
			continue;
		uintptr_t at = MAX(pg << shift, uaddr);
		pr.remote[pr.k] = (struct iovec){ (void *)at, 1 };
		pr.local[pr.k] = (struct iovec){ src ? (void *)(src + (at - uaddr)) :
						       &pr.scratch[pr.k],
						 1 };
		pr.pages[pr.k++] = pg;
		if (pr.k == PROBE_BATCH && probe_flush(&pr))
			return -EFAULT;
	}
	return probe_flush(&pr);
}

int check_user_readable(const void *usrc, size_t n)
{
	uintptr_t first, last;

	if (!n)
		return 0;
	if (unlikely(remote_pid)) { /* read it all, a page at a time */
		u8 page[4096];
		for (size_t done = 0; done < n; done += sizeof(page))
			if (remote_copy(page, (const u8 *)usrc + done, MIN(n - done, sizeof(page)),
					false))
				return -EFAULT;
		return 0;
	}
	if (!page_span(usrc, n, &first, &last))
		return -EFAULT;
	if (likely(all_cached(&readable_pages, first, last)))
		return 0;
	return probe_pages(&readable_pages, (uintptr_t)usrc, first, last, NULL);
}

int copy_from_user(void *dst, const void *usrc, size_t n)
{
	if (!n)
		return 0;
	if (unlikely(remote_pid))
		return remote_copy(dst, usrc, n, false);
	if (check_user_readable(usrc, n))
		return -EFAULT;
	memcpy(dst, usrc, n);
	return 0;
}

int copy_to_user(void *udst, const void *src, size_t n)
{
	uintptr_t first, last;

	if (!n)
		return 0;
	if (unlikely(remote_pid))
		return remote_copy((void *)src, udst, n, true);
	if (!page_span(udst, n, &first, &last))
		return -EFAULT;
	if (unlikely(!all_cached(&writable_pages, first, last)) &&
	    probe_pages(&writable_pages, (uintptr_t)udst, first, last, src))
		return -EFAULT;
	memcpy(udst, src, n);
	return 0;
}

long strncpy_from_user(char *dst, const char *usrc, size_t count)
{
	size_t page = (size_t)1 << get_page_shift(), done = 0;

	/* page by page: the bytes after the NUL may well be unmapped */
	while (done < count) {
		/* in integers: for usrc NULL, NULL + 0 would be undefined (it faults below) */
		const char *from = (const char *)((uintptr_t)usrc + done);
		size_t chunk = MIN(page - ((uintptr_t)from & (page - 1)), count - done);
		if (unlikely(remote_pid)) { /* a chunk within one page: all or nothing */
			if (remote_copy(dst + done, from, chunk, false))
				return -EFAULT;
			from = dst + done;
		} else if (check_user_readable(from, chunk)) {
			return -EFAULT;
		}
		const char *nul = memchr(from, 0, chunk);
		size_t len = nul ? (size_t)(nul - from) + 1 : chunk;
		memmove(dst + done, from, len);
		done += len;
		if (nul)
			return (long)done - 1;
	}
	return (long)count;
}

int check_uarg_tail_zero(const void *uaddr, size_t ksize, size_t usize)
{
	if (usize > (size_t)1 << get_page_shift())
		return -E2BIG;
	if (usize <= ksize)
		return 0;
	const void *tail = (const void *)((uintptr_t)uaddr + ksize);
	u8 copy[4096]; /* usize is at most a page */
	if (unlikely(remote_pid)) {
		if (usize - ksize > sizeof(copy) || remote_copy(copy, tail, usize - ksize, false))
			return -EFAULT;
		tail = copy;
	} else if (check_user_readable(tail, usize - ksize)) {
		return -EFAULT;
	}
	return mem_is_zero(tail, 0, usize - ksize) ? 0 : -E2BIG;
}
