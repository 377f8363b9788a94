/* Arrays from user space: ARRAY, PERCPU_ARRAY and PROG_ARRAY element commands, next-key
 * walks, batches, freeze, and mmap(2) of BPF_F_MMAPABLE arrays shared with the
 * descriptor's lookups and updates. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "difftest.h"

#define R(call) ((call) ? -errno : 0)

static int create(enum bpf_map_type type, __u32 value, __u32 max, __u32 flags)
{
	LIBBPF_OPTS(bpf_map_create_opts, o, .map_flags = flags);
	int fd = bpf_map_create(type, "a", 4, value, max, &o);
	return fd < 0 ? -errno : fd;
}

static void test_array(void)
{
	int fd = create(BPF_MAP_TYPE_ARRAY, 8, 4, 0);
	__u32 k = 2, next;
	__u64 v = 5, got = 1;

	int err = R(bpf_map_lookup_elem(fd, &k, &got));
	out("fresh lookup: %d val %llu", err, (unsigned long long)got);
	out("update any: %d", R(bpf_map_update_elem(fd, &k, &v, BPF_ANY)));
	out("update exist: %d", R(bpf_map_update_elem(fd, &k, &v, BPF_EXIST)));
	out("update noexist: %d", R(bpf_map_update_elem(fd, &k, &v, BPF_NOEXIST)));
	out("update flags 3: %d", R(bpf_map_update_elem(fd, &k, &v, 3)));
	err = R(bpf_map_lookup_elem(fd, &k, &got));
	out("lookup: %d val %llu", err, (unsigned long long)got);
	k = 4;
	out("update out of range: %d", R(bpf_map_update_elem(fd, &k, &v, BPF_ANY)));
	out("lookup out of range: %d", R(bpf_map_lookup_elem(fd, &k, &got)));
	out("delete: %d", R(bpf_map_delete_elem(fd, &k)));
	k = 1;
	out("delete in range: %d", R(bpf_map_delete_elem(fd, &k)));
	out("lookup_and_delete: %d", R(bpf_map_lookup_and_delete_elem(fd, &k, &got)));
	err = R(bpf_map_get_next_key(fd, NULL, &next));
	out("next of NULL: %d -> %u", err, next);
	k = 2;
	err = R(bpf_map_get_next_key(fd, &k, &next));
	out("next of 2: %d -> %u", err, next);
	k = 3;
	out("next of last: %d", R(bpf_map_get_next_key(fd, &k, &next)));
	k = 77;
	err = R(bpf_map_get_next_key(fd, &k, &next));
	out("next of 77: %d -> %u", err, next);

	__u32 keys[8], n = 3, ob = 0;
	__u64 vals[8];
	err = R(bpf_map_lookup_batch(fd, NULL, &ob, keys, vals, &n, NULL));
	out("lookup_batch 3: %d count %u out %u keys %u %u %u val2 %llu", err, n, ob, keys[0],
	    keys[1], keys[2], (unsigned long long)vals[2]);
	n = 3;
	err = R(bpf_map_lookup_batch(fd, &ob, &ob, keys, vals, &n, NULL));
	out("lookup_batch rest: %d count %u out %u", err, n, ob);
	for (__u32 i = 0; i < 4; i++) {
		keys[i] = i;
		vals[i] = 10 + i;
	}
	keys[3] = 9;
	n = 4;
	err = R(bpf_map_update_batch(fd, keys, vals, &n, NULL));
	out("update_batch with bad key: %d count %u", err, n);
	n = 2;
	out("delete_batch: %d", R(bpf_map_delete_batch(fd, keys, &n, NULL)));
	n = 2;
	out("lookup_and_delete_batch: %d",
	    R(bpf_map_lookup_and_delete_batch(fd, NULL, &ob, keys, vals, &n, NULL)));
	out("freeze: %d", R(bpf_map_freeze(fd)));
	out("frozen update: %d", R(bpf_map_update_elem(fd, &k, &v, BPF_ANY)));
	k = 0;
	err = R(bpf_map_lookup_elem(fd, &k, &got));
	out("frozen lookup: %d val %llu", err, (unsigned long long)got);
	void *m = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0);
	out("mmap of non-mmapable: %d", m == MAP_FAILED ? -errno : 0);
	close(fd);
}

static void test_percpu(void)
{
	int ncpu = libbpf_num_possible_cpus();
	int fd = create(BPF_MAP_TYPE_PERCPU_ARRAY, 4, 2, 0);
	__u32 k = 1;
	unsigned char *buf = calloc(ncpu, 8), *got = calloc(ncpu, 8);

	for (int c = 0; c < ncpu; c++)
		memset(buf + c * 8, 0x20 + c, 8);
	out("percpu update: %d", R(bpf_map_update_elem(fd, &k, buf, BPF_ANY)));
	out("percpu update noexist: %d", R(bpf_map_update_elem(fd, &k, buf, BPF_NOEXIST)));
	out("percpu update F_LOCK: %d", R(bpf_map_update_elem(fd, &k, buf, BPF_F_LOCK)));
	memset(got, 0xee, ncpu * 8);
	out("percpu lookup: %d", R(bpf_map_lookup_elem(fd, &k, got)));
	bool ok = true;
	for (int c = 0; c < ncpu; c++)
		for (int i = 0; i < 8; i++)
			ok &= got[c * 8 + i] == 0x20 + c;
	out("percpu layout right, padding included: %d", ok);
	out("percpu delete: %d", R(bpf_map_delete_elem(fd, &k)));
	free(buf);
	free(got);
	close(fd);
}

static void test_prog_array(void)
{
	struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	int prog = bpf_prog_load(BPF_PROG_TYPE_SOCKET_FILTER, "p", "GPL", insns, 2, NULL);
	int prog2 = bpf_prog_load(BPF_PROG_TYPE_XDP, "p2", "GPL", insns, 2, NULL);
	int fd = create(BPF_MAP_TYPE_PROG_ARRAY, 4, 4, 0);
	__u32 k = 1, v = (__u32)prog, got = 0;
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);

	CHECK(prog >= 0 && prog2 >= 0, "programs load");
	bpf_obj_get_info_by_fd(prog, &info, &len);
	out("lookup empty: %d", R(bpf_map_lookup_elem(fd, &k, &got)));
	out("update noexist: %d", R(bpf_map_update_elem(fd, &k, &v, BPF_NOEXIST)));
	out("update any: %d", R(bpf_map_update_elem(fd, &k, &v, BPF_ANY)));
	int err = R(bpf_map_lookup_elem(fd, &k, &got));
	out("lookup: %d is prog id %d", err, got == info.id);
	v = (__u32)prog2;
	out("update other prog type: %d", R(bpf_map_update_elem(fd, &k, &v, BPF_ANY)));
	v = (__u32)fd;
	out("update with a map fd: %d", R(bpf_map_update_elem(fd, &k, &v, BPF_ANY)));
	v = 9999;
	out("update with a bad fd: %d", R(bpf_map_update_elem(fd, &k, &v, BPF_ANY)));
	k = 4;
	v = (__u32)prog;
	out("update out of range: %d", R(bpf_map_update_elem(fd, &k, &v, BPF_ANY)));
	out("delete out of range: %d", R(bpf_map_delete_elem(fd, &k)));
	k = 1;
	out("delete: %d", R(bpf_map_delete_elem(fd, &k)));
	out("delete again: %d", R(bpf_map_delete_elem(fd, &k)));
	__u32 keys[4], vals[4], n = 4, ob;
	out("lookup_batch: %d", R(bpf_map_lookup_batch(fd, NULL, &ob, keys, vals, &n, NULL)));
	out("freeze: %d", R(bpf_map_freeze(fd)));
	close(fd);
	close(prog);
	close(prog2);
}

static void test_mmap(void)
{
	int fd = create(BPF_MAP_TYPE_ARRAY, 8, 1024, BPF_F_MMAPABLE);
	__u64 *m = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	__u32 k = 100;
	__u64 v = 0;

	out("mmap rw: %d", m == MAP_FAILED ? -errno : 0);
	if (m == MAP_FAILED)
		return;
	m[100] = 4242;
	int err = R(bpf_map_lookup_elem(fd, &k, &v));
	out("lookup sees mmap write: %d val %llu", err, (unsigned long long)v);
	v = 777;
	k = 1023;
	bpf_map_update_elem(fd, &k, &v, BPF_ANY);
	out("mmap sees update: %llu", (unsigned long long)m[1023]);
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);
	bpf_obj_get_info_by_fd(fd, &info, &len);
	int fd2 = bpf_map_get_fd_by_id(info.id);
	__u64 *m2 = mmap(NULL, 8192, PROT_READ, MAP_SHARED, fd2, 0);
	out("second descriptor's mapping shares: %llu",
	    m2 == MAP_FAILED ? 0ull : (unsigned long long)m2[100]);
	void *priv = mmap(NULL, 8192, PROT_READ, MAP_PRIVATE, fd, 0);
	out("private mapping: %d", priv == MAP_FAILED ? -errno : 0);
	void *big = mmap(NULL, 16384, PROT_READ, MAP_SHARED, fd, 0);
	out("mapping past the end: %d", big == MAP_FAILED ? -errno : 0);
	out("freeze with writable mapping: %d", R(bpf_map_freeze(fd)));
	munmap(m, 8192);
	out("freeze after munmap: %d", R(bpf_map_freeze(fd)));
	void *w = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	out("writable mapping of frozen: %d", w == MAP_FAILED ? -errno : 0);
	void *r = mmap(NULL, 8192, PROT_READ, MAP_SHARED, fd, 0);
	out("read-only mapping of frozen: %d", r == MAP_FAILED ? -errno : 0);
	if (m2 != MAP_FAILED)
		munmap(m2, 8192);
	if (r != MAP_FAILED)
		munmap(r, 8192);
	close(fd2);
	close(fd);

	int h = bpf_map_create(BPF_MAP_TYPE_HASH, "h", 4, 8, 4, NULL);
	void *hm = mmap(NULL, 4096, PROT_READ, MAP_SHARED, h, 0);
	out("mmap of a hash: %d", hm == MAP_FAILED ? -errno : 0);
	close(h);
}

int main(void)
{
	test_array();
	test_percpu();
	test_prog_array();
	test_mmap();
	return finish();
}
