/* Hash maps from user space: update flags, errnos, next-key walks, full maps, per-CPU
 * layout, LRU eviction, lookup-and-delete, batches, read-only/write-only descriptors and
 * freeze.  Iteration order differs between implementations: keys are printed sorted. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "difftest.h"

#define R(call) ((call) ? -errno : 0)

static int create(enum bpf_map_type type, __u32 key, __u32 value, __u32 max, __u32 flags)
{
	LIBBPF_OPTS(bpf_map_create_opts, o, .map_flags = flags);
	int fd = bpf_map_create(type, "h", key, value, max, &o);
	return fd < 0 ? -errno : fd;
}

static int cmp_u32(const void *a, const void *b)
{
	__u32 x = *(const __u32 *)a, y = *(const __u32 *)b;
	return x < y ? -1 : x > y;
}

/* Walks the map with GET_NEXT_KEY from NULL and prints the keys sorted. */
static int print_keys(const char *what, int fd)
{
	__u32 keys[256], n = 0, k, *prev = NULL;

	while (n < 256 && !bpf_map_get_next_key(fd, prev, &k)) {
		keys[n] = k;
		prev = &keys[n++];
	}
	int end = -errno;
	qsort(keys, n, sizeof(*keys), cmp_u32);
	char line[2048];
	int len = snprintf(line, sizeof(line), "%s: %u keys (end %d):", what, n, end);
	for (__u32 i = 0; i < n && len < (int)sizeof(line) - 16; i++)
		len += snprintf(line + len, sizeof(line) - len, " %u", keys[i]);
	out("%s", line);
	return (int)n;
}

static void test_flags(void)
{
	int fd = create(BPF_MAP_TYPE_HASH, 4, 8, 4, 0);
	__u32 k = 1;
	__u64 v = 10, got = 0;

	CHECK(fd >= 0, "create");
	out("exist on missing: %d", R(bpf_map_update_elem(fd, &k, &v, BPF_EXIST)));
	out("noexist: %d", R(bpf_map_update_elem(fd, &k, &v, BPF_NOEXIST)));
	out("noexist again: %d", R(bpf_map_update_elem(fd, &k, &v, BPF_NOEXIST)));
	v = 11;
	out("exist: %d", R(bpf_map_update_elem(fd, &k, &v, BPF_EXIST)));
	int err = R(bpf_map_lookup_elem(fd, &k, &got));
	out("lookup: %d val %llu", err, (unsigned long long)got);
	out("flags 3: %d", R(bpf_map_update_elem(fd, &k, &v, 3)));
	out("flags F_LOCK no lock: %d", R(bpf_map_update_elem(fd, &k, &v, BPF_F_LOCK)));
	out("lookup F_LOCK no lock: %d", R(bpf_map_lookup_elem_flags(fd, &k, &got, BPF_F_LOCK)));
	out("lookup flags 1: %d", R(bpf_map_lookup_elem_flags(fd, &k, &got, 1)));
	k = 2;
	out("lookup missing: %d", R(bpf_map_lookup_elem(fd, &k, &got)));
	out("delete missing: %d", R(bpf_map_delete_elem(fd, &k)));
	for (k = 2; k <= 5; k++)
		out("fill %u: %d", k, R(bpf_map_update_elem(fd, &k, &v, BPF_ANY)));
	k = 1;
	out("replace in full map: %d", R(bpf_map_update_elem(fd, &k, &v, BPF_ANY)));
	out("delete: %d", R(bpf_map_delete_elem(fd, &k)));
	out("delete again: %d", R(bpf_map_delete_elem(fd, &k)));
	k = 9;
	out("insert after delete: %d", R(bpf_map_update_elem(fd, &k, &v, BPF_NOEXIST)));
	print_keys("keys", fd);
	close(fd);
}

static void test_next_key(void)
{
	int fd = create(BPF_MAP_TYPE_HASH, 4, 4, 64, BPF_F_NO_PREALLOC);
	__u32 k, next;

	out("empty first: %d", R(bpf_map_get_next_key(fd, NULL, &next)));
	for (k = 100; k < 120; k++)
		bpf_map_update_elem(fd, &k, &k, BPF_ANY);
	k = 5000;
	out("missing key gives a key: %d", R(bpf_map_get_next_key(fd, &k, &next)));
	out("it is the first: %d", ({
		    __u32 f;
		    bpf_map_get_next_key(fd, NULL, &f);
		    f == next;
	    }));
	print_keys("20 keys", fd);
	for (k = 100; k < 120; k += 2)
		bpf_map_delete_elem(fd, &k);
	print_keys("after deletes", fd);
	out("full no-prealloc:");
	for (k = 0; k < 70; k++)
		if (bpf_map_update_elem(fd, &k, &k, BPF_ANY))
			break;
	out("  stopped at %u errno %d", k, -errno);
	close(fd);
}

static void test_lookup_and_delete(void)
{
	int fd = create(BPF_MAP_TYPE_HASH, 4, 8, 8, 0);
	__u32 k = 3;
	__u64 v = 33, got = 0;

	bpf_map_update_elem(fd, &k, &v, BPF_ANY);
	int err = R(bpf_map_lookup_and_delete_elem(fd, &k, &got));
	out("lookup_and_delete: %d val %llu", err, (unsigned long long)got);
	out("again: %d", R(bpf_map_lookup_and_delete_elem(fd, &k, &got)));
	out("flags F_LOCK no lock: %d",
	    R(bpf_map_lookup_and_delete_elem_flags(fd, &k, &got, BPF_F_LOCK)));
	out("flags 2: %d", R(bpf_map_lookup_and_delete_elem_flags(fd, &k, &got, 2)));
	close(fd);
}

static void test_percpu(enum bpf_map_type type, const char *name)
{
	int ncpu = libbpf_num_possible_cpus();
	int fd = create(type, 4, 12, 8, 0);
	__u32 k = 7;
	size_t stride = 16; /* 12 rounded up to 8 */
	unsigned char *buf = calloc(ncpu, stride), *got = calloc(ncpu, stride);

	for (int c = 0; c < ncpu; c++)
		memset(buf + c * stride, 0x10 + c, 12);
	out("%s update: %d", name, R(bpf_map_update_elem(fd, &k, buf, BPF_ANY)));
	memset(got, 0xee, ncpu * stride);
	out("%s lookup: %d", name, R(bpf_map_lookup_elem(fd, &k, got)));
	bool ok = true;
	for (int c = 0; c < ncpu; c++)
		for (int i = 0; i < 12; i++)
			ok &= got[c * stride + i] == 0x10 + c;
	out("%s per-cpu values right: %d", name, ok);
	out("%s F_LOCK update: %d", name, R(bpf_map_update_elem(fd, &k, buf, BPF_F_LOCK)));
	out("%s lookup_and_delete: %d", name, R(bpf_map_lookup_and_delete_elem(fd, &k, got)));
	out("%s gone: %d", name, R(bpf_map_lookup_elem(fd, &k, got)));
	free(buf);
	free(got);
	close(fd);
}

static void test_lru(enum bpf_map_type type, __u32 flags, const char *name)
{
	int ncpu = libbpf_num_possible_cpus();
	int fd = create(type, 4, 8, 128, flags);
	__u64 *v = calloc(ncpu, 8);
	int fails = 0;

	for (__u32 k = 0; k < 1000; k++)
		fails += bpf_map_update_elem(fd, &k, v, BPF_ANY) != 0;
	int n = 0;
	__u32 key, *prev = NULL, cur;
	while (!bpf_map_get_next_key(fd, prev, &key)) {
		cur = key;
		prev = &cur;
		n++;
	}
	out("%s: 1000 inserts, %d failed, %s", name, fails,
	    n > 0 && n <= 128 ? "count within max" : "count wrong");
	__u32 last = 999;
	out("%s: newest key present: %d", name, R(bpf_map_lookup_elem(fd, &last, v)));
	free(v);
	close(fd);
}

static void test_batch(void)
{
	int fd = create(BPF_MAP_TYPE_HASH, 4, 8, 64, 0);
	__u32 keys[64], n;
	__u64 vals[64];
	__u32 out_batch = 0;
	LIBBPF_OPTS(bpf_map_batch_opts, opts);

	for (__u32 i = 0; i < 20; i++) {
		keys[i] = i + 1;
		vals[i] = (i + 1) * 100;
	}
	n = 20;
	out("update_batch: %d count %u", R(bpf_map_update_batch(fd, keys, vals, &n, &opts)), n);
	memset(keys, 0, sizeof(keys));
	n = 64;
	int err = R(bpf_map_lookup_batch(fd, NULL, &out_batch, keys, vals, &n, &opts));
	bool ok = true;
	for (__u32 i = 0; i < n; i++)
		ok &= vals[i] == keys[i] * 100;
	qsort(keys, n, sizeof(*keys), cmp_u32);
	out("lookup_batch all: %d count %u values match %d first %u last %u", err, n, ok, keys[0],
	    keys[n - 1]);

	/* small pieces: the union is every key */
	__u32 seen = 0, total = 0, in = 0;
	void *inp = NULL;
	for (int round = 0; round < 100; round++) {
		n = 8;
		err = R(bpf_map_lookup_batch(fd, inp, &out_batch, keys, vals, &n, &opts));
		total += n;
		for (__u32 i = 0; i < n; i++)
			seen |= 1u << keys[i];
		if (err)
			break;
		in = out_batch;
		inp = &in;
	}
	out("lookup_batch by 8: end %d total %u all seen %d", err, total, seen == 0x1ffffe);

	n = 0;
	out("count 0: %d count %u",
	    R(bpf_map_lookup_batch(fd, NULL, &out_batch, keys, vals, &n, &opts)), n);
	n = 4;
	opts.elem_flags = BPF_F_LOCK;
	out("elem_flags F_LOCK: %d",
	    R(bpf_map_lookup_batch(fd, NULL, &out_batch, keys, vals, &n, &opts)));
	opts.elem_flags = 0;
	opts.flags = 1;
	out("flags 1: %d", R(bpf_map_lookup_batch(fd, NULL, &out_batch, keys, vals, &n, &opts)));
	opts.flags = 0;
	in = 1u << 20;
	n = 4;
	out("in_batch past end: %d count %u",
	    R(bpf_map_lookup_batch(fd, &in, &out_batch, keys, vals, &n, &opts)), n);

	__u32 del[3] = { 1, 2, 3 };
	n = 3;
	out("delete_batch: %d count %u", R(bpf_map_delete_batch(fd, del, &n, &opts)), n);
	n = 3;
	out("delete_batch again: %d count %u", R(bpf_map_delete_batch(fd, del, &n, &opts)), n);
	__u32 mixed[3] = { 4, 5, 1 };
	n = 3;
	out("delete_batch partial: %d count %u", R(bpf_map_delete_batch(fd, mixed, &n, &opts)), n);
	n = 64;
	err = R(bpf_map_lookup_and_delete_batch(fd, NULL, &out_batch, keys, vals, &n, &opts));
	out("lookup_and_delete_batch: %d count %u", err, n);
	print_keys("after", fd);
	keys[0] = 1;
	vals[0] = 1;
	keys[1] = 1;
	n = 2;
	opts.elem_flags = BPF_NOEXIST;
	out("update_batch NOEXIST: %d count %u", R(bpf_map_update_batch(fd, keys, vals, &n, &opts)),
	    n);
	close(fd);
}

static void test_access(void)
{
	int fd = create(BPF_MAP_TYPE_HASH, 4, 8, 8, BPF_F_RDONLY);
	__u32 k = 1;
	__u64 v = 1;
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);

	out("rdonly fd update: %d", R(bpf_map_update_elem(fd, &k, &v, BPF_ANY)));
	out("rdonly fd delete: %d", R(bpf_map_delete_elem(fd, &k)));
	out("rdonly fd lookup: %d", R(bpf_map_lookup_elem(fd, &k, &v)));
	out("rdonly fd freeze: %d", R(bpf_map_freeze(fd)));
	bpf_obj_get_info_by_fd(fd, &info, &len);
	out("info map_flags %#x", info.map_flags);
	int rw = bpf_map_get_fd_by_id(info.id);
	out("fd by id update: %d", R(bpf_map_update_elem(rw, &k, &v, BPF_ANY)));
	LIBBPF_OPTS(bpf_get_fd_by_id_opts, wo, .open_flags = BPF_F_WRONLY);
	int w = bpf_map_get_fd_by_id_opts(info.id, &wo);
	out("wronly fd lookup: %d", R(bpf_map_lookup_elem(w, &k, &v)));
	out("wronly fd next_key: %d", R(bpf_map_get_next_key(w, NULL, &k)));
	out("wronly fd lookup_and_delete: %d", R(bpf_map_lookup_and_delete_elem(w, &k, &v)));
	out("wronly fd update: %d", R(bpf_map_update_elem(w, &k, &v, BPF_ANY)));
	out("freeze: %d", R(bpf_map_freeze(rw)));
	out("freeze again: %d", R(bpf_map_freeze(rw)));
	out("frozen update: %d", R(bpf_map_update_elem(rw, &k, &v, BPF_ANY)));
	out("frozen delete: %d", R(bpf_map_delete_elem(rw, &k)));
	out("frozen lookup: %d", R(bpf_map_lookup_elem(rw, &k, &v)));
	__u32 keys[4], n = 4;
	__u64 vals[4];
	out("frozen lookup_and_delete_batch: %d",
	    R(bpf_map_lookup_and_delete_batch(rw, NULL, &k, keys, vals, &n, NULL)));
	close(w);
	close(rw);
	close(fd);
}

int main(void)
{
	test_flags();
	test_next_key();
	test_lookup_and_delete();
	test_percpu(BPF_MAP_TYPE_PERCPU_HASH, "percpu_hash");
	test_percpu(BPF_MAP_TYPE_LRU_PERCPU_HASH, "lru_percpu_hash");
	test_lru(BPF_MAP_TYPE_LRU_HASH, 0, "lru");
	test_lru(BPF_MAP_TYPE_LRU_HASH, BPF_F_NO_COMMON_LRU, "lru no_common");
	test_lru(BPF_MAP_TYPE_LRU_PERCPU_HASH, 0, "lru_percpu");
	test_batch();
	test_access();
	return finish();
}
