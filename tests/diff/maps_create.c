/* BPF_MAP_CREATE: the errnos of bad attributes for each map type, and what
 * BPF_OBJ_GET_INFO_BY_FD reports for good ones.  Raw bpf() calls so that every attribute
 * (names without a NUL, numa nodes, map_extra...) reaches the implementation as given. */
#include <errno.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "difftest.h"

#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

struct mc {
	const char *what;
	__u32 type, key, value, max, flags;
	const char *name; /* copied with memcpy (may lack a NUL) */
	__u32 numa, extra, inner, ifindex, vmlinux_id;
	/* Huge cases: a lower bound of the one allocation (vmalloc) the kernel fails them on.
	 * vmalloc refuses a size above the machine's RAM before allocating anything; where
	 * the size would fit, the kernel would really allocate it, so the case is skipped.
	 * Every other case must fail on an E2BIG check or allocate less than 64 MiB. */
	unsigned long long kbytes;
};

static bool fits_in_ram(const struct mc *c)
{
	return c->kbytes && c->kbytes <= (unsigned long long)sysconf(_SC_PHYS_PAGES) *
						 (unsigned long long)sysconf(_SC_PAGESIZE);
}

static void try_create(const struct mc *c)
{
	union bpf_attr a;

	if (fits_in_ram(c)) {
		out("%-34s skipped: fits in this machine's memory", c->what);
		return;
	}
	memset(&a, 0, sizeof(a));
	a.map_type = c->type;
	a.key_size = c->key;
	a.value_size = c->value;
	a.max_entries = c->max;
	a.map_flags = c->flags;
	a.numa_node = c->numa;
	a.map_extra = c->extra;
	a.inner_map_fd = c->inner;
	a.map_ifindex = c->ifindex;
	a.btf_vmlinux_value_type_id = c->vmlinux_id;
	if (c->name)
		memcpy(a.map_name, c->name, strnlen(c->name, sizeof(a.map_name)));
	int fd = (int)syscall(__NR_bpf, BPF_MAP_CREATE, &a, sizeof(a));
	if (fd < 0) {
		out("%-34s err %d", c->what, -errno);
		return;
	}
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);
	int err = bpf_obj_get_info_by_fd(fd, &info, &len);
	out("%-34s ok: info %d type %u key %u value %u max %u flags %#x name '%s' btf %u", c->what,
	    err, info.type, info.key_size, info.value_size, info.max_entries, info.map_flags,
	    info.name, info.btf_id);
	close(fd);
}

int main(void)
{
	int other = bpf_map_create(BPF_MAP_TYPE_ARRAY, "inner", 4, 4, 1, NULL);
	const struct mc cases[] = {
		{ "hash ok", BPF_MAP_TYPE_HASH, 4, 8, 16, 0, "ok.name_1" },
		{ "hash key 0", BPF_MAP_TYPE_HASH, 0, 8, 16 },
		{ "hash value 0", BPF_MAP_TYPE_HASH, 4, 0, 16 },
		{ "hash max 0", BPF_MAP_TYPE_HASH, 4, 8, 0 },
		{ "hash key 513", BPF_MAP_TYPE_HASH, 513, 8, 16 },
		{ "hash value 1M", BPF_MAP_TYPE_HASH, 4, 1 << 20, 2 },
		{ "hash value 4M", BPF_MAP_TYPE_HASH, 4, 4 << 20, 2 },
		{ "hash max 2^31+1", BPF_MAP_TYPE_HASH, 4, 8, (1u << 31) + 1 },
		{ "hash max 2^30 no_prealloc", BPF_MAP_TYPE_HASH, 4, 8, 1u << 30,
		  BPF_F_NO_PREALLOC },
		{ "hash max 2^21 no_prealloc", BPF_MAP_TYPE_HASH, 4, 8, 1u << 21,
		  BPF_F_NO_PREALLOC },
		{ "hash unknown flag", BPF_MAP_TYPE_HASH, 4, 8, 16, 1u << 20 },
		{ "hash mmapable", BPF_MAP_TYPE_HASH, 4, 8, 16, BPF_F_MMAPABLE },
		{ "hash no_common_lru", BPF_MAP_TYPE_HASH, 4, 8, 16, BPF_F_NO_COMMON_LRU },
		{ "hash rdonly_prog|wronly_prog", BPF_MAP_TYPE_HASH, 4, 8, 16,
		  BPF_F_RDONLY_PROG | BPF_F_WRONLY_PROG },
		{ "hash rdonly|wronly", BPF_MAP_TYPE_HASH, 4, 8, 16, BPF_F_RDONLY | BPF_F_WRONLY },
		{ "hash rdonly", BPF_MAP_TYPE_HASH, 4, 8, 16, BPF_F_RDONLY },
		{ "hash wronly_prog", BPF_MAP_TYPE_HASH, 4, 8, 16, BPF_F_WRONLY_PROG },
		{ "hash zero_seed", BPF_MAP_TYPE_HASH, 4, 8, 16, BPF_F_ZERO_SEED },
		{ "hash no_prealloc", BPF_MAP_TYPE_HASH, 4, 8, 16, BPF_F_NO_PREALLOC },
		{ "hash numa 0", BPF_MAP_TYPE_HASH, 4, 8, 16, BPF_F_NUMA_NODE, NULL, 0 },
		{ "hash numa 7", BPF_MAP_TYPE_HASH, 4, 8, 16, BPF_F_NUMA_NODE, NULL, 7 },
		{ "hash numa 7 without flag", BPF_MAP_TYPE_HASH, 4, 8, 16, 0, NULL, 7 },
		{ "hash map_extra", BPF_MAP_TYPE_HASH, 4, 8, 16, 0, NULL, 0, 1 },
		{ "hash inner_map_fd", BPF_MAP_TYPE_HASH, 4, 8, 16, 0, NULL, 0, 0, (__u32)other },
		{ "hash ifindex 1", BPF_MAP_TYPE_HASH, 4, 8, 16, 0, NULL, 0, 0, 0, 1 },
		{ "hash vmlinux value id", BPF_MAP_TYPE_HASH, 4, 8, 16, 0, NULL, 0, 0, 0, 0, 1 },
		{ "hash name with dash", BPF_MAP_TYPE_HASH, 4, 8, 16, 0, "bad-name" },
		{ "hash name 15 chars", BPF_MAP_TYPE_HASH, 4, 8, 16, 0, "abcdefghijklmno" },
		{ "hash name 16 chars", BPF_MAP_TYPE_HASH, 4, 8, 16, 0, "abcdefghijklmnop" },
		{ "percpu_hash value 32768", BPF_MAP_TYPE_PERCPU_HASH, 4, 32768, 4 },
		{ "percpu_hash value 32769", BPF_MAP_TYPE_PERCPU_HASH, 4, 32769, 4 },
		{ "percpu_hash numa", BPF_MAP_TYPE_PERCPU_HASH, 4, 8, 4, BPF_F_NUMA_NODE },
		{ "lru ok", BPF_MAP_TYPE_LRU_HASH, 4, 8, 16 },
		{ "lru no_prealloc", BPF_MAP_TYPE_LRU_HASH, 4, 8, 16, BPF_F_NO_PREALLOC },
		{ "lru no_common_lru max 5", BPF_MAP_TYPE_LRU_HASH, 4, 8, 5, BPF_F_NO_COMMON_LRU },
		{ "lru no_common_lru numa", BPF_MAP_TYPE_LRU_HASH, 4, 8, 5,
		  BPF_F_NO_COMMON_LRU | BPF_F_NUMA_NODE },
		{ "lru_percpu ok", BPF_MAP_TYPE_LRU_PERCPU_HASH, 4, 8, 16 },
		{ "array ok", BPF_MAP_TYPE_ARRAY, 4, 8, 16 },
		{ "array key 8", BPF_MAP_TYPE_ARRAY, 8, 8, 16 },
		{ "array value 0", BPF_MAP_TYPE_ARRAY, 4, 0, 16 },
		{ "array max 0", BPF_MAP_TYPE_ARRAY, 4, 8, 0 },
		{ "array value 2^31", BPF_MAP_TYPE_ARRAY, 4, 1u << 31, 1 },
		{ "array huge", BPF_MAP_TYPE_ARRAY, 4, 1u << 20, 1u << 24 },
		{ "array mmapable", BPF_MAP_TYPE_ARRAY, 4, 8, 16, BPF_F_MMAPABLE },
		{ "array inner_map", BPF_MAP_TYPE_ARRAY, 4, 8, 16, BPF_F_INNER_MAP },
		{ "array preserve_elems", BPF_MAP_TYPE_ARRAY, 4, 8, 16, BPF_F_PRESERVE_ELEMS },
		{ "array no_prealloc", BPF_MAP_TYPE_ARRAY, 4, 8, 16, BPF_F_NO_PREALLOC },
		{ "array rdonly_prog", BPF_MAP_TYPE_ARRAY, 4, 8, 16, BPF_F_RDONLY_PROG },
		{ "array numa 0", BPF_MAP_TYPE_ARRAY, 4, 8, 16, BPF_F_NUMA_NODE },
		{ "percpu_array ok", BPF_MAP_TYPE_PERCPU_ARRAY, 4, 8, 16 },
		{ "percpu_array mmapable", BPF_MAP_TYPE_PERCPU_ARRAY, 4, 8, 16, BPF_F_MMAPABLE },
		{ "percpu_array numa", BPF_MAP_TYPE_PERCPU_ARRAY, 4, 8, 16, BPF_F_NUMA_NODE },
		{ "percpu_array value 32769", BPF_MAP_TYPE_PERCPU_ARRAY, 4, 32769, 16 },
		{ "prog_array ok", BPF_MAP_TYPE_PROG_ARRAY, 4, 4, 16 },
		{ "prog_array value 8", BPF_MAP_TYPE_PROG_ARRAY, 4, 8, 16 },
		{ "prog_array rdonly_prog", BPF_MAP_TYPE_PROG_ARRAY, 4, 4, 16, BPF_F_RDONLY_PROG },
		{ "prog_array mmapable", BPF_MAP_TYPE_PROG_ARRAY, 4, 4, 16, BPF_F_MMAPABLE },
		/* Sizes.  E2BIG: the hash's bucket count (16-byte buckets, at most U32_MAX bytes)
		 * and max_entries checks, before any allocation (an array's value_size is only
		 * bounded by INT_MAX).  ENOMEM: a single vmalloc larger than the RAM (kbytes); the
		 * hash cases allocate their 16 MiB of buckets first. */
		{ "array max 2^32-1", BPF_MAP_TYPE_ARRAY, 4, 8, ~0u, .kbytes = 8ull << 32 },
		{ "array mmapable max 2^32-1", BPF_MAP_TYPE_ARRAY, 4, 8, ~0u, BPF_F_MMAPABLE,
		  .kbytes = 8ull << 32 },
		{ "array value 2^30 max 64", BPF_MAP_TYPE_ARRAY, 4, 1u << 30, 64,
		  .kbytes = 1ull << 36 },
		{ "percpu_array max 2^32-1", BPF_MAP_TYPE_PERCPU_ARRAY, 4, 8, ~0u,
		  .kbytes = 8ull << 32 },
		{ "prog_array max 2^32-1", BPF_MAP_TYPE_PROG_ARRAY, 4, 4, ~0u,
		  .kbytes = 8ull << 32 },
		{ "prog_array max 2^20", BPF_MAP_TYPE_PROG_ARRAY, 4, 4, 1u << 20 },
		{ "hash max 2^28", BPF_MAP_TYPE_HASH, 4, 1024, 1u << 28 },
		{ "hash max 2^28+1", BPF_MAP_TYPE_HASH, 4, 8, (1u << 28) + 1 },
		{ "hash max 2^31", BPF_MAP_TYPE_HASH, 4, 8, 1u << 31 },
		{ "hash max 2^32-1", BPF_MAP_TYPE_HASH, 4, 8, ~0u },
		{ "hash max 2^28+1 no_prealloc", BPF_MAP_TYPE_HASH, 4, 8, (1u << 28) + 1,
		  BPF_F_NO_PREALLOC },
		{ "hash 1 TiB of values", BPF_MAP_TYPE_HASH, 4, 1u << 20, 1u << 20,
		  .kbytes = 1ull << 40 },
		{ "hash 1 TiB of values no_prealloc", BPF_MAP_TYPE_HASH, 4, 1u << 20, 1u << 20,
		  BPF_F_NO_PREALLOC },
		{ "lru 1 TiB of values", BPF_MAP_TYPE_LRU_HASH, 4, 1u << 20, 1u << 20,
		  .kbytes = 1ull << 40 },
		{ "percpu_hash max 2^31+1", BPF_MAP_TYPE_PERCPU_HASH, 4, 8, (1u << 31) + 1 },
		{ "type unspec", BPF_MAP_TYPE_UNSPEC, 4, 8, 16 },
		{ "type 200", 200, 4, 8, 16 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		try_create(&cases[i]);
	close(other);
	return finish();
}
