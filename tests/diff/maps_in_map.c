/* Maps of maps against the kernel (tests/bpf/maps_in_map.bpf.c): creation with the inner
 * map template (inner_map_fd, one level only, BPF_F_INNER_MAP), user updates by
 * descriptor checked against the template, lookups returning ids, the element errors and
 * key walks of ARRAY_OF_MAPS and HASH_OF_MAPS, programs reaching inner maps by lookup, an
 * inner map that lives while only its outer map holds it, and timers in inner maps living
 * and dying with the inner map (the kernel's timer_mim selftest scenario). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "difftest.h"

static struct bpf_object *obj, *tmpl;

/* maps_in_map.bpf.o with outer_hash's inner map template from maps_in_map_tmpl.bpf.o */
static struct bpf_object *load_with_template(void)
{
	tmpl = load_obj("maps_in_map_tmpl");
	struct bpf_object *o = bpf_object__open_file(obj_path("maps_in_map"), NULL);
	if (!o ||
	    bpf_map__set_inner_map_fd(bpf_object__find_map_by_name(o, "outer_hash"),
				      map_fd(tmpl, "inner_t")) ||
	    bpf_object__load(o)) {
		out("cannot load maps_in_map with its template");
		exit(1);
	}
	return o;
}

static int errno_of(int ret)
{
	return ret < 0 ? -errno : ret;
}

static int array(__u32 max, __u32 value_size, __u32 flags)
{
	LIBBPF_OPTS(bpf_map_create_opts, o, .map_flags = flags);

	return bpf_map_create(BPF_MAP_TYPE_ARRAY, NULL, 4, value_size, max, &o);
}

static int outer(__u32 type, __u32 key_size, __u32 value_size, int inner, __u32 flags)
{
	LIBBPF_OPTS(bpf_map_create_opts, o, .inner_map_fd = (__u32)inner, .map_flags = flags);

	return bpf_map_create(type, NULL, key_size, value_size, 4, &o);
}

static void show_create(const char *what, int fd)
{
	out("create %s: %d", what, fd < 0 ? -errno : 0);
	if (fd >= 0)
		close(fd);
}

static void create(void)
{
	int a = array(4, 8, 0), h = bpf_map_create(BPF_MAP_TYPE_HASH, NULL, 4, 8, 4, NULL);
	int rb = bpf_map_create(BPF_MAP_TYPE_RINGBUF, NULL, 0, 0, 4096, NULL);
	int pa = bpf_map_create(BPF_MAP_TYPE_PROG_ARRAY, NULL, 4, 4, 4, NULL);
	int mim = outer(BPF_MAP_TYPE_ARRAY_OF_MAPS, 4, 4, a, 0);

	show_create("array of arrays", outer(BPF_MAP_TYPE_ARRAY_OF_MAPS, 4, 4, a, 0));
	show_create("hash of hashes", outer(BPF_MAP_TYPE_HASH_OF_MAPS, 8, 4, h, 0));
	show_create("array of ring buffers", outer(BPF_MAP_TYPE_ARRAY_OF_MAPS, 4, 4, rb, 0));
	show_create("array of prog arrays", outer(BPF_MAP_TYPE_ARRAY_OF_MAPS, 4, 4, pa, 0));
	show_create("array of maps of maps", outer(BPF_MAP_TYPE_ARRAY_OF_MAPS, 4, 4, mim, 0));
	show_create("hash of maps of maps", outer(BPF_MAP_TYPE_HASH_OF_MAPS, 4, 4, mim, 0));
	show_create("no inner map", outer(BPF_MAP_TYPE_ARRAY_OF_MAPS, 4, 4, 0, 0));
	show_create("closed inner fd", outer(BPF_MAP_TYPE_ARRAY_OF_MAPS, 4, 4, 999, 0));
	show_create("value_size 8", outer(BPF_MAP_TYPE_ARRAY_OF_MAPS, 4, 8, a, 0));
	show_create("array key_size 8", outer(BPF_MAP_TYPE_ARRAY_OF_MAPS, 8, 4, a, 0));
	show_create("hash key_size 0", outer(BPF_MAP_TYPE_HASH_OF_MAPS, 0, 4, a, 0));
	show_create("array mmapable", outer(BPF_MAP_TYPE_ARRAY_OF_MAPS, 4, 4, a, BPF_F_MMAPABLE));
	show_create("array rdonly_prog",
		    outer(BPF_MAP_TYPE_ARRAY_OF_MAPS, 4, 4, a, BPF_F_RDONLY_PROG));
	show_create("hash no_prealloc",
		    outer(BPF_MAP_TYPE_HASH_OF_MAPS, 4, 4, a, BPF_F_NO_PREALLOC));
	/* past 2^31 entries: refused before any allocation, as a hash's */
	LIBBPF_OPTS(bpf_map_create_opts, big, .inner_map_fd = (__u32)a);
	show_create("hash 2^31+1 entries",
		    bpf_map_create(BPF_MAP_TYPE_HASH_OF_MAPS, NULL, 4, 4, (1u << 31) + 1, &big));
	close(a);
	close(h);
	close(rb);
	close(pa);
	close(mim);
}

static __u32 id_of(int fd)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);

	return bpf_obj_get_info_by_fd(fd, &info, &len) ? 0 : info.id;
}

static void array_elems(void)
{
	int model = array(4, 8, 0), o = outer(BPF_MAP_TYPE_ARRAY_OF_MAPS, 4, 4, model, 0);
	int same = array(4, 8, 0), other_max = array(8, 8, 0), other_value = array(4, 16, 0);
	__u32 k = 1, v = (__u32)same, id = 0, next = 0;

	out("update matching: %d", errno_of(bpf_map_update_elem(o, &k, &v, BPF_ANY)));
	int err = errno_of(bpf_map_lookup_elem(o, &k, &id));
	out("lookup: %d, the inner map's id: %d", err, id == id_of(same));
	v = (__u32)other_max;
	out("update other max_entries: %d", errno_of(bpf_map_update_elem(o, &k, &v, BPF_ANY)));
	v = (__u32)other_value;
	out("update other value_size: %d", errno_of(bpf_map_update_elem(o, &k, &v, BPF_ANY)));
	v = (__u32)same;
	out("update NOEXIST: %d", errno_of(bpf_map_update_elem(o, &k, &v, BPF_NOEXIST)));
	out("update EXIST: %d", errno_of(bpf_map_update_elem(o, &k, &v, BPF_EXIST)));
	k = 4;
	out("update index 4: %d", errno_of(bpf_map_update_elem(o, &k, &v, BPF_ANY)));
	out("lookup index 4: %d", errno_of(bpf_map_lookup_elem(o, &k, &id)));
	out("delete index 4: %d", errno_of(bpf_map_delete_elem(o, &k)));
	k = 2;
	out("lookup empty: %d", errno_of(bpf_map_lookup_elem(o, &k, &id)));
	out("delete empty: %d", errno_of(bpf_map_delete_elem(o, &k)));
	v = 999;
	out("update closed fd: %d", errno_of(bpf_map_update_elem(o, &k, &v, BPF_ANY)));
	v = (__u32)o;
	out("update itself: %d", errno_of(bpf_map_update_elem(o, &k, &v, BPF_ANY)));
	int r = bpf_map_get_next_key(o, NULL, &next);
	out("next key of none: %d %u", errno_of(r), next);
	k = 3;
	out("next key of last: %d", errno_of(bpf_map_get_next_key(o, &k, &next)));
	k = 1;
	err = errno_of(bpf_map_delete_elem(o, &k));
	out("delete: %d, again %d", err, errno_of(bpf_map_delete_elem(o, &k)));

	/* BPF_F_INNER_MAP: arrays of any max_entries fit */
	int t2 = array(4, 8, BPF_F_INNER_MAP), o2 = outer(BPF_MAP_TYPE_ARRAY_OF_MAPS, 4, 4, t2, 0);
	int big = array(16, 8, BPF_F_INNER_MAP);
	v = (__u32)big;
	out("inner_map flag, other max_entries: %d",
	    errno_of(bpf_map_update_elem(o2, &k, &v, BPF_ANY)));
	v = (__u32)other_max;
	out("inner_map flag, flags differ: %d", errno_of(bpf_map_update_elem(o2, &k, &v, BPF_ANY)));
	int fds[] = { model, o, same, other_max, other_value, t2, o2, big };
	for (unsigned i = 0; i < sizeof(fds) / sizeof(fds[0]); i++)
		close(fds[i]);
}

static void hash_elems(void)
{
	int model = bpf_map_create(BPF_MAP_TYPE_HASH, NULL, 4, 8, 4, NULL);
	int o = outer(BPF_MAP_TYPE_HASH_OF_MAPS, 8, 4, model, 0);
	int big = bpf_map_create(BPF_MAP_TYPE_HASH, NULL, 4, 8, 100, NULL);
	__u64 k = 5, seen = 0, prev, key;
	__u32 v = (__u32)big, id = 0;

	out("hash: update other max_entries: %d",
	    errno_of(bpf_map_update_elem(o, &k, &v, BPF_ANY)));
	int err = errno_of(bpf_map_lookup_elem(o, &k, &id));
	out("hash: lookup %d id matches %d", err, id == id_of(big));
	out("hash: NOEXIST existing %d", errno_of(bpf_map_update_elem(o, &k, &v, BPF_NOEXIST)));
	k = 6;
	out("hash: EXIST missing %d", errno_of(bpf_map_update_elem(o, &k, &v, BPF_EXIST)));
	out("hash: bad flags %d", errno_of(bpf_map_update_elem(o, &k, &v, 7)));
	for (k = 10; k < 14; k++)
		out("hash: insert %llu: %d", (unsigned long long)k,
		    errno_of(bpf_map_update_elem(o, &k, &v, BPF_NOEXIST)));
	int n = 0;
	for (int r = bpf_map_get_next_key(o, NULL, &key); !r;
	     prev = key, r = bpf_map_get_next_key(o, &prev, &key)) {
		seen |= 1ull << key;
		n++;
	}
	out("hash: walk %d keys, set %llx", n, (unsigned long long)seen);
	k = 99;
	out("hash: next of a missing key %d", errno_of(bpf_map_get_next_key(o, &k, &key)));
	out("hash: delete missing %d", errno_of(bpf_map_delete_elem(o, &k)));
	k = 5;
	err = errno_of(bpf_map_delete_elem(o, &k));
	out("hash: delete %d, again %d", err, errno_of(bpf_map_delete_elem(o, &k)));
	out("hash: insert after delete %d", errno_of(bpf_map_update_elem(o, &k, &v, BPF_ANY)));
	close(model);
	close(o);
	close(big);
}

static int run(const char *prog, __u64 a0, __u64 a1, __u64 a2)
{
	__u64 a[4] = { a0, a1, a2, 0 };
	__u32 k = 0, ret = 0;

	CHECK(!bpf_map_update_elem(map_fd(obj, "args"), &k, a, BPF_ANY), "args");
	int err = run_prog(prog_fd(obj, prog), NULL, 0, &ret);
	return err ? err : (int)ret;
}

static void programs(void)
{
	int o = map_fd(obj, "outer_arr"), inner1 = map_fd(obj, "inner1");
	__u32 k = 1, id = 0, elem = 2;
	__u64 val = 0;

	int err = errno_of(bpf_map_lookup_elem(o, &k, &id));
	out("object's inner map at 1: %d id matches %d", err, id == id_of(inner1));
	out("bump [1][2] by 5: %d", run("bump", 1, 5, 2));
	out("bump [1][2] by 5: %d", run("bump", 1, 5, 2));
	out("bump [1][9]: %d", run("bump", 1, 5, 9));
	out("bump [0]: %d", run("bump", 0, 5, 2));
	out("bump [7]: %d", run("bump", 7, 5, 2));
	CHECK(!bpf_map_lookup_elem(inner1, &elem, &val), "inner lookup");
	out("inner1[2] from user space: %llu", (unsigned long long)val);

	/* an inner map only the outer map holds lives on, and goes with its slot */
	int lone = array(4, 8, 0);
	__u32 v = (__u32)lone, lone_id = id_of(lone);
	k = 3;
	CHECK(!bpf_map_update_elem(o, &k, &v, BPF_ANY), "update");
	close(lone);
	out("bump the lone map: %d", run("bump", 3, 7, 0));
	int again = bpf_map_get_fd_by_id(lone_id);
	out("lone map by id while in a slot: %d", again < 0 ? -errno : 0);
	if (again >= 0)
		close(again);
	CHECK(!bpf_map_delete_elem(o, &k), "delete");
	/* the kernel frees maps after a grace period: give it up to 2 s */
	for (int i = 0; i < 200 && (again = bpf_map_get_fd_by_id(lone_id)) >= 0; i++) {
		close(again);
		usleep(10000);
	}
	out("lone map by id after its slot is emptied: %d", again < 0 ? -errno : 0);
}

static __u64 fired(void)
{
	__u64 v[1] = { 0 };
	__u32 k = 0;

	CHECK(!bpf_map_lookup_elem(map_fd(obj, ".bss"), &k, v), ".bss");
	return v[0];
}

/* timer_mim: a timer armed in an inner map fires while the inner map lives, and is
 * cancelled with it when the inner map is removed and has no other holder. */
static void timers(void)
{
	int o = map_fd(obj, "outer_hash");
	__u32 k = 0, v;
	struct {
		__u64 t[2];
		__u64 fired;
	} tv = { { 0, 0 }, 0 };

	int keep = bpf_map_create(BPF_MAP_TYPE_HASH, NULL, 4, sizeof(tv), 4, NULL);
	out("hash of timer hashes: a plain hash fits the template: %d",
	    errno_of(bpf_map_update_elem(o, &k, &(__u32){ (__u32)keep }, BPF_ANY)));
	close(keep);
	v = (__u32)map_fd(tmpl, "inner_t");
	CHECK(!bpf_map_update_elem(v, &k, &tv, BPF_ANY), "inner value");
	out("timer template inner: %d", errno_of(bpf_map_update_elem(o, &k, &v, BPF_ANY)));
	out("arm 1 ms: %d", run("arm", 0, 1000000, 0));
	for (int i = 0; i < 200 && !fired(); i++) /* up to 2 s on a loaded machine */
		usleep(10000);
	usleep(50000);
	out("fired: %llu", (unsigned long long)fired());
	CHECK(!bpf_map_lookup_elem(v, &k, &tv), "inner lookup");
	out("inner value's count: %llu", (unsigned long long)tv.fired);

	/* a second inner map with a timer 300 ms ahead, then removed from the outer map and
	 * closed: its timer dies with it */
	LIBBPF_OPTS(bpf_map_create_opts, bo, .btf_fd = bpf_object__btf_fd(tmpl));
	struct bpf_map *tm = bpf_object__find_map_by_name(tmpl, "inner_t");
	bo.btf_key_type_id = bpf_map__btf_key_type_id(tm);
	bo.btf_value_type_id = bpf_map__btf_value_type_id(tm);
	int doomed = bpf_map_create(BPF_MAP_TYPE_HASH, NULL, 4, sizeof(tv), 4, &bo);
	CHECK(doomed >= 0, "doomed map");
	memset(&tv, 0, sizeof(tv));
	CHECK(!bpf_map_update_elem(doomed, &k, &tv, BPF_ANY), "doomed value");
	k = 1;
	v = (__u32)doomed;
	out("second inner: %d", errno_of(bpf_map_update_elem(o, &k, &v, BPF_ANY)));
	out("arm 300 ms: %d", run("arm", 1, 300000000, 0));
	__u64 before = fired();
	out("delete from outer: %d", errno_of(bpf_map_delete_elem(o, &k)));
	close(doomed);
	usleep(600000);
	out("fired after the inner map died: %llu", (unsigned long long)(fired() - before));
}

int main(void)
{
	create();
	array_elems();
	hash_elems();
	obj = load_with_template();
	programs();
	timers();
	bpf_object__close(obj);
	bpf_object__close(tmpl);
	return finish();
}
