/* Maps described by BTF: key/value type checks at creation, the special fields
 * (struct bpf_timer, struct bpf_spin_lock) and which map types may hold them, and what
 * user space sees of those fields: zeros on lookup, never copied by update, BPF_F_LOCK,
 * freeze and mmap refused.  The BTF is built with libbpf's btf__add_* API.  (A struct
 * with two bpf_spin_locks makes the kernel refuse the whole BTF at load: not here.) */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <bpf/btf.h>

#include "difftest.h"

#define R(call) ((call) ? -errno : 0)

struct ids {
	int u32, u64, timer, lock, ks, td_u32;
	int v_timer, v_lock, v_both, v_two_timers, v_timer_arr, v_misaligned, datasec;
};

static int add_struct(struct btf *b, const char *name, __u32 size, int n, const char *const *names,
		      const int *types, const __u32 *bit_offs)
{
	int id = btf__add_struct(b, name, size);
	for (int i = 0; i < n; i++)
		btf__add_field(b, names[i], types[i], bit_offs[i], 0);
	return id;
}

static struct btf *build(struct ids *t)
{
	struct btf *b = btf__new_empty();

	t->u32 = btf__add_int(b, "unsigned int", 4, 0);
	t->u64 = btf__add_int(b, "long long unsigned int", 8, 0);
	t->timer = add_struct(b, "bpf_timer", 16, 2, (const char *[]){ "a", "b" },
			      (int[]){ t->u64, t->u64 }, (__u32[]){ 0, 64 });
	t->lock = add_struct(b, "bpf_spin_lock", 4, 1, (const char *[]){ "val" }, (int[]){ t->u32 },
			     (__u32[]){ 0 });
	t->ks = add_struct(b, "ks", 4, 1, (const char *[]){ "x" }, (int[]){ t->u32 },
			   (__u32[]){ 0 });
	t->td_u32 = btf__add_typedef(b, "__u32", t->u32);
	t->v_timer = add_struct(b, "vt", 32, 3, (const char *[]){ "a", "t", "b" },
				(int[]){ t->u64, t->timer, t->u64 }, (__u32[]){ 0, 64, 192 });
	t->v_lock = add_struct(b, "vl", 16, 3, (const char *[]){ "l", "pad", "x" },
			       (int[]){ t->lock, t->u32, t->u64 }, (__u32[]){ 0, 32, 64 });
	t->v_both = add_struct(b, "vb", 24, 2, (const char *[]){ "l", "t" },
			       (int[]){ t->lock, t->timer }, (__u32[]){ 0, 64 });
	t->v_two_timers = add_struct(b, "v2", 32, 2, (const char *[]){ "t1", "t2" },
				     (int[]){ t->timer, t->timer }, (__u32[]){ 0, 128 });
	int arr = btf__add_array(b, t->u32, t->timer, 2);
	t->v_timer_arr = add_struct(b, "va", 32, 1, (const char *[]){ "ts" }, (int[]){ arr },
				    (__u32[]){ 0 });
	t->v_misaligned = add_struct(b, "vm", 20, 2, (const char *[]){ "x", "t" },
				     (int[]){ t->u32, t->timer }, (__u32[]){ 0, 32 });
	int var = btf__add_var(b, "g", BTF_VAR_GLOBAL_ALLOCATED, t->u64);
	t->datasec = btf__add_datasec(b, ".data", 8);
	btf__add_datasec_var_info(b, var, 0, 8);
	return b;
}

static int create(const char *what, __u32 type, int btf_fd, __u32 key_id, __u32 key_size,
		  __u32 value_id, __u32 value_size, __u32 max, __u32 flags)
{
	LIBBPF_OPTS(bpf_map_create_opts, o, .btf_fd = btf_fd, .btf_key_type_id = key_id,
		    .btf_value_type_id = value_id, .map_flags = flags);
	int fd = bpf_map_create(type, "m", key_size, value_size, max, &o);
	if (fd < 0) {
		out("%-32s err %d", what, -errno);
		return -1;
	}
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);
	bpf_obj_get_info_by_fd(fd, &info, &len);
	out("%-32s ok: btf %d key id %u value id %u", what, info.btf_id != 0, info.btf_key_type_id,
	    info.btf_value_type_id);
	return fd;
}

static void creation(int bfd, const struct ids *t)
{
	static const struct {
		const char *name;
		__u32 type;
	} types[] = {
		{ "hash", BPF_MAP_TYPE_HASH },
		{ "array", BPF_MAP_TYPE_ARRAY },
		{ "lru", BPF_MAP_TYPE_LRU_HASH },
		{ "percpu_hash", BPF_MAP_TYPE_PERCPU_HASH },
		{ "percpu_array", BPF_MAP_TYPE_PERCPU_ARRAY },
		{ "lru_percpu", BPF_MAP_TYPE_LRU_PERCPU_HASH },
	};
	char what[64];
	int fd;

	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		snprintf(what, sizeof(what), "%s timer", types[i].name);
		if ((fd = create(what, types[i].type, bfd, t->u32, 4, t->v_timer, 32, 4, 0)) >= 0)
			close(fd);
		snprintf(what, sizeof(what), "%s spin_lock", types[i].name);
		if ((fd = create(what, types[i].type, bfd, t->u32, 4, t->v_lock, 16, 4, 0)) >= 0)
			close(fd);
		snprintf(what, sizeof(what), "%s no_prealloc timer", types[i].name);
		if ((fd = create(what, types[i].type, bfd, t->u32, 4, t->v_timer, 32, 4,
				 BPF_F_NO_PREALLOC)) >= 0)
			close(fd);
	}
	const struct {
		const char *what;
		__u32 type, key_id, key_size, value_id, value_size, max, flags;
		int btf;
	} cases[] = {
		{ "hash u64 value", BPF_MAP_TYPE_HASH, t->u32, 4, t->u64, 8, 4, 0, bfd },
		{ "hash key size mismatch", BPF_MAP_TYPE_HASH, t->u64, 4, t->u64, 8, 4, 0, bfd },
		{ "hash value size mismatch", BPF_MAP_TYPE_HASH, t->u32, 4, t->u64, 16, 4, 0, bfd },
		{ "hash value only", BPF_MAP_TYPE_HASH, 0, 4, t->u64, 8, 4, 0, bfd },
		{ "hash key only", BPF_MAP_TYPE_HASH, t->u32, 4, 0, 8, 4, 0, bfd },
		{ "hash bad value id", BPF_MAP_TYPE_HASH, t->u32, 4, 9999, 8, 4, 0, bfd },
		{ "hash btf_fd -1", BPF_MAP_TYPE_HASH, t->u32, 4, t->u64, 8, 4, 0, -1 },
		{ "hash struct key", BPF_MAP_TYPE_HASH, t->ks, 4, t->u64, 8, 4, 0, bfd },
		{ "array struct key", BPF_MAP_TYPE_ARRAY, t->ks, 4, t->u64, 8, 4, 0, bfd },
		{ "array typedef key", BPF_MAP_TYPE_ARRAY, t->td_u32, 4, t->u64, 8, 4, 0, bfd },
		{ "array value only", BPF_MAP_TYPE_ARRAY, 0, 4, t->u64, 8, 1, 0, bfd },
		{ "array datasec", BPF_MAP_TYPE_ARRAY, 0, 4, t->datasec, 8, 1, 0, bfd },
		{ "array datasec max 2", BPF_MAP_TYPE_ARRAY, 0, 4, t->datasec, 8, 2, 0, bfd },
		{ "percpu_array datasec", BPF_MAP_TYPE_PERCPU_ARRAY, 0, 4, t->datasec, 8, 1, 0,
		  bfd },
		{ "prog_array btf", BPF_MAP_TYPE_PROG_ARRAY, t->u32, 4, t->u32, 4, 4, 0, bfd },
		{ "hash timer+lock", BPF_MAP_TYPE_HASH, t->u32, 4, t->v_both, 24, 4, 0, bfd },
		{ "lru timer+lock", BPF_MAP_TYPE_LRU_HASH, t->u32, 4, t->v_both, 24, 4, 0, bfd },
		{ "hash two timers", BPF_MAP_TYPE_HASH, t->u32, 4, t->v_two_timers, 32, 4, 0, bfd },
		{ "hash array of timers", BPF_MAP_TYPE_HASH, t->u32, 4, t->v_timer_arr, 32, 4, 0,
		  bfd },
		{ "hash misaligned timer", BPF_MAP_TYPE_HASH, t->u32, 4, t->v_misaligned, 20, 4, 0,
		  bfd },
		{ "hash timer rdonly_prog", BPF_MAP_TYPE_HASH, t->u32, 4, t->v_timer, 32, 4,
		  BPF_F_RDONLY_PROG, bfd },
		{ "array lock wronly_prog", BPF_MAP_TYPE_ARRAY, t->u32, 4, t->v_lock, 16, 4,
		  BPF_F_WRONLY_PROG, bfd },
		{ "array lock mmapable", BPF_MAP_TYPE_ARRAY, t->u32, 4, t->v_lock, 16, 4,
		  BPF_F_MMAPABLE, bfd },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		fd = create(cases[i].what, cases[i].type, cases[i].btf, cases[i].key_id,
			    cases[i].key_size, cases[i].value_id, cases[i].value_size, cases[i].max,
			    cases[i].flags);
		if (fd >= 0)
			close(fd);
	}
	int m = bpf_map_create(BPF_MAP_TYPE_ARRAY, "x", 4, 8, 1, NULL);
	fd = create("hash btf_fd is a map", BPF_MAP_TYPE_HASH, m, t->u32, 4, t->u64, 8, 4, 0);
	if (fd >= 0)
		close(fd);
	close(m);
}

static void print_bytes(const char *what, const unsigned char *p, int n)
{
	char line[256];
	int len = snprintf(line, sizeof(line), "%s:", what);

	for (int i = 0; i < n; i++)
		len += snprintf(line + len, sizeof(line) - len, "%s%02x", i % 8 ? "" : " ", p[i]);
	out("%s", line);
}

static void special_values(int bfd, const struct ids *t)
{
	unsigned char v[32], got[32];
	__u32 k = 1;

	memset(v, 0xab, sizeof(v));
	int fd = create("timer hash", BPF_MAP_TYPE_HASH, bfd, t->u32, 4, t->v_timer, 32, 4, 0);
	out("update: %d", R(bpf_map_update_elem(fd, &k, v, BPF_ANY)));
	memset(got, 0x11, sizeof(got));
	out("lookup: %d", R(bpf_map_lookup_elem(fd, &k, got)));
	print_bytes("timer value", got, 32);
	out("update F_LOCK: %d", R(bpf_map_update_elem(fd, &k, v, BPF_F_LOCK)));
	out("freeze: %d", R(bpf_map_freeze(fd)));
	memset(got, 0x11, sizeof(got));
	out("lookup_and_delete: %d", R(bpf_map_lookup_and_delete_elem(fd, &k, got)));
	print_bytes("deleted value", got, 32);
	close(fd);

	fd = create("lock array", BPF_MAP_TYPE_ARRAY, bfd, t->u32, 4, t->v_lock, 16, 4, 0);
	out("update: %d", R(bpf_map_update_elem(fd, &k, v, BPF_ANY)));
	memset(got, 0x11, sizeof(got));
	out("lookup F_LOCK: %d", R(bpf_map_lookup_elem_flags(fd, &k, got, BPF_F_LOCK)));
	print_bytes("lock value", got, 16);
	v[8] = 0x01;
	out("update F_LOCK: %d", R(bpf_map_update_elem(fd, &k, v, BPF_F_LOCK)));
	out("update F_LOCK|EXIST: %d", R(bpf_map_update_elem(fd, &k, v, BPF_F_LOCK | BPF_EXIST)));
	out("update F_LOCK|NOEXIST: %d",
	    R(bpf_map_update_elem(fd, &k, v, BPF_F_LOCK | BPF_NOEXIST)));
	memset(got, 0x11, sizeof(got));
	out("lookup: %d", R(bpf_map_lookup_elem(fd, &k, got)));
	print_bytes("lock value", got, 16);
	__u32 keys[4], n = 4, ob;
	unsigned char vals[4 * 16];
	LIBBPF_OPTS(bpf_map_batch_opts, bo, .elem_flags = BPF_F_LOCK);
	int err = R(bpf_map_lookup_batch(fd, NULL, &ob, keys, vals, &n, &bo));
	out("lookup_batch F_LOCK: %d count %u", err, n);
	print_bytes("batch value 1", vals + 16, 16);
	out("freeze: %d", R(bpf_map_freeze(fd)));
	close(fd);

	fd = create("lock hash", BPF_MAP_TYPE_HASH, bfd, t->u32, 4, t->v_lock, 16, 4, 0);
	out("update F_LOCK new: %d", R(bpf_map_update_elem(fd, &k, v, BPF_F_LOCK)));
	out("update F_LOCK existing: %d", R(bpf_map_update_elem(fd, &k, v, BPF_F_LOCK)));
	memset(got, 0x11, sizeof(got));
	out("lookup_and_delete F_LOCK: %d",
	    R(bpf_map_lookup_and_delete_elem_flags(fd, &k, got, BPF_F_LOCK)));
	print_bytes("lock value", got, 16);
	close(fd);
}

/* Values whose timers are not valid fields (two of them, an array, misaligned): what user
 * space sees of those bytes. */
static void invalid_timers(int bfd, const struct ids *t)
{
	const struct {
		const char *what;
		int id;
		__u32 size;
	} cases[] = {
		{ "two timers", t->v_two_timers, 32 },
		{ "array of timers", t->v_timer_arr, 32 },
		{ "misaligned timer", t->v_misaligned, 20 },
	};
	unsigned char v[32], got[32];
	__u32 k = 0;

	memset(v, 0xcd, sizeof(v));
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int fd = create(cases[i].what, BPF_MAP_TYPE_ARRAY, bfd, t->u32, 4, cases[i].id,
				cases[i].size, 1, 0);
		out("update: %d", R(bpf_map_update_elem(fd, &k, v, BPF_ANY)));
		memset(got, 0x11, sizeof(got));
		out("lookup: %d", R(bpf_map_lookup_elem(fd, &k, got)));
		print_bytes("value", got, (int)cases[i].size);
		out("freeze: %d", R(bpf_map_freeze(fd)));
		close(fd);
	}
}

int main(void)
{
	struct ids t;
	struct btf *b = build(&t);

	if (btf__load_into_kernel(b)) {
		out("BTF load failed: %d", -errno);
		return 1;
	}
	int bfd = btf__fd(b);
	creation(bfd, &t);
	special_values(bfd, &t);
	invalid_timers(bfd, &t);
	btf__free(b);
	return finish();
}
