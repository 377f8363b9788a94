/* An ordinary libbpf program: opens and loads an object with BTF-defined maps and global
 * data, uses the maps from user space, reads and writes the globals through libbpf's
 * mmap of them, runs the program, pins/gets/unpins a map, and checks that close(2),
 * dup(2), dup2(2), fcntl(F_DUPFD*) and close_range(2) move the references (a map's id
 * disappears with its last descriptor).  Same output on the kernel and on bpfrun.
 * tests/linked/core_linked.c runs this file linked with -lbpfrun. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <linux/bpf.h>

#include "difftest.h"

static struct bpf_object *obj;

static const char *err_str(int ret)
{
	static char buf[64];
	if (ret >= 0)
		return "ok";
	const char *name = strerrorname_np(-ret);
	if (name)
		snprintf(buf, sizeof(buf), "%s", name);
	else
		snprintf(buf, sizeof(buf), "errno %d", -ret);
	return buf;
}

/* 0 or -errno of a libbpf low-level call (they return -1 and set errno). */
static int ret_of(int ret)
{
	return ret < 0 ? -errno : ret;
}

static void user_space_maps(void)
{
	int arr = map_fd(obj, "core_arr"), hash = map_fd(obj, "core_hash");
	__u64 v;

	for (__u32 k = 0; k < 4; k++) {
		v = k * 10;
		CHECK(bpf_map_update_elem(arr, &k, &v, BPF_ANY) == 0, "array update %u", k);
	}
	__u32 k = 2;
	int r = ret_of(bpf_map_lookup_elem(arr, &k, &v));
	out("array[2]: %s %llu", err_str(r), (unsigned long long)v);
	k = 4;
	out("array[4] lookup: %s", err_str(ret_of(bpf_map_lookup_elem(arr, &k, &v))));
	out("array[4] update: %s", err_str(ret_of(bpf_map_update_elem(arr, &k, &v, BPF_ANY))));

	for (k = 1; k <= 5; k++) {
		v = k * 100;
		bpf_map_update_elem(hash, &k, &v, BPF_NOEXIST);
	}
	k = 3;
	out("hash noexist on existing: %s",
	    err_str(ret_of(bpf_map_update_elem(hash, &k, &v, BPF_NOEXIST))));
	out("hash delete 3: %s", err_str(ret_of(bpf_map_delete_elem(hash, &k))));
	out("hash lookup 3: %s", err_str(ret_of(bpf_map_lookup_elem(hash, &k, &v))));
	__u32 key, next, sum = 0, count = 0;
	for (int rr = bpf_map_get_next_key(hash, NULL, &next); rr == 0;
	     rr = bpf_map_get_next_key(hash, &key, &next)) {
		key = next;
		count++;
		sum += next;
	}
	out("hash keys: %u, sum %u", count, sum);
}

static struct bpf_map *internal_map(const char *suffix)
{
	struct bpf_map *m;
	bpf_object__for_each_map(m, obj)
	{
		const char *name = bpf_map__name(m);
		size_t n = strlen(name), s = strlen(suffix);
		if (n >= s && !strcmp(name + n - s, suffix))
			return m;
	}
	return NULL;
}

/* Maps a global-data map as a libbpf skeleton does (libbpf 1.1 maps them only for
 * skeletons): a shared mapping of the map's descriptor. */
static void *map_globals(struct bpf_map *m, int prot)
{
	size_t len = (bpf_map__value_size(m) + 4095) & ~(size_t)4095;
	void *p = mmap(NULL, len, prot, MAP_SHARED, bpf_map__fd(m), 0);
	return p == MAP_FAILED ? NULL : p;
}

static __u64 *counter;
static __u32 *bumps;

static void global_data(void)
{
	struct bpf_map *data = internal_map(".data"), *bss = internal_map(".bss"),
		       *ro = internal_map(".rodata");
	CHECK(data && bss && ro, "internal maps");
	if (!data || !bss || !ro)
		return;
	counter = map_globals(data, PROT_READ | PROT_WRITE);
	bumps = map_globals(bss, PROT_READ | PROT_WRITE);
	const __u32 *step = map_globals(ro, PROT_READ);
	CHECK(counter && bumps && step, "mmap of the global data maps");
	if (!counter || !bumps || !step)
		exit(finish());
	out("globals: counter %llu, bumps %u, step %u", (unsigned long long)*counter, *bumps,
	    *step);
	out("writable mapping of .rodata: %s",
	    map_globals(ro, PROT_READ | PROT_WRITE) ? "ok" : err_str(-errno));
	out("private mapping of .data: %s",
	    mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, bpf_map__fd(data), 0) != MAP_FAILED ?
		    "ok" :
		    err_str(-errno));
	out("mapping past the end: %s",
	    mmap(NULL, 8192, PROT_READ, MAP_SHARED, bpf_map__fd(data), 0) != MAP_FAILED ?
		    "ok" :
		    err_str(-errno));
	out("mapping of the hash map: %s",
	    mmap(NULL, 4096, PROT_READ, MAP_SHARED, map_fd(obj, "core_hash"), 0) != MAP_FAILED ?
		    "ok" :
		    err_str(-errno));

	int fd = bpf_map__fd(data);
	__u32 zero = 0;
	__u64 v = 0;
	*counter = 100;
	bpf_map_lookup_elem(fd, &zero, &v);
	out(".data after a write through the mapping: %llu", (unsigned long long)v);
	v = 55;
	bpf_map_update_elem(fd, &zero, &v, BPF_ANY);
	out("mapping after an update: %llu", (unsigned long long)*counter);
	out("freeze of .data while mapped writable: %s", err_str(ret_of(bpf_map_freeze(fd))));
	__u32 nstep = 1;
	out(".rodata update: %s",
	    err_str(ret_of(bpf_map_update_elem(bpf_map__fd(ro), &zero, &nstep, BPF_ANY))));
	out(".rodata freeze again: %s", err_str(ret_of(bpf_map_freeze(bpf_map__fd(ro)))));
}

static void run_program(void)
{
	__u32 retval = 0, zero = 0;
	__u64 v = 0;
	int err = run_prog(prog_fd(obj, "core_bump"), NULL, 0, &retval);
	out("run: %s, retval %u", err_str(err), retval);
	bpf_map_lookup_elem(map_fd(obj, "core_arr"), &zero, &v);
	out("after the run: counter %llu, bumps %u, array[0] %llu", (unsigned long long)*counter,
	    *bumps, (unsigned long long)v);
}

static __u32 map_id(int fd)
{
	struct bpf_map_info info;
	__u32 len = sizeof(info);
	memset(&info, 0, sizeof(info));
	return bpf_obj_get_info_by_fd(fd, &info, &len) ? 0 : info.id;
}

static void pinning(void)
{
	char path[128], dir[128], in_dir[160];
	struct bpf_map *m = bpf_object__find_map_by_name(obj, "core_hash");
	kernel_bpffs();
	snprintf(path, sizeof(path), "/sys/fs/bpf/bpfrun_core_obj_%d", getpid());

	out("pin: %s", err_str(bpf_map__pin(m, path)));
	int fd = ret_of(bpf_obj_get(path));
	out("get: %s, same map %d", err_str(fd), fd >= 0 && map_id(fd) == map_id(bpf_map__fd(m)));
	__u32 k = 42;
	__u64 v = 4242, w = 0;
	bpf_map_update_elem(fd, &k, &v, BPF_ANY);
	bpf_map_lookup_elem(bpf_map__fd(m), &k, &w);
	out("update through the pinned fd seen: %llu", (unsigned long long)w);
	out("pin again (libbpf): %s", err_str(bpf_map__pin(m, path)));
	out("bpf_obj_pin on a pinned path: %s", err_str(ret_of(bpf_obj_pin(fd, path))));
	out("access: %d", access(path, F_OK));
	close(fd);
	out("unpin: %s", err_str(bpf_map__unpin(m, NULL)));
	out("get after unpin: %s", err_str(ret_of(bpf_obj_get(path))));
	out("unlink after unpin: %s", err_str(unlink(path) ? -errno : 0));

	snprintf(dir, sizeof(dir), "/sys/fs/bpf/bpfrun_core_dir_%d", getpid());
	snprintf(in_dir, sizeof(in_dir), "%s/arr", dir);
	struct bpf_map *a = bpf_object__find_map_by_name(obj, "core_arr");
	out("pin in a new directory: %s", err_str(bpf_map__pin(a, in_dir)));
	out("rmdir of the non-empty directory: %s", err_str(rmdir(dir) ? -errno : 0));
	out("unpin: %s", err_str(bpf_map__unpin(a, NULL)));
	out("rmdir: %s", err_str(rmdir(dir) ? -errno : 0));
	out("bpf_obj_get of a missing pin: %s", err_str(ret_of(bpf_obj_get(path))));
	out("bpf_obj_pin outside a bpffs: %s",
	    err_str(ret_of(bpf_obj_pin(bpf_map__fd(a), "/tmp/bpfrun_core_x"))));
}

/* True when id is listed by BPF_MAP_GET_NEXT_ID. */
static bool listed(__u32 id)
{
	__u32 cur = 0, next;
	while (bpf_map_get_next_id(cur, &next) == 0) {
		if (next == id)
			return true;
		cur = next;
	}
	return false;
}

static int new_map(void)
{
	return bpf_map_create(BPF_MAP_TYPE_ARRAY, "core_ref", 4, 8, 1, NULL);
}

static void references(void)
{
	int fd = new_map();
	__u32 id = map_id(fd);
	int d = dup(fd);
	close(fd);
	out("dup keeps the map: %d", listed(id));
	close(d);
	out("closing the last fd removes it: %d", !listed(id));

	int a = new_map(), b = new_map();
	__u32 ida = map_id(a), idb = map_id(b);
	out("dup2 over a map fd: %d", dup2(a, b) == b);
	out("the map dup2 replaced is gone: %d, the other kept: %d", !listed(idb), listed(ida));
	close(a);
	out("after closing the original: %d", listed(ida));
	close(b);
	out("after closing the copy: %d", !listed(ida));

	fd = new_map();
	id = map_id(fd);
	int hi = fcntl(fd, F_DUPFD_CLOEXEC, 100);
	out("F_DUPFD_CLOEXEC: %d, cloexec %d", hi >= 100 && map_id(hi) == id,
	    fcntl(hi, F_GETFD) == FD_CLOEXEC);
	close(fd);
	int hi2 = fcntl(hi, F_DUPFD, 200);
	close(hi);
	out("F_DUPFD copy keeps it: %d", listed(id));
	close_range((unsigned int)hi2, (unsigned int)hi2, 0);
	out("close_range removes it: %d", !listed(id));
}

static void run_all(void)
{
	obj = load_obj("core_globals");
	user_space_maps();
	global_data();
	run_program();
	pinning();
	references();
	bpf_object__close(obj);
}

#ifndef CORE_LINKED
int main(void)
{
	run_all();
	return finish();
}
#endif
