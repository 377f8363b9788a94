/* BPF_PROG_BIND_MAP: keeps a map alive as long as a program (libbpf binds a program's
 * .rodata, and probes for the command at every load).  The kernel adds the map to the
 * program's used maps; here bound maps are a list of their own, because runs read
 * used_maps with no lock, and the list holds references only.
 *
 * Locking: bind_lock protects every program's bound list.
 */
#include <pthread.h>
#include <stdlib.h>

#include "commands.h"
#include "../maps/map.h"

static pthread_mutex_t bind_lock = PTHREAD_MUTEX_INITIALIZER;

static bool uses_map(const struct bpf_prog *prog, const struct bpf_map *map)
{
	for (u32 i = 0; i < prog->nr_used_maps; i++)
		if (prog->used_maps[i] == map)
			return true;
	for (u32 i = 0; i < prog->nr_bound_maps; i++)
		if (prog->bound_maps[i] == map)
			return true;
	return false;
}

/* Adds map (whose reference the list takes) unless the program uses it already. */
static int bind(struct bpf_prog *prog, struct bpf_map *map)
{
	int err = 0;

	pthread_mutex_lock(&bind_lock);
	if (uses_map(prog, map)) {
		map_put(map);
	} else {
		struct bpf_map **v = realloc(prog->bound_maps,
					     (prog->nr_bound_maps + 1) * sizeof(*v));
		if (v) {
			prog->bound_maps = v;
			v[prog->nr_bound_maps++] = map;
		} else {
			map_put(map);
			err = -ENOMEM;
		}
	}
	pthread_mutex_unlock(&bind_lock);
	return err;
}

int prog_bind_map(union bpf_attr *attr, union bpf_attr *uattr, u32 size)
{
	if (attr->prog_bind_map.flags)
		return -EINVAL;
	struct bpf_prog *prog = prog_from_fd((int)attr->prog_bind_map.prog_fd);
	if (IS_ERR(prog))
		return (int)PTR_ERR(prog);
	struct bpf_map *map = map_from_fd((int)attr->prog_bind_map.map_fd, NULL);
	int err = IS_ERR(map) ? (int)PTR_ERR(map) : bind(prog, map);
	prog_put(prog);
	return err;
}

void prog_unbind_maps(struct bpf_prog *prog)
{
	for (u32 i = 0; i < prog->nr_bound_maps; i++)
		map_put(prog->bound_maps[i]);
	free(prog->bound_maps);
}
