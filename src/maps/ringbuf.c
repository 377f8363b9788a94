/* RINGBUF and USER_RINGBUF, in the kernel's memory layout (ringbuf.h).
 *
 * The pages live in a memfd (obj.memfd): consumer page, producer page, then the data
 * pages once; a descriptor of the map is a fresh open of that memfd, so another process
 * given the descriptor maps the same pages.  The data pages appear twice in every mapping
 * (ring_pieces: two shared mappings of the same file range side by side), in the
 * runtime's own and in each mmap(2) an application makes (map_mmap.c), exactly as
 * the kernel's vmap and its remap_vmalloc_range do: offsets past the data map to the data
 * again.  The memfd is sealed against resizing, so no descriptor holder can make the
 * runtime's mapping fault.
 *
 * Trust: the consumer position (RINGBUF) and the producer position and headers
 * (USER_RINGBUF) are written by user space; every address computed from them is masked
 * into the data, so a hostile value can make the ring misbehave as in the kernel but never
 * reach other memory.  A RINGBUF's producer and pending positions are kept in the map
 * struct and published to the producer page: user space cannot move them.
 *
 * Locking: lock (a spinlock word, leaf) serialises RINGBUF producers, as the kernel's
 * rb->spinlock; busy (an atomic flag) makes a USER_RINGBUF's drainers exclusive, and a
 * second one gets -EBUSY.  Readiness for epoll is a poll source (lib/pollsrc.h), which
 * locks itself.
 */
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "ringbuf.h"
#include "../lib/pollsrc.h"
#include "../lib/spinlock.h"
#include "../lib/sys.h"

#define RINGBUF_PGOFF 1      /* kernel pages before the consumer page (in its pg_off) */
#define RINGBUF_POS_PAGES 2u /* consumer and producer pages */
#define RINGBUF_MAX_DATA_SZ (((1ull << 24) - RINGBUF_POS_PAGES - RINGBUF_PGOFF) * page_size())

struct ringbuf {
	struct bpf_map map;
	char *area;          /* consumer page, producer page, data twice */
	size_t len;          /* bytes mapped at area */
	char *data;          /* area + 2 pages */
	u64 mask;            /* max_entries - 1 */
	u32 pg_shift;        /* log2 of the page size: records' pg_off, off the sysconf path */
	u64 prod_pos;        /* RINGBUF: the true producer position, under lock */
	u64 pend_pos;        /* RINGBUF: oldest record that may still be BUSY, under lock */
	u32 lock;            /* RINGBUF producers */
	u32 busy;            /* USER_RINGBUF drainer */
	struct pollsrc poll; /* readiness for epoll (ringbuf.h) */
};

static size_t page_size(void)
{
	return (size_t)sysconf(_SC_PAGESIZE);
}

static struct ringbuf *rb_of(struct bpf_map *map)
{
	return container_of(map, struct ringbuf, map);
}

static u64 *consumer_pos(struct ringbuf *rb)
{
	return (u64 *)rb->area;
}

static u64 *producer_pos(struct ringbuf *rb)
{
	return (u64 *)(rb->area + ((size_t)1 << rb->pg_shift)); /* off the sysconf path */
}

static u64 *pending_pos(struct ringbuf *rb)
{
	return producer_pos(rb) + 1;
}

static u64 load_acquire(const u64 *p)
{
	return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

static u64 total_size(const struct ringbuf *rb)
{
	return rb->mask + 1;
}

static u64 avail_data(struct ringbuf *rb)
{
	return load_acquire(producer_pos(rb)) - load_acquire(consumer_pos(rb));
}

/* ---- creation and mappings ---- */

static int ringbuf_alloc_check(const union bpf_attr *attr)
{
	u32 n = attr->max_entries;

	if (attr->map_flags & ~(u32)BPF_F_NUMA_NODE)
		return -EINVAL;
	if (attr->key_size || attr->value_size || !n || (n & (n - 1)) || n % page_size())
		return -EINVAL;
	if (n > RINGBUF_MAX_DATA_SZ)
		return -E2BIG;
	return 0;
}

/* The file offset behind offset v of a mapping: past the data, the data again. */
static u64 file_off(const struct ringbuf *rb, u64 v)
{
	u64 file_len = RINGBUF_POS_PAGES * page_size() + total_size(rb);

	return v < file_len ? v : v - total_size(rb);
}

/* The pieces of [off, off+len) of a mapping of the ring (len a multiple of the page size,
 * in range): the file up to its end, then the data's second view; their number. */
static int ring_pieces(const struct ringbuf *rb, u64 off, u64 len,
		       struct map_mmap_piece pieces[MAP_MMAP_PIECES])
{
	u64 file_len = RINGBUF_POS_PAGES * page_size() + total_size(rb);
	u64 end = off + len, split = MAX(off, MIN(end, file_len));
	int n = 0;

	if (split > off)
		pieces[n++] = (struct map_mmap_piece){ 0, off, split - off };
	if (end > split)
		pieces[n++] = (struct map_mmap_piece){ split - off, file_off(rb, split),
						       end - split };
	return n;
}

static void ringbuf_free(struct bpf_map *map);
static bool ring_ready(struct pollsrc *src);

static struct bpf_map *ringbuf_alloc(const union bpf_attr *attr)
{
	size_t page = page_size();
	u64 size = attr->max_entries, file_len = RINGBUF_POS_PAGES * page + size;
	int err = map_check_kernel_bytes(file_len);

	if (err)
		return ERR_PTR(err);
	struct ringbuf *rb = calloc(1, sizeof(*rb));
	if (!rb)
		return ERR_PTR(-ENOMEM);
	rb->map.obj.memfd = memfd_create("bpf-ringbuf", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	rb->mask = size - 1;
	rb->pg_shift = (u32)__builtin_ctzl(page);
	rb->len = file_len + size;
	err = pollsrc_init(&rb->poll, ring_ready);
	if (rb->map.obj.memfd < 0)
		err = -ENOMEM;
	if (!err && (ftruncate(rb->map.obj.memfd, (off_t)file_len) ||
		     sys_fcntl(rb->map.obj.memfd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW)))
		err = -ENOMEM;
	if (!err) {
		struct map_mmap_piece pieces[MAP_MMAP_PIECES];
		int n = ring_pieces(rb, 0, rb->len, pieces);
		void *area = map_mmap_pieces(NULL, rb->len, PROT_READ | PROT_WRITE, MAP_SHARED,
					     rb->map.obj.memfd, pieces, n);
		if (IS_ERR(area))
			err = -ENOMEM;
		else
			rb->area = area;
	}
	if (err) {
		ringbuf_free(&rb->map);
		return ERR_PTR(err);
	}
	rb->data = rb->area + RINGBUF_POS_PAGES * page;
	return &rb->map; /* region stays empty: programs reach records only by reservation */
}

static void ringbuf_free(struct bpf_map *map)
{
	struct ringbuf *rb = rb_of(map);

	pollsrc_destroy(&rb->poll);
	if (rb->area)
		sys_munmap(rb->area, rb->len);
	if (map->obj.memfd >= 0)
		sys_close(map->obj.memfd);
	free(rb);
}

/* The kernel's ringbuf_map_mmap_kern/_user after the generic checks (map.c): which pages
 * may be writable, and remap_vmalloc_range's bounds; then the pieces, or 0 when the
 * mapping stays within the file (one mmap of it shows the same). */
static int ringbuf_mmap_layout(struct bpf_map *map, u64 off, u64 len, int prot,
			       struct map_mmap_piece *pieces)
{
	struct ringbuf *rb = rb_of(map);
	size_t page = page_size();
	u64 rlen = ROUND_UP(len, page); /* not wrapped: map_mmap_layout checked */

	if (prot & PROT_WRITE) {
		if (map_is_ringbuf(map) && (off || rlen != page))
			return -EPERM;
		if (map_is_user_ringbuf(map) && !off)
			return -EPERM;
	}
	if (!len || off % page || off > rb->len || rlen > rb->len - off)
		return -EINVAL;
	int n = ring_pieces(rb, off, rlen, pieces);
	return n == 1 && pieces[0].file_off == off ? 0 : n;
}

static int ringbuf_no_elem(struct bpf_map *map, const void *key)
{
	(void)map;
	(void)key;
	return -ENOTSUPP;
}

/* ---- RINGBUF ---- */

/* Page offset of a record header from the start of the kernel's struct bpf_ringbuf (one
 * page before the consumer page): user space sees it in every header. */
static u32 rec_pg_off(const struct ringbuf *rb, const char *hdr)
{
	return (u32)((u64)(hdr - rb->area) >> rb->pg_shift) + RINGBUF_PGOFF;
}

static u32 *hdr_len(struct ringbuf *rb, u64 pos)
{
	return (u32 *)(rb->data + (pos & rb->mask));
}

/* Moves the pending position past the records no longer BUSY (the kernel keeps a new
 * record from overwriting an older one still being written). */
static void advance_pending(struct ringbuf *rb)
{
	u64 pend = rb->pend_pos;

	while (pend < rb->prod_pos) {
		u32 len = __atomic_load_n(hdr_len(rb, pend), __ATOMIC_ACQUIRE);
		if (len & RINGBUF_BUSY_BIT)
			break;
		pend += ROUND_UP((u64)(len & ~RINGBUF_DISCARD_BIT) + RINGBUF_HDR_SZ, 8);
	}
	rb->pend_pos = pend;
	__atomic_store_n(pending_pos(rb), pend, __ATOMIC_RELAXED);
}

void *ringbuf_reserve(struct bpf_map *map, u64 size)
{
	struct ringbuf *rb = rb_of(map);

	if (size > RINGBUF_MAX_RECORD_SZ)
		return NULL;
	u64 len = ROUND_UP(size + RINGBUF_HDR_SZ, 8);
	if (len > total_size(rb))
		return NULL;
	u64 cons = load_acquire(consumer_pos(rb));
	spin_lock_word(&rb->lock);
	advance_pending(rb);
	u64 prod = rb->prod_pos, next = prod + len;
	if (next - cons > rb->mask || next - rb->pend_pos > rb->mask) {
		spin_unlock_word(&rb->lock);
		return NULL;
	}
	u32 *hdr = hdr_len(rb, prod);
	__atomic_store_n(hdr, (u32)size | RINGBUF_BUSY_BIT, __ATOMIC_RELAXED);
	__atomic_store_n(hdr + 1, rec_pg_off(rb, (char *)hdr), __ATOMIC_RELAXED);
	rb->prod_pos = next;
	__atomic_store_n(producer_pos(rb), next, __ATOMIC_RELEASE);
	spin_unlock_word(&rb->lock);
	return hdr + 2;
}

void ringbuf_commit(struct bpf_map *map, void *sample, u64 flags, bool discard)
{
	struct ringbuf *rb = rb_of(map);
	u32 *hdr = (u32 *)sample - 2;
	u32 len = __atomic_load_n(hdr, __ATOMIC_RELAXED) ^ RINGBUF_BUSY_BIT;

	if (discard)
		len |= RINGBUF_DISCARD_BIT;
	__atomic_exchange_n(hdr, len, __ATOMIC_SEQ_CST);
	u64 rec_pos = (u64)((char *)hdr - rb->data);
	u64 cons = load_acquire(consumer_pos(rb)) & rb->mask;
	if ((flags & BPF_RB_FORCE_WAKEUP) || (cons == rec_pos && !(flags & BPF_RB_NO_WAKEUP)))
		pollsrc_wake(&rb->poll);
}

u64 ringbuf_query(struct bpf_map *map, u64 flags)
{
	struct ringbuf *rb = rb_of(map);

	switch (flags) {
	case BPF_RB_AVAIL_DATA:
		return avail_data(rb);
	case BPF_RB_RING_SIZE:
		return total_size(rb);
	case BPF_RB_CONS_POS:
		return load_acquire(consumer_pos(rb));
	case BPF_RB_PROD_POS:
		return load_acquire(producer_pos(rb));
	default:
		return 0;
	}
}

/* ---- USER_RINGBUF ---- */

bool user_ringbuf_begin(struct bpf_map *map)
{
	u32 idle = 0;

	return __atomic_compare_exchange_n(&rb_of(map)->busy, &idle, 1, false, __ATOMIC_ACQUIRE,
					   __ATOMIC_RELAXED);
}

int user_ringbuf_peek(struct bpf_map *map, void **sample, u32 *size)
{
	struct ringbuf *rb = rb_of(map);
	u64 prod = load_acquire(producer_pos(rb));

	if (prod % 8)
		return -EINVAL;
	u64 cons = load_acquire(consumer_pos(rb));
	if (cons >= prod)
		return -ENODATA;
	u32 hdr = __atomic_load_n(hdr_len(rb, cons), __ATOMIC_ACQUIRE);
	u32 bits = hdr & (RINGBUF_BUSY_BIT | RINGBUF_DISCARD_BIT), len = hdr & ~bits;
	u64 total = ROUND_UP((u64)len + RINGBUF_HDR_SZ, 8);
	if (total > prod - cons)
		return -EINVAL;
	if (total > total_size(rb) || len >= (1u << 24)) /* must fit a dynptr */
		return -E2BIG;
	if (bits & RINGBUF_DISCARD_BIT) {
		__atomic_store_n(consumer_pos(rb), cons + total, __ATOMIC_RELEASE);
		return -EAGAIN;
	}
	if (bits & RINGBUF_BUSY_BIT)
		return -ENODATA;
	*sample = rb->data + ((cons + RINGBUF_HDR_SZ) & rb->mask);
	*size = len;
	return 0;
}

void user_ringbuf_release(struct bpf_map *map, u32 size)
{
	struct ringbuf *rb = rb_of(map);
	u64 cons = __atomic_load_n(consumer_pos(rb), __ATOMIC_RELAXED);

	__atomic_store_n(consumer_pos(rb), cons + ROUND_UP((u64)size + RINGBUF_HDR_SZ, 8),
			 __ATOMIC_RELEASE);
}

void user_ringbuf_end(struct bpf_map *map, bool do_wake)
{
	struct ringbuf *rb = rb_of(map);

	__atomic_store_n(&rb->busy, 0, __ATOMIC_RELEASE);
	if (do_wake)
		pollsrc_wake(&rb->poll);
}

/* ---- readiness ---- */

/* The kernel's ringbuf_map_poll_kern / _user answers. */
static bool ring_ready(struct pollsrc *src)
{
	struct ringbuf *rb = container_of(src, struct ringbuf, poll);
	u64 avail = avail_data(rb);

	return map_is_ringbuf(&rb->map) ? avail > 0 : avail < total_size(rb);
}

int ringbuf_poll_fd(struct bpf_map *map, int epfd, u64 data)
{
	if (!map_is_ringbuf(map) && !map_is_user_ringbuf(map))
		return -1;
	return pollsrc_fd(&rb_of(map)->poll, epfd, data);
}

/* RINGBUF and USER_RINGBUF: the differences are the helpers' and ring_ready's. */
const struct map_ops ringbuf_map_ops = {
	.alloc_check = ringbuf_alloc_check,
	.alloc = ringbuf_alloc,
	.free = ringbuf_free,
	.delete_user = ringbuf_no_elem,
	.mmap_layout = ringbuf_mmap_layout,
	.can_mmap = true,
};
