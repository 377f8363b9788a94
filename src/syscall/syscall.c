/* bpfrun_bpf(): the bpf(2) system call.
 *
 * The attribute union is copied in under the kernel's size rules (at most a page; bytes
 * past the union must be zero, else E2BIG), then each command checks that no byte past
 * its last field is set (EINVAL, the kernel's CHECK_ATTR) and runs.  Commands write
 * their outputs into a copy of the caller's union (uattr), whose changed bytes are
 * copied back at the end.  Caller memory is only touched through uaccess.h (EFAULT, not
 * a crash, for bad pointers).  No lock here: each command's module does its own locking.
 */
#include <string.h>
#include <unistd.h>

#include "bpfrun.h"
#include "../lib/bpf_newer.h"
#include "../lib/common.h"
#include "../obj/object.h"
#include "../btf/btf.h"
#include "../lib/uaccess.h"
#include "../lib/task.h"
#include "../maps/map.h"
#include "../obj/prog.h"
#include "../prog/commands.h"
#include "../link/commands.h"
#include "../link/link.h"

#define ATTR_END(field) (offsetof(union bpf_attr, field) + sizeof(((union bpf_attr *)0)->field))

/* Every command handler has this signature: attr is the size-checked copy of the caller's
 * union, outputs go into uattr (a second copy, whose changed bytes are written back),
 * size is what the caller passed. */
typedef int (*cmd_fn)(union bpf_attr *attr, union bpf_attr *uattr, u32 size);

struct cmd_desc {
	cmd_fn fn;
	size_t last_field_end; /* CHECK_ATTR: bytes from here on must be zero */
};

static int copy_pathname(const union bpf_attr *a, char *path, size_t len)
{
	long n = strncpy_from_user(path, u64_to_ptr(a->pathname), len);

	if (n < 0)
		return (int)n;
	return (size_t)n == len ? -ENAMETOOLONG : 0;
}

static int obj_pin_path(union bpf_attr *a, union bpf_attr *u, u32 size)
{
	char path[4096];
	if (a->file_flags)
		return -EINVAL;
	int err = copy_pathname(a, path, sizeof(path));
	if (err)
		return err;
	struct obj *o = obj_from_fd((int)a->bpf_fd, 0, NULL);
	if (IS_ERR(o))
		return -EINVAL; /* the kernel: any descriptor that is no map or program */
	if (o->type == OBJ_BTF || o->type == OBJ_PERF_EVENT) {
		obj_put(o);
		return -EINVAL;
	}
	err = pin_add(path, o);
	obj_put(o);
	return err;
}

static int obj_get_pinned(union bpf_attr *a, union bpf_attr *u, u32 size)
{
	char path[4096];
	if (a->bpf_fd || (a->file_flags & ~(u32)(BPF_F_RDONLY | BPF_F_WRONLY)) ||
	    (a->file_flags & (BPF_F_RDONLY | BPF_F_WRONLY)) == (BPF_F_RDONLY | BPF_F_WRONLY))
		return -EINVAL;
	int err = copy_pathname(a, path, sizeof(path));
	if (err)
		return err;
	struct obj *o = pin_get(path);
	if (IS_ERR(o))
		return (int)PTR_ERR(o);
	int fd = obj_fd_new(o, a->file_flags);
	obj_put(o);
	return fd;
}

static int next_id(union bpf_attr *a, union bpf_attr *u, enum obj_type t)
{
	if (a->start_id >= INT32_MAX)
		return -EINVAL;
	u32 id = obj_next_id(t, a->start_id);
	if (!id)
		return -ENOENT;
	u->next_id = id;
	return 0;
}

/* BTF object 1 is the kernel's (btf_vmlinux), there from the start as in the kernel:
 * made when a lookup first reaches it. */
static void btf_vmlinux_exists(void)
{
	struct btf_obj *b = btf_vmlinux();

	if (b)
		btf_obj_put(b);
}

static int map_get_next_id(union bpf_attr *a, union bpf_attr *u, u32 size)
{
	return next_id(a, u, OBJ_MAP);
}

static int prog_get_next_id(union bpf_attr *a, union bpf_attr *u, u32 size)
{
	return next_id(a, u, OBJ_PROG);
}

static int btf_get_next_id(union bpf_attr *a, union bpf_attr *u, u32 size)
{
	if (a->start_id < BTF_VMLINUX_ID)
		btf_vmlinux_exists();
	return next_id(a, u, OBJ_BTF);
}

static int link_get_next_id(union bpf_attr *a, union bpf_attr *u, u32 size)
{
	return next_id(a, u, OBJ_LINK);
}

static int fd_by_id(u32 id, u32 open_flags, enum obj_type t)
{
	struct obj *o = obj_by_id(t, id);
	if (!o)
		return -ENOENT;
	int fd = obj_fd_new(o, open_flags);
	obj_put(o);
	return fd;
}

static int map_get_fd_by_id(union bpf_attr *a, union bpf_attr *u, u32 size)
{
	if ((a->open_flags & ~(u32)(BPF_F_RDONLY | BPF_F_WRONLY)) ||
	    (a->open_flags & (BPF_F_RDONLY | BPF_F_WRONLY)) == (BPF_F_RDONLY | BPF_F_WRONLY))
		return -EINVAL;
	return fd_by_id(a->map_id, a->open_flags, OBJ_MAP);
}

static int prog_get_fd_by_id(union bpf_attr *a, union bpf_attr *u, u32 size)
{
	return fd_by_id(a->prog_id, 0, OBJ_PROG);
}

static int btf_get_fd_by_id(union bpf_attr *a, union bpf_attr *u, u32 size)
{
	if (a->btf_id == BTF_VMLINUX_ID)
		btf_vmlinux_exists();
	return fd_by_id(a->btf_id, 0, OBJ_BTF);
}

static int link_get_fd_by_id(union bpf_attr *a, union bpf_attr *u, u32 size)
{
	return fd_by_id(a->link_id, 0, OBJ_LINK);
}

/* BPF_OBJ_GET_INFO_BY_FD: the kernel copies min(info_len, sizeof(info)) in and out. */
static int obj_get_info_by_fd(union bpf_attr *a, union bpf_attr *u, u32 size)
{
	union {
		struct bpf_map_info map;
		struct bpf_prog_info prog;
		struct bpf_btf_info btf;
		struct bpf_link_info link;
		u8 link_newer[BPFRUN_LINK_INFO_SIZE]; /* the kernel's link info is longer */
	} info;
	void *uinfo = u64_to_ptr(a->info.info);
	u32 ulen = a->info.info_len;
	struct obj *o = obj_from_fd((int)a->info.bpf_fd, 0, NULL);
	if (IS_ERR(o))
		return PTR_ERR(o) == -EBADF ? -EBADFD : (int)PTR_ERR(o); /* as the kernel */
	if (o->type == OBJ_PERF_EVENT) {
		obj_put(o);
		return -EINVAL;
	}
	size_t ksize = o->type == OBJ_MAP  ? sizeof(info.map) :
		       o->type == OBJ_PROG ? sizeof(info.prog) :
		       o->type == OBJ_LINK ? sizeof(info.link_newer) :
					     sizeof(info.btf);
	u32 len = (u32)MIN((size_t)ulen, ksize);
	memset(&info, 0, sizeof(info));
	int err = check_uarg_tail_zero(uinfo, ksize, ulen);
	if (!err) /* some fields are inputs (buffer pointers and sizes) */
		err = copy_from_user(&info, uinfo, len);
	if (err)
		goto out;
	if (o->type == OBJ_MAP)
		err = map_get_info(map_of(o), &info.map);
	else if (o->type == OBJ_PROG)
		err = prog_get_info(prog_of(o), &info.prog);
	else if (o->type == OBJ_LINK)
		err = link_get_info(link_of(o), &info.link);
	else
		err = btf_get_info(container_of(o, struct btf_obj, obj), &info.btf);
	/* BTF's ENOSPC (a short name buffer) still gives the info back, as the kernel's */
	bool give = !err || (err == -ENOSPC && o->type == OBJ_BTF);
	if (give && copy_to_user(uinfo, &info, len))
		err = -EFAULT;
	else if (give)
		u->info.info_len = len;
out:
	obj_put(o);
	return err;
}

#define CMD(c, f, last) [c] = { f, ATTR_END(last) }
static const struct cmd_desc commands[] = {
	CMD(BPF_MAP_CREATE, map_create, map_extra),
	CMD(BPF_MAP_LOOKUP_ELEM, map_lookup_elem, flags),
	CMD(BPF_MAP_UPDATE_ELEM, map_update_elem, flags),
	CMD(BPF_MAP_DELETE_ELEM, map_delete_elem, key),
	CMD(BPF_MAP_GET_NEXT_KEY, map_get_next_key, next_key),
	CMD(BPF_MAP_LOOKUP_AND_DELETE_ELEM, map_lookup_and_delete_elem, flags),
	CMD(BPF_MAP_FREEZE, map_freeze, map_fd),
	CMD(BPF_MAP_LOOKUP_BATCH, map_lookup_batch, batch.flags),
	CMD(BPF_MAP_LOOKUP_AND_DELETE_BATCH, map_lookup_and_delete_batch, batch.flags),
	CMD(BPF_MAP_UPDATE_BATCH, map_update_batch, batch.flags),
	CMD(BPF_MAP_DELETE_BATCH, map_delete_batch, batch.flags),
	CMD(BPF_PROG_LOAD, prog_load, core_relo_rec_size),
	CMD(BPF_PROG_TEST_RUN, prog_test_run, test.batch_size),
	CMD(BPF_OBJ_PIN, obj_pin_path, file_flags),
	CMD(BPF_OBJ_GET, obj_get_pinned, file_flags),
	CMD(BPF_OBJ_GET_INFO_BY_FD, obj_get_info_by_fd, info.info),
	CMD(BPF_MAP_GET_NEXT_ID, map_get_next_id, next_id),
	CMD(BPF_PROG_GET_NEXT_ID, prog_get_next_id, next_id),
	CMD(BPF_BTF_GET_NEXT_ID, btf_get_next_id, next_id),
	CMD(BPF_MAP_GET_FD_BY_ID, map_get_fd_by_id, open_flags),
	CMD(BPF_PROG_GET_FD_BY_ID, prog_get_fd_by_id, prog_id),
	CMD(BPF_BTF_GET_FD_BY_ID, btf_get_fd_by_id, btf_id),
	CMD(BPF_BTF_LOAD, btf_load, btf_log_level),
	CMD(BPF_RAW_TRACEPOINT_OPEN, raw_tracepoint_open, raw_tracepoint.prog_fd),
	CMD(BPF_LINK_CREATE, link_create, link_create.kprobe_multi.cookies),
	CMD(BPF_LINK_UPDATE, link_update, link_update.old_prog_fd),
	CMD(BPF_LINK_DETACH, link_detach, link_detach.link_fd),
	CMD(BPF_LINK_GET_NEXT_ID, link_get_next_id, next_id),
	CMD(BPF_LINK_GET_FD_BY_ID, link_get_fd_by_id, link_id),
	CMD(BPF_PROG_BIND_MAP, prog_bind_map, prog_bind_map.flags),
	/* the Linux 6.6 layouts, up to expected_revision and revision (lib/bpf_newer.h) */
	[BPF_PROG_ATTACH] = { prog_attach, sizeof(struct bpf_attr_prog_attach) },
	[BPF_PROG_DETACH] = { prog_detach, sizeof(struct bpf_attr_prog_attach) },
	[BPF_PROG_QUERY] = { prog_query, sizeof(struct bpf_attr_prog_query) },
};

/* Copies the bytes of the caller's union that the command changed back into it (the
 * kernel's put_user of each output field). */
static int write_back(union bpf_attr *uattr, const union bpf_attr *before,
		      const union bpf_attr *after)
{
	const u8 *b = (const u8 *)before, *a = (const u8 *)after;
	size_t first = 0, end = sizeof(*after);

	if (!memcmp(before, after, sizeof(*after)))
		return 0; /* the common case: nothing to write */
	while (first < end && a[first] == b[first])
		first++;
	while (end > first && a[end - 1] == b[end - 1])
		end--;
	return copy_to_user((u8 *)uattr + first, a + first, end - first);
}

static long do_bpf(int cmd, union bpf_attr *uattr, unsigned int size)
{
	union bpf_attr attr, out, before;
	/* bpfrun's own commands (bpfrun.h), not in the table */
	if (cmd == BPFRUN_BPF_FIRE)
		return link_fire_command(uattr, size);
	if (cmd == BPFRUN_BPF_POLL)
		return link_poll_command(uattr, size);
	if (cmd == BPFRUN_BPF_MMAP)
		return map_mmap_command(uattr, size);
	int err = check_uarg_tail_zero(uattr, sizeof(attr), size);

	if (err)
		return err;
	size = (unsigned int)MIN((size_t)size, sizeof(attr));
	memset(&attr, 0, sizeof(attr));
	if (copy_from_user(&attr, uattr, size))
		return -EFAULT;
	if (cmd < 0 || (size_t)cmd >= ARRAY_SIZE(commands) || !commands[cmd].fn)
		return -EINVAL;
	if (!mem_is_zero(&attr, commands[cmd].last_field_end, sizeof(attr)))
		return -EINVAL;
	before = out = attr;
	long ret = commands[cmd].fn(&attr, &out, size);
	if (write_back(uattr, &before, &out))
		return -EFAULT;
	return ret;
}

long bpfrun_bpf(int cmd, union bpf_attr *uattr, unsigned int size)
{
	/* the user/kernel boundary of the stack helpers (lib/task.h), for the command that
	 * runs programs (the others stay free of it) */
	bool runs = cmd == BPF_PROG_TEST_RUN;
	struct task_entry outer,
		here = { (u64)(uintptr_t)bpfrun_bpf, (u64)(uintptr_t)__builtin_return_address(0),
			 (u64)(uintptr_t)__builtin_frame_address(0) };

	if (runs)
		outer = task_set_entry(here);
	long ret = do_bpf(cmd, uattr, size);

	if (runs)
		task_set_entry(outer);
	if (ret < 0) {
		errno = (int)-ret;
		return -1;
	}
	return ret;
}
