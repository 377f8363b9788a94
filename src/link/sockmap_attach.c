/* Programs attached to socket maps (maps/sockmap.h): BPF_PROG_ATTACH, BPF_PROG_DETACH and
 * BPF_PROG_QUERY with a SOCKMAP or SOCKHASH as target, and the sockmap links of
 * BPF_LINK_CREATE (Linux 6.10), with the kernel's checks and errnos
 * (kernel/bpf/syscall.c, net/core/sock_map.c; tests/diff/maps_sockmap.c).  link.c
 * sends these commands here for every attach type but TCX's; the others (cgroups, flow
 * dissector, lirc ...) are not implemented: EINVAL, as an unknown attach type.
 *
 * Locking: the map locks its program slots; a link's lock (link.h) guards its map and
 * program. */

#include "commands.h"
#include "link.h"
#include "sockmap_attach.h"
#include "../lib/bpf_newer.h"
#include "../lib/uaccess.h"
#include "../maps/sockmap.h"

#define ATTACH_MASK_BASE (BPF_F_ALLOW_OVERRIDE | BPF_F_ALLOW_MULTI | BPF_F_REPLACE)

/* attach_type_to_prog_type, for the attach types implemented here; 0 for the others. */
static u32 sock_prog_type(u32 attach_type)
{
	switch (attach_type) {
	case BPF_SK_SKB_STREAM_PARSER:
	case BPF_SK_SKB_STREAM_VERDICT:
	case BPF_SK_SKB_VERDICT:
		return BPF_PROG_TYPE_SK_SKB;
	case BPF_SK_MSG_VERDICT:
		return BPF_PROG_TYPE_SK_MSG;
	default:
		return 0;
	}
}

/* expected_revision (Linux 6.6), which <linux/bpf.h> 6.1 does not name: only
 * multi-program hooks (tcx, netkit) take one. */
static u64 expected_revision(const union bpf_attr *attr)
{
	return ((const struct bpf_attr_prog_attach *)attr)->expected_revision;
}

int sockmap_prog_attach(const union bpf_attr *attr)
{
	u32 ptype = sock_prog_type(attr->attach_type);

	if (!ptype || (attr->attach_flags & ~(u32)ATTACH_MASK_BASE) || expected_revision(attr))
		return -EINVAL;
	struct bpf_prog *prog = prog_from_fd_type((int)attr->attach_bpf_fd, ptype);
	if (IS_ERR(prog))
		return (int)PTR_ERR(prog);
	int err = -EINVAL; /* sock_map_get_from_fd takes no flags and nothing to replace */
	if (!attr->attach_flags && !attr->replace_bpf_fd) {
		struct bpf_map *map = map_from_fd((int)attr->target_fd, NULL);
		err = IS_ERR(map) ? (int)PTR_ERR(map) :
				    sock_map_prog_update(map, prog, NULL, NULL, attr->attach_type);
		if (!IS_ERR(map))
			map_put(map);
	}
	prog_put(prog);
	return err;
}

int sockmap_prog_detach(const union bpf_attr *attr)
{
	u32 ptype = sock_prog_type(attr->attach_type);

	if (!ptype || attr->attach_flags || attr->replace_bpf_fd || expected_revision(attr))
		return -EINVAL;
	struct bpf_map *map = map_from_fd((int)attr->target_fd, NULL);
	if (IS_ERR(map))
		return (int)PTR_ERR(map);
	struct bpf_prog *prog = prog_from_fd_type((int)attr->attach_bpf_fd, ptype);
	int err = IS_ERR(prog) ? (int)PTR_ERR(prog) :
				 sock_map_prog_update(map, NULL, prog, NULL, attr->attach_type);
	if (!IS_ERR(prog))
		prog_put(prog);
	map_put(map);
	return err;
}

/* sock_map_bpf_prog_query: at most one program; no attach flags. */
int sockmap_prog_query(const union bpf_attr *attr, union bpf_attr *uattr)
{
	u32 id = 0, cnt;

	if (!sock_prog_type(attr->query.attach_type))
		return -EINVAL;
	if (attr->query.query_flags)
		return -EINVAL;
	struct bpf_map *map = map_from_fd((int)attr->query.target_fd, NULL);
	if (IS_ERR(map))
		return (int)PTR_ERR(map);
	int err = sock_map_prog_id(map, attr->query.attach_type, &id);
	map_put(map);
	cnt = id ? 1 : 0;
	if (!attr->query.prog_cnt || !attr->query.prog_ids)
		id = 0;
	uattr->query.attach_flags = 0;
	uattr->query.prog_cnt = cnt;
	if (id && copy_to_user(u64_to_ptr(attr->query.prog_ids), &id, sizeof(id)))
		return -EFAULT;
	return err;
}

int sockmap_link_attach(struct bpf_link *link, const union bpf_attr *attr)
{
	if (attr->link_create.flags)
		return -EINVAL;
	struct bpf_map *map = map_from_fd((int)attr->link_create.target_fd, NULL);
	if (IS_ERR(map))
		return (int)PTR_ERR(map);
	int err = is_sock_map(map) ?
			  sock_map_prog_update(map, link->prog, NULL, link, link->attach_type) :
			  -EINVAL;
	if (!err) {
		obj_get_user(&map->obj); /* the kernel's bpf_map_get_with_uref */
		link->map = map;
	}
	map_put(map);
	return err;
}

void sockmap_link_release(struct bpf_link *link, struct bpf_map *map, struct bpf_prog *prog)
{
	sock_map_prog_update(map, NULL, prog, link, link->attach_type);
	obj_put_user(&map->obj);
}

/* sock_map_link_update_prog: the same program type and attach type (EINVAL), the old one
 * named with BPF_F_REPLACE (EPERM), a link still attached (ENOLINK). */
int sockmap_link_update(struct bpf_link *link, struct bpf_prog *prog, struct bpf_prog *old)
{
	int err = 0;

	if (old && old != link->prog)
		err = -EPERM;
	else if (!link->map)
		err = -ENOLINK;
	else if (prog->type != link->prog->type ||
		 prog->expected_attach_type != link->prog->expected_attach_type)
		err = -EINVAL;
	else
		err = sock_map_prog_update(link->map, prog, link->prog, link, link->attach_type);
	if (!err) {
		prog_get(prog);
		prog_put(link->prog);
		link->prog = prog;
	}
	return err;
}

void sockmap_link_info(struct bpf_link *link, struct bpf_link_info *info)
{
	/* info->sockmap (Linux 6.10): the map's id and the attach type, after the link id */
	u32 *u = (u32 *)&info->raw_tracepoint;

	pthread_mutex_lock(&link->lock);
	u[0] = link->map ? link->map->obj.id : 0;
	u[1] = link->attach_type;
	pthread_mutex_unlock(&link->lock);
}
