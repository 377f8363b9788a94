/* QUEUE, STACK, BLOOM_FILTER and LPM_TRIE against the kernel (tests/bpf/maps_keyless.bpf.c):
 * create errors, user-space push/peek/pop through update/lookup/lookup-and-delete with
 * their flags and errors, the helpers from a program, bloom membership (BPF_F_ZERO_SEED:
 * the same hashes, so the same false positives), and LPM lookups, updates, deletes and
 * the kernel's get_next_key order. */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "difftest.h"

static struct bpf_object *obj;
static __u64 res[16];

static int errno_of(int ret)
{
	return ret < 0 ? -errno : ret;
}

static void run(const char *prog, __u64 a0, __u64 a1, __u64 a2, __u64 a3)
{
	__u64 a[4] = { a0, a1, a2, a3 };
	__u32 k = 0, ret = 0;

	memset(res, 0, sizeof(res));
	CHECK(!bpf_map_update_elem(map_fd(obj, "res"), &k, res, BPF_ANY), "res reset");
	CHECK(!bpf_map_update_elem(map_fd(obj, "args"), &k, a, BPF_ANY), "args");
	int err = run_prog(prog_fd(obj, prog), NULL, 0, &ret);
	CHECK(!err && !ret, "%s: run %d ret %u", prog, err, ret);
	CHECK(!bpf_map_lookup_elem(map_fd(obj, "res"), &k, res), "res");
}

static void show_res(const char *what, int n)
{
	char line[512];
	int len = snprintf(line, sizeof(line), "%s:", what);

	for (int i = 0; i < n; i++)
		len += snprintf(line + len, sizeof(line) - (size_t)len, " %lld", (long long)res[i]);
	out("%s", line);
}

static void create(const char *what, __u32 type, __u32 key, __u32 value, __u32 max, __u32 flags,
		   __u64 extra)
{
	LIBBPF_OPTS(bpf_map_create_opts, o, .map_flags = flags, .map_extra = extra);
	int fd = bpf_map_create(type, NULL, key, value, max, &o);

	out("create %s: %d", what, fd < 0 ? -errno : 0);
	if (fd >= 0)
		close(fd);
}

static void creates(void)
{
	create("queue", BPF_MAP_TYPE_QUEUE, 0, 8, 4, 0, 0);
	create("queue key 4", BPF_MAP_TYPE_QUEUE, 4, 8, 4, 0, 0);
	create("queue value 0", BPF_MAP_TYPE_QUEUE, 0, 0, 4, 0, 0);
	create("queue max 0", BPF_MAP_TYPE_QUEUE, 0, 8, 0, 0, 0);
	create("queue no_prealloc", BPF_MAP_TYPE_QUEUE, 0, 8, 4, BPF_F_NO_PREALLOC, 0);
	create("queue rdonly+wronly prog", BPF_MAP_TYPE_QUEUE, 0, 8, 4,
	       BPF_F_RDONLY_PROG | BPF_F_WRONLY_PROG, 0);
	create("queue value 8M", BPF_MAP_TYPE_QUEUE, 0, 8 << 20, 1, 0, 0);
	create("queue map_extra", BPF_MAP_TYPE_QUEUE, 0, 8, 4, 0, 1);
	create("stack", BPF_MAP_TYPE_STACK, 0, 8, 4, 0, 0);
	create("bloom", BPF_MAP_TYPE_BLOOM_FILTER, 0, 4, 100, 0, 0);
	create("bloom 15 hashes", BPF_MAP_TYPE_BLOOM_FILTER, 0, 4, 100, 0, 15);
	create("bloom map_extra 16", BPF_MAP_TYPE_BLOOM_FILTER, 0, 4, 100, 0, 16);
	create("bloom key 4", BPF_MAP_TYPE_BLOOM_FILTER, 4, 4, 100, 0, 0);
	create("bloom value 0", BPF_MAP_TYPE_BLOOM_FILTER, 0, 0, 100, 0, 0);
	create("bloom zero_seed", BPF_MAP_TYPE_BLOOM_FILTER, 0, 4, 100, BPF_F_ZERO_SEED, 0);
	create("bloom no_prealloc", BPF_MAP_TYPE_BLOOM_FILTER, 0, 4, 100, BPF_F_NO_PREALLOC, 0);
	create("lpm", BPF_MAP_TYPE_LPM_TRIE, 8, 8, 16, BPF_F_NO_PREALLOC, 0);
	create("lpm prealloc", BPF_MAP_TYPE_LPM_TRIE, 8, 8, 16, 0, 0);
	create("lpm key 4", BPF_MAP_TYPE_LPM_TRIE, 4, 8, 16, BPF_F_NO_PREALLOC, 0);
	create("lpm key 261", BPF_MAP_TYPE_LPM_TRIE, 261, 8, 16, BPF_F_NO_PREALLOC, 0);
	create("lpm key 260", BPF_MAP_TYPE_LPM_TRIE, 260, 8, 16, BPF_F_NO_PREALLOC, 0);
	create("lpm value 0", BPF_MAP_TYPE_LPM_TRIE, 8, 0, 16, BPF_F_NO_PREALLOC, 0);
	create("lpm mmapable", BPF_MAP_TYPE_LPM_TRIE, 8, 8, 16, BPF_F_NO_PREALLOC | BPF_F_MMAPABLE,
	       0);
}

static void queue_user(const char *name)
{
	int fd = map_fd(obj, name);
	__u64 v, k = 0;

	for (v = 1; v <= 5; v++)
		out("%s push %llu: %d", name, (unsigned long long)v,
		    errno_of(bpf_map_update_elem(fd, NULL, &v, BPF_ANY)));
	v = 6;
	out("%s push NOEXIST: %d", name, errno_of(bpf_map_update_elem(fd, NULL, &v, BPF_NOEXIST)));
	out("%s push flags 3: %d", name, errno_of(bpf_map_update_elem(fd, NULL, &v, 3)));
	out("%s push EXIST when full: %d", name,
	    errno_of(bpf_map_update_elem(fd, NULL, &v, BPF_EXIST)));
	out("%s push with a key: %d", name, errno_of(bpf_map_update_elem(fd, &k, &v, BPF_ANY)));
	v = 0;
	int err = errno_of(bpf_map_lookup_elem(fd, NULL, &v));
	out("%s peek: %d %llu", name, err, (unsigned long long)v);
	out("%s peek with a key: %d", name, errno_of(bpf_map_lookup_elem(fd, &k, &v)));
	out("%s delete: %d", name, errno_of(bpf_map_delete_elem(fd, NULL)));
	out("%s next key: %d", name, errno_of(bpf_map_get_next_key(fd, NULL, &k)));
	for (int i = 0; i < 5; i++) {
		v = 0;
		err = errno_of(bpf_map_lookup_and_delete_elem(fd, NULL, &v));
		out("%s pop: %d %llu", name, err, (unsigned long long)v);
	}
	out("%s pop F_LOCK: %d", name,
	    errno_of(bpf_map_lookup_and_delete_elem_flags(fd, NULL, &v, BPF_F_LOCK)));
}

static void bloom_user(void)
{
	int fd = map_fd(obj, "bloom");
	__u32 v = 0;
	__u64 k = 0;

	for (v = 0; v < 100; v += 2)
		CHECK(!bpf_map_update_elem(fd, NULL, &v, BPF_ANY), "bloom push");
	int members = 0;
	for (v = 0; v < 5000; v++)
		members += !bpf_map_lookup_elem(fd, NULL, &v);
	out("bloom: %d of 0..4999 test present after pushing the 50 even values below 100",
	    members);
	v = 7;
	out("bloom push EXIST: %d", errno_of(bpf_map_update_elem(fd, NULL, &v, BPF_EXIST)));
	out("bloom pop: %d", errno_of(bpf_map_lookup_and_delete_elem(fd, NULL, &v)));
	out("bloom delete: %d", errno_of(bpf_map_delete_elem(fd, NULL)));
	out("bloom next key: %d", errno_of(bpf_map_get_next_key(fd, NULL, &k)));
	out("bloom lookup with a key: %d", errno_of(bpf_map_lookup_elem(fd, &k, &v)));
	run("bloom_test", 512, 1001, 0, 0);
	show_res("bloom from a program: members of 0..511, push, push EXIST", 3);
	v = 1001;
	out("bloom: pushed by the program: %d", errno_of(bpf_map_lookup_elem(fd, NULL, &v)));
}

struct lpm_key {
	__u32 prefixlen;
	__u8 data[4];
};

static struct lpm_key key(unsigned a, unsigned b, unsigned c, unsigned d, unsigned len)
{
	return (struct lpm_key){ len, { (__u8)a, (__u8)b, (__u8)c, (__u8)d } };
}

static void walk(int fd, const char *what)
{
	struct lpm_key k, prev;
	char line[1024];
	int len = snprintf(line, sizeof(line), "lpm walk %s:", what), n = 0;

	for (int r = bpf_map_get_next_key(fd, NULL, &k); !r && n < 40;
	     prev = k, r = bpf_map_get_next_key(fd, &prev, &k), n++)
		len += snprintf(line + len, sizeof(line) - (size_t)len, " %u.%u.%u.%u/%u",
				k.data[0], k.data[1], k.data[2], k.data[3], k.prefixlen);
	out("%s", line);
}

static void lookup(int fd, struct lpm_key k)
{
	__u64 v = 0;
	int err = errno_of(bpf_map_lookup_elem(fd, &k, &v));

	out("lpm lookup %u.%u.%u.%u/%u: %d %llu", k.data[0], k.data[1], k.data[2], k.data[3],
	    k.prefixlen, err, (unsigned long long)v);
}

static void lpm_user(void)
{
	int fd = map_fd(obj, "lpm");
	static const unsigned nets[][5] = {
		{ 10, 0, 0, 0, 8 },     { 10, 1, 0, 0, 16 },    { 10, 1, 2, 0, 24 },
		{ 192, 168, 0, 0, 16 }, { 192, 168, 1, 0, 24 }, { 0, 0, 0, 0, 0 },
		{ 10, 128, 0, 0, 9 },   { 192, 168, 1, 7, 32 }, { 172, 16, 0, 0, 12 },
	};
	for (unsigned i = 0; i < sizeof(nets) / sizeof(nets[0]); i++) {
		struct lpm_key k = key(nets[i][0], nets[i][1], nets[i][2], nets[i][3], nets[i][4]);
		__u64 v = i + 1;
		out("lpm add %u.%u.%u.%u/%u: %d", nets[i][0], nets[i][1], nets[i][2], nets[i][3],
		    nets[i][4], errno_of(bpf_map_update_elem(fd, &k, &v, BPF_NOEXIST)));
	}
	walk(fd, "after adds");
	lookup(fd, key(10, 1, 2, 3, 32));
	lookup(fd, key(10, 1, 3, 3, 32));
	lookup(fd, key(10, 200, 3, 3, 32));
	lookup(fd, key(11, 0, 0, 1, 32));
	lookup(fd, key(192, 168, 1, 7, 32));
	lookup(fd, key(192, 168, 1, 7, 24));
	lookup(fd, key(10, 1, 2, 3, 12));
	struct lpm_key k = key(10, 1, 0, 0, 16);
	__u64 v = 77;
	out("lpm NOEXIST existing: %d", errno_of(bpf_map_update_elem(fd, &k, &v, BPF_NOEXIST)));
	out("lpm EXIST existing: %d", errno_of(bpf_map_update_elem(fd, &k, &v, BPF_EXIST)));
	k = key(10, 2, 0, 0, 16);
	out("lpm EXIST missing: %d", errno_of(bpf_map_update_elem(fd, &k, &v, BPF_EXIST)));
	k = key(10, 0, 0, 0, 33);
	out("lpm prefix 33: %d", errno_of(bpf_map_update_elem(fd, &k, &v, BPF_ANY)));
	out("lpm delete prefix 33: %d", errno_of(bpf_map_delete_elem(fd, &k)));
	k = key(10, 1, 0, 0, 15);
	out("lpm delete missing: %d", errno_of(bpf_map_delete_elem(fd, &k)));
	k = key(10, 0, 0, 0, 9); /* the intermediate node between /8 children */
	out("lpm delete an intermediate prefix: %d", errno_of(bpf_map_delete_elem(fd, &k)));
	out("lpm next of a missing key: %d", errno_of(bpf_map_get_next_key(fd, &k, &k)));
	k = key(10, 1, 0, 0, 16);
	out("lpm delete 10.1/16: %d", errno_of(bpf_map_delete_elem(fd, &k)));
	k = key(192, 168, 1, 7, 32);
	out("lpm delete 192.168.1.7/32: %d", errno_of(bpf_map_delete_elem(fd, &k)));
	walk(fd, "after deletes");
	int added = 0, err = 0;
	for (unsigned i = 0; i < 20 && !err; i++) {
		k = key(100, i, 0, 0, 16);
		err = errno_of(bpf_map_update_elem(fd, &k, &v, BPF_ANY));
		added += !err;
	}
	out("lpm fill: %d added, then %d", added, err);
	walk(fd, "full");
	run("lpm_test", 100 | 3 << 8, 32, 0, 16);
	show_res("lpm from a program: lookup 100.3.0.0/32, -, delete 100.3/16", 3);
	run("lpm_test", 100 | 3 << 8, 32, 55, 16);
	show_res("lpm from a program: lookup, add 100.3/16", 3);
	run("lpm_test", 100 | 3 << 8, 32, 56, 16);
	show_res("lpm from a program: lookup (+1000), add existing", 3);
	lookup(fd, key(100, 3, 9, 9, 32));
}

int main(void)
{
	creates();
	obj = load_obj("maps_keyless");
	queue_user("queue");
	queue_user("stack");
	run("queue_stack", 6, 0, 0, 0);
	show_res("helpers: pushes, stack push, queue peek, pops", 16);
	run("queue_stack", 6, BPF_EXIST, 0, 0);
	show_res("helpers EXIST: pushes, stack push, queue peek, pops", 16);
	bloom_user();
	lpm_user();
	bpf_object__close(obj);
	return finish();
}
