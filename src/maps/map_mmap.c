/* What an mmap(2) of a map shows, and who maps it.
 *
 * Most mmapable types (arrays with BPF_F_MMAPABLE, arenas of values) show their memfd's
 * bytes at the same offsets: one mmap of a descriptor, which is an open of the memfd,
 * makes the mapping, in the bridge (libbpfrun.so) or, under the per-user runtime, in the
 * caller's own kernel once the runtime has checked it.  Ring buffers show their data pages
 * twice (map_ops.mmap_layout): the mapping is then pieces of the file side by side, which
 * map_mmap_pieces maps in process and the caller maps itself under the runtime, told the
 * pieces by BPFRUN_BPF_MMAP (libbpfrun-client.so asks when its mmap is refused).
 *
 * No locking: a layout reads only what is fixed at the map's creation.
 */
#include <errno.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bpfrun.h"
#include "map.h"
#include "../lib/sys.h"
#include "../lib/uaccess.h"

int map_mmap_layout(struct bpf_map *map, u64 off, u64 len, int prot,
		    struct map_mmap_piece pieces[MAP_MMAP_PIECES])
{
	u64 rlen = ROUND_UP(len, (u64)sysconf(_SC_PAGESIZE));
	struct stat st;

	if (rlen < len) /* rounding up wrapped: mmap's own answer */
		return -ENOMEM;
	if (map->ops->mmap_layout)
		return map->ops->mmap_layout(map, off, len, prot, pieces);
	if (map->obj.memfd < 0 || fstat(map->obj.memfd, &st) || off + rlen < off ||
	    off + rlen > (u64)st.st_size)
		return -EINVAL;
	return 0;
}

void *map_mmap_pieces(void *addr, u64 len, int prot, int flags, int fd,
		      const struct map_mmap_piece *pieces, int n)
{
	int fixed = flags & (MAP_FIXED | MAP_FIXED_NOREPLACE);
	char *base = sys_mmap(addr, len, PROT_NONE,
			      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | fixed, -1, 0);

	if (base == MAP_FAILED)
		return ERR_PTR(-errno);
	flags = (flags & ~(MAP_TYPE | MAP_FIXED_NOREPLACE)) | MAP_SHARED | MAP_FIXED;
	for (int i = 0; i < n; i++) {
		const struct map_mmap_piece *p = &pieces[i];
		if (sys_mmap(base + p->at, p->len, prot, flags, fd, (off_t)p->file_off) ==
		    MAP_FAILED) {
			int err = errno;
			sys_munmap(base, len);
			return ERR_PTR(-err);
		}
	}
	return base;
}

int map_mmap_uncounted(struct bpf_map *map, u64 off, u64 len, int prot, int flags,
		       struct map_mmap_piece pieces[MAP_MMAP_PIECES])
{
	int err = map_mmap_check(map, prot, flags, false);

	return err ? err : map_mmap_layout(map, off, len, prot, pieces);
}

int map_mmap_command(void *uattr, u32 size)
{
	struct bpfrun_mmap_attr a = { 0 };
	struct map_mmap_piece pieces[MAP_MMAP_PIECES];

	int err = check_uarg_tail_zero(uattr, sizeof(a), size);
	if (err)
		return err;
	if (copy_from_user(&a, uattr, MIN((size_t)size, sizeof(a))))
		return -EFAULT;
	struct obj *o = obj_from_fd(a.fd, 0, NULL);
	if (IS_ERR(o))
		return (int)PTR_ERR(o);
	if (o->type != OBJ_MAP) {
		obj_put(o);
		return -ENODEV; /* programs, BTF and links have no mmap */
	}
	struct bpf_map *map = map_of(o);
	int n = map_mmap_uncounted(map, a.off, a.len, (int)a.prot, (int)a.flags, pieces);
	map_put(map);
	if (n < 0)
		return n;
	a.nr_pieces = (u32)n;
	for (int i = 0; i < n; i++) {
		a.pieces[i].at = pieces[i].at;
		a.pieces[i].file_off = pieces[i].file_off;
		a.pieces[i].len = pieces[i].len;
	}
	return copy_to_user(uattr, &a, MIN((size_t)size, sizeof(a))) ? -EFAULT : 0;
}
