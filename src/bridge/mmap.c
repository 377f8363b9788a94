/* mmap(2) of a map descriptor: the kernel's checks (map_mmap_check and the map's size),
 * then a real shared mapping of the descriptor, which is an open of the map's backing
 * memfd: the application shares the memory programs use.  Types with their own layout
 * (ring buffers: data pages twice) are mapped in pieces (maps/map_mmap.c).  munmap(2) keeps
 * the count of writable mappings that BPF_MAP_FREEZE looks at.
 *
 * mmap(2) of a BPF_OUTPUT perf event's descriptor maps its ring (link/perf_event.h), and
 * munmap(2) of the last such mapping lets the ring go, as the kernel frees the buffer.
 *
 * Locking: map_lock protects the list of writable shared mappings of maps and of the
 * mappings of perf events.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "bridge.h"
#include "../obj/object.h"
#include "../maps/map.h"
#include "../lib/sys.h"
#include "../link/perf_event.h"

struct map_mapping {
	void *addr;
	size_t len;
	int prot, flags;
	struct bpf_map *map;     /* referenced, as the kernel's mapping holds the map's file */
	struct perf_event *perf; /* or a perf event's ring, the event referenced likewise */
};

static pthread_mutex_t map_lock = PTHREAD_MUTEX_INITIALIZER;
static struct map_mapping *mappings;
static size_t nr_mappings, mappings_cap;

typedef void *(*mmap_fn)(void *, size_t, int, int, int, off_t);

static void *mmap_error(int err)
{
	errno = err;
	return MAP_FAILED;
}

/* mmap's answer for map_mmap_pieces' */
static void *pieces_or_error(void *p)
{
	return IS_ERR(p) ? mmap_error((int)-PTR_ERR(p)) : p;
}

static bool remember(struct map_mapping m)
{
	bool ok = true;

	pthread_mutex_lock(&map_lock);
	if (nr_mappings == mappings_cap) {
		size_t cap = mappings_cap ? mappings_cap * 2 : 8;
		struct map_mapping *v = realloc(mappings, cap * sizeof(*v));
		if (v) {
			mappings = v;
			mappings_cap = cap;
		}
		ok = v != NULL;
	}
	if (ok)
		mappings[nr_mappings++] = m;
	pthread_mutex_unlock(&map_lock);
	return ok;
}

static bool remember_mapping(void *addr, size_t len, int prot, int flags, struct bpf_map *map)
{
	return remember((struct map_mapping){ addr, len, prot, flags, map, NULL });
}

/* A perf event's ring: the kernel's checks, then a shared mapping of the ring's pages. */
static void *mmap_perf(struct obj *o, void *addr, size_t len, int prot, int flags, off_t off)
{
	struct perf_event *ev = container_of(o, struct perf_event, obj);
	int memfd = -1;
	int err = off < 0 ? -EINVAL : perf_event_mmap_check(ev, len, prot, flags, (u64)off, &memfd);

	if (err) {
		perf_event_put(ev);
		return mmap_error(-err);
	}
	void *p = sys_mmap(addr, len, prot, flags, memfd, 0);
	if (p == MAP_FAILED || !remember((struct map_mapping){ p, len, prot, flags, NULL, ev })) {
		int saved = errno;
		perf_event_unmapped(ev);
		perf_event_put(ev);
		if (p != MAP_FAILED)
			sys_munmap(p, len);
		return mmap_error(p == MAP_FAILED ? saved : ENOMEM);
	}
	return p;
}

/* A map: the kernel's checks, then the file itself or, for types whose mapping shows it
 * otherwise (ring buffers), its pieces (map_mmap.c).  A writable shared mapping stays
 * remembered, holding the map, until munmap. */
static void *mmap_map(mmap_fn next, void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	struct obj *o = obj_from_fd(fd, 0, NULL);

	if (IS_ERR(o))
		return mmap_error((int)-PTR_ERR(o));
	if (o->type == OBJ_PERF_EVENT)
		return mmap_perf(o, addr, len, prot, flags, off);
	if (o->type != OBJ_MAP) { /* programs, BTF and links have no mmap */
		obj_put(o);
		return mmap_error(ENODEV);
	}
	struct bpf_map *map = map_of(o);
	struct map_mmap_piece pieces[MAP_MMAP_PIECES];
	int n = map_mmap_check(map, prot, flags, true);
	if (n) {
		map_put(map);
		return mmap_error(-n);
	}
	n = off < 0 ? -EINVAL : map_mmap_layout(map, (u64)off, len, prot, pieces);
	void *p = n < 0 ? mmap_error(-n) :
		  n > 0 ? pieces_or_error(map_mmap_pieces(addr, len, prot, flags, fd, pieces, n)) :
		  next  ? next(addr, len, prot, flags, fd, off) :
			  (void *)syscall(SYS_mmap, addr, len, prot, flags, fd, off);
	if (p == MAP_FAILED || !(prot & PROT_WRITE) || !(flags & MAP_SHARED) ||
	    !remember_mapping(p, len, prot, flags, map)) {
		int saved = errno;
		map_mmap_unmapped(map, prot, flags);
		map_put(map);
		errno = saved;
	}
	return p;
}

static void *mmap_common(mmap_fn next, void *addr, size_t len, int prot, int flags, int fd,
			 off_t off)
{
	if (!(flags & MAP_ANONYMOUS) && obj_fd_is_object(fd))
		return mmap_map(next, addr, len, prot, flags, fd, off);
	return next ? next(addr, len, prot, flags, fd, off) :
		      (void *)syscall(SYS_mmap, addr, len, prot, flags, fd, off);
}

EXPORT void *mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	return mmap_common(NEXT(mmap, mmap_fn), addr, len, prot, flags, fd, off);
}

EXPORT void *mmap64(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	return mmap_common(NEXT(mmap64, mmap_fn), addr, len, prot, flags, fd, off);
}

/* A writable mapping of a map stops counting once all of it is unmapped; so does a
 * mapping of a perf event's ring. */
static void forget_mappings(char *lo, char *hi)
{
	struct map_mapping gone[16];
	size_t n = 0;

	pthread_mutex_lock(&map_lock);
	for (size_t i = 0; i < nr_mappings && n < ARRAY_SIZE(gone);) {
		char *a = mappings[i].addr;
		if (a >= lo && a + mappings[i].len <= hi) {
			gone[n++] = mappings[i];
			mappings[i] = mappings[--nr_mappings];
		} else {
			i++;
		}
	}
	pthread_mutex_unlock(&map_lock);
	for (size_t i = 0; i < n; i++) {
		if (gone[i].perf) {
			perf_event_unmapped(gone[i].perf);
			perf_event_put(gone[i].perf);
			continue;
		}
		map_mmap_unmapped(gone[i].map, gone[i].prot, gone[i].flags);
		map_put(gone[i].map);
	}
}

EXPORT int munmap(void *addr, size_t len)
{
	int (*next)(void *, size_t) = NEXT(munmap, int (*)(void *, size_t));
	int ret = next ? next(addr, len) : (int)syscall(SYS_munmap, addr, len);
	if (ret == 0 && __atomic_load_n(&nr_mappings, __ATOMIC_RELAXED))
		forget_mappings(addr, (char *)addr + len);
	return ret;
}
