/* The bpf() core: descriptors, references, ids, pins, BTF objects and the attr size rules,
 * through bpfrun_bpf() and bpfrun_close/dup/dup2.  Every expected errno was measured on
 * the kernel. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/btf.h>
#include <linux/btf.h>

#include "bpfrun.h"
#include "difftest.h"
#include "btf/btf.h"
#include "obj/object.h"
#include "maps/map.h"

static long sys(int cmd, union bpf_attr *a)
{
	return bpfrun_bpf(cmd, a, sizeof(*a));
}

/* bpf() result as 0/fd or -errno. */
static long call(int cmd, union bpf_attr *a)
{
	long r = sys(cmd, a);
	return r < 0 ? -errno : r;
}

static int btf_load_raw(const void *data, unsigned int size, char *log, unsigned int log_size,
			unsigned int level)
{
	union bpf_attr a = { .btf = (uintptr_t)data,
			     .btf_size = size,
			     .btf_log_buf = (uintptr_t)log,
			     .btf_log_size = log_size,
			     .btf_log_level = level };
	return (int)call(BPF_BTF_LOAD, &a);
}

static int load_btf(struct btf *b)
{
	unsigned int size;
	const void *raw = btf__raw_data(b, &size);
	return btf_load_raw(raw, size, NULL, 0, 0);
}

static int small_btf(void)
{
	struct btf *b = btf__new_empty();
	btf__add_int(b, "int", 4, BTF_INT_SIGNED);
	int fd = load_btf(b);
	btf__free(b);
	return fd;
}

static int array_map(void)
{
	union bpf_attr a = {
		.map_type = BPF_MAP_TYPE_ARRAY, .key_size = 4, .value_size = 8, .max_entries = 4
	};
	return (int)call(BPF_MAP_CREATE, &a);
}

static u32 btf_id_of(int fd)
{
	struct bpf_btf_info info = { 0 };
	union bpf_attr a = {
		.info = { .bpf_fd = (u32)fd, .info_len = sizeof(info), .info = (uintptr_t)&info }
	};
	return call(BPF_OBJ_GET_INFO_BY_FD, &a) ? 0 : info.id;
}

static u32 map_id_of(int fd)
{
	struct bpf_map_info info = { 0 };
	union bpf_attr a = {
		.info = { .bpf_fd = (u32)fd, .info_len = sizeof(info), .info = (uintptr_t)&info }
	};
	return call(BPF_OBJ_GET_INFO_BY_FD, &a) ? 0 : info.id;
}

/* True when id is listed by GET_NEXT_ID of the type. */
static bool id_listed(int next_cmd, u32 id)
{
	union bpf_attr a = { .start_id = 0 };
	while (call(next_cmd, &a) == 0) {
		if (a.next_id == id)
			return true;
		a.start_id = a.next_id;
	}
	return false;
}

static void test_descriptors(void)
{
	int file = open("/dev/null", O_RDONLY);
	int fd = small_btf();
	CHECK(fd > 2 && fd != file, "btf fd %d, file %d", fd, file);
	CHECK(fcntl(fd, F_GETFD) == FD_CLOEXEC, "close-on-exec as the kernel's");
	char link[64], target[256] = "";
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	CHECK(readlink(link, target, sizeof(target) - 1) > 0 && strstr(target, "btf"), "%s",
	      target);
	CHECK(obj_fd_is_object(fd) && !obj_fd_is_object(file), "table");

	struct bpf_btf_info info = { 0 };
	union bpf_attr a = {
		.info = { .bpf_fd = (u32)file, .info_len = sizeof(info), .info = (uintptr_t)&info }
	};
	CHECK(call(BPF_OBJ_GET_INFO_BY_FD, &a) == -EINVAL, "info of a file");
	a.info.bpf_fd = 999;
	CHECK(call(BPF_OBJ_GET_INFO_BY_FD, &a) == -EBADFD, "info of a closed fd");
	memset(&a, 0, sizeof(a));
	a.map_fd = (u32)fd;
	CHECK(call(BPF_MAP_FREEZE, &a) == -EINVAL, "freeze of a btf fd");
	a.map_fd = 999;
	CHECK(call(BPF_MAP_FREEZE, &a) == -EBADF, "freeze of a closed fd");
	CHECK(bpfrun_close(file) == 0 && bpfrun_close(fd) == 0, "close");
	CHECK(bpfrun_close(fd) == -1 && errno == EBADF, "double close");
}

static void test_ids(void)
{
	int fds[3];
	u32 ids[3];
	for (int i = 0; i < 3; i++) {
		fds[i] = small_btf();
		ids[i] = btf_id_of(fds[i]);
	}
	CHECK(ids[0] > 0 && ids[1] > ids[0] && ids[2] > ids[1], "increasing ids %u %u %u", ids[0],
	      ids[1], ids[2]);
	CHECK(id_listed(BPF_BTF_GET_NEXT_ID, ids[1]), "listed");
	bpfrun_close(fds[1]);
	CHECK(!id_listed(BPF_BTF_GET_NEXT_ID, ids[1]), "closed id disappears");
	union bpf_attr a = { .btf_id = ids[1] };
	CHECK(call(BPF_BTF_GET_FD_BY_ID, &a) == -ENOENT, "fd by closed id");
	a.btf_id = ids[2];
	int again = (int)call(BPF_BTF_GET_FD_BY_ID, &a);
	CHECK(again >= 0 && btf_id_of(again) == ids[2], "fd by id");
	bpfrun_close(fds[2]);
	CHECK(id_listed(BPF_BTF_GET_NEXT_ID, ids[2]), "alive through the fd from its id");
	bpfrun_close(again);
	int fresh = small_btf();
	CHECK(btf_id_of(fresh) > ids[2], "ids are not reused");
	a.start_id = INT32_MAX;
	CHECK(call(BPF_BTF_GET_NEXT_ID, &a) == -EINVAL, "start_id INT_MAX");
	a.btf_id = 0;
	CHECK(call(BPF_BTF_GET_FD_BY_ID, &a) == -ENOENT, "id 0");
	bpfrun_close(fresh);
	bpfrun_close(fds[0]);
}

static void test_dup(void)
{
	int a = small_btf(), b = small_btf();
	u32 ida = btf_id_of(a), idb = btf_id_of(b);
	int d = bpfrun_dup(a);
	CHECK(d > 2 && btf_id_of(d) == ida, "dup");
	bpfrun_close(a);
	CHECK(id_listed(BPF_BTF_GET_NEXT_ID, ida), "dup keeps the object");
	CHECK(bpfrun_dup2(d, b) == b, "dup2 over another object's fd");
	CHECK(!id_listed(BPF_BTF_GET_NEXT_ID, idb), "the object dup2 closed is gone");
	CHECK(btf_id_of(b) == ida, "newfd refers to the copy");
	CHECK(bpfrun_dup2(b, b) == b, "dup2 onto itself");
	bpfrun_close(d);
	CHECK(id_listed(BPF_BTF_GET_NEXT_ID, ida), "still one descriptor");
	bpfrun_close(b);
	CHECK(!id_listed(BPF_BTF_GET_NEXT_ID, ida), "last descriptor closed");
}

static void test_attr_size(void)
{
	static char big[8192];
	union bpf_attr *a = (union bpf_attr *)big;
	a->map_type = BPF_MAP_TYPE_ARRAY;
	a->key_size = 4;
	a->value_size = 4;
	a->max_entries = 1;
	errno = 0;
	CHECK(bpfrun_bpf(BPF_MAP_CREATE, a, 4097) == -1 && errno == E2BIG, "size above a page");
	big[200] = 1;
	CHECK(bpfrun_bpf(BPF_MAP_CREATE, a, 4096) == -1 && errno == E2BIG,
	      "non-zero byte past the union");
	big[200] = 0;
	big[100] = 1;
	CHECK(bpfrun_bpf(BPF_MAP_CREATE, a, sizeof(*a)) == -1 && errno == EINVAL,
	      "past the command's fields");
	big[100] = 0;
	union bpf_attr f = { .map_fd = 1 };
	((char *)&f)[5] = 1;
	CHECK(call(BPF_MAP_FREEZE, &f) == -EINVAL, "freeze with bytes past map_fd");
	union bpf_attr i = { 0 };
	((char *)&i)[16] = 1;
	CHECK(call(BPF_OBJ_GET_INFO_BY_FD, &i) == -EINVAL, "info with bytes past info");
	CHECK(bpfrun_bpf(999, a, 0) == -1 && errno == EINVAL, "unknown command");
	CHECK(bpfrun_bpf(BPF_MAP_CREATE, NULL, 8) == -1 && errno == EFAULT, "NULL attr");
	CHECK(bpfrun_bpf(BPF_MAP_CREATE, NULL, 0) == -1 && errno == EINVAL, "empty attr");
}

static void test_btf_load(void)
{
	struct {
		struct btf_header h;
		u32 t[4];
		char s[5];
	} __attribute__((packed)) blob = {
		.h = { .magic = BTF_MAGIC,
		       .version = 1,
		       .hdr_len = sizeof(struct btf_header),
		       .type_len = 16,
		       .str_off = 16,
		       .str_len = 5 },
		.t = { 1, BTF_KIND_INT << 24, 4, 32 },
		.s = "\0int",
	};
	char log[4096];
	int fd = btf_load_raw(&blob, sizeof(blob), log, sizeof(log), 1);
	CHECK(fd >= 0 && strstr(log, "magic: 0xeb9f\n"), "log at level 1: %s", log);
	bpfrun_close(fd);
	CHECK(btf_load_raw(&blob, sizeof(blob), NULL, 0, 1) >= 3, "level without buffer");
	CHECK(btf_load_raw(&blob, sizeof(blob), log, sizeof(log), 0) == -EINVAL,
	      "buffer without level");
	CHECK(btf_load_raw(&blob, sizeof(blob), log, 0, 1) == -EINVAL, "buffer of size 0");
	CHECK(btf_load_raw(&blob, sizeof(blob), log, sizeof(log), 16) == -EINVAL, "level 16");
	CHECK(btf_load_raw(&blob, sizeof(blob), log, 10, 1) == -ENOSPC && strlen(log) == 9,
	      "tail of a short log");
	CHECK(btf_load_raw(&blob, 0, NULL, 0, 0) == -EINVAL, "size 0");
	CHECK(btf_load_raw(NULL, sizeof(blob), NULL, 0, 0) == -EFAULT, "NULL data");
	CHECK(btf_load_raw(&blob, 0x7fffffff, NULL, 0, 0) == -E2BIG, "huge");
	blob.h.magic = 0x1234;
	CHECK(btf_load_raw(&blob, sizeof(blob), log, sizeof(log), 1) == -EINVAL &&
		      strstr(log, "Invalid magic"),
	      "bad magic: %s", log);
	blob.h.magic = BTF_MAGIC;
	blob.t[1] = BTF_KIND_PTR << 24;
	blob.t[2] = 5;
	blob.t[0] = 0;
	blob.h.type_len = 12;
	CHECK(btf_load_raw(&blob, sizeof(blob), log, sizeof(log), 1) == -EINVAL,
	      "ptr to a missing type");
}

/* The BTF kinds libbpf 1.1 probes the kernel for: a modern kernel takes them all. */
static void test_btf_feature_probes(void)
{
	struct btf *b = btf__new_empty();
	int int_id = btf__add_int(b, "int", 4, BTF_INT_SIGNED);
	int proto = btf__add_func_proto(b, int_id);
	btf__add_func_param(b, "x", int_id);
	btf__add_func(b, "f_static", BTF_FUNC_STATIC, proto);
	btf__add_func(b, "f_global", BTF_FUNC_GLOBAL, proto);
	int var = btf__add_var(b, "v", BTF_VAR_GLOBAL_ALLOCATED, int_id);
	btf__add_datasec(b, ".data", 4);
	btf__add_datasec_var_info(b, var, 0, 4);
	btf__add_float(b, "float", 4);
	btf__add_decl_tag(b, "tag", var, -1);
	int tag = btf__add_type_tag(b, "user", int_id);
	btf__add_ptr(b, tag);
	btf__add_enum64(b, "e64", 8, false);
	btf__add_enum64_value(b, "BIG", 1ULL << 40);
	int fd = load_btf(b);
	CHECK(fd >= 0, "every probed kind: %ld", (long)fd);
	struct btf_obj *o = btf_from_fd(fd);
	CHECK(!IS_ERR(o) && btf_type_size(o, (u32)int_id) == 4, "type size");
	btf_obj_put(IS_ERR(o) ? NULL : o);
	bpfrun_close(fd);
	btf__free(b);
}

/* The bpf_timer field of value type id (value_size bytes): its offset or FIELD_NONE. */
static s32 timer_at(const struct btf_obj *o, int id, u32 value_size)
{
	struct field_table t;

	if (btf_find_fields(o, (u32)id, value_size, &t))
		return -100;
	return field_off(&t, FIELD_TIMER);
}

/* struct bpf_timer { u64 a, b; } in the ways map values hold it. */
static void test_special_fields(void)
{
	struct btf *b = btf__new_empty();
	int u64_id = btf__add_int(b, "u64", 8, 0);
	int timer = btf__add_struct(b, "bpf_timer", 16);
	btf__add_field(b, "a", u64_id, 0, 0);
	btf__add_field(b, "b", u64_id, 64, 0);
	int td = btf__add_typedef(b, "timer_t", timer);
	int plain = btf__add_struct(b, "plain", 24);
	btf__add_field(b, "x", u64_id, 0, 0);
	btf__add_field(b, "t", td, 64, 0);
	int nested = btf__add_struct(b, "nested", 32);
	btf__add_field(b, "y", u64_id, 0, 0);
	btf__add_field(b, "p", plain, 64, 0);
	int twice = btf__add_struct(b, "twice", 32);
	btf__add_field(b, "t1", timer, 0, 0);
	btf__add_field(b, "t2", timer, 128, 0);
	int arr = btf__add_array(b, u64_id, timer, 2);
	int in_array = btf__add_struct(b, "in_array", 32);
	btf__add_field(b, "ts", arr, 0, 0);
	int misaligned = btf__add_struct(b, "misaligned", 20);
	btf__add_field(b, "x", u64_id, 0, 0);
	btf__add_field(b, "t", timer, 32, 0);
	int fd = load_btf(b);
	struct btf_obj *o = btf_from_fd(fd);
	CHECK(!IS_ERR(o), "btf");
	if (IS_ERR(o))
		return;
	CHECK(timer_at(o, plain, 24) == 8, "through a typedef");
	CHECK(timer_at(o, nested, 32) == 16, "nested");
	CHECK(timer_at(o, twice, 32) == FIELD_NONE, "twice");
	CHECK(timer_at(o, in_array, 32) == FIELD_NONE, "array");
	CHECK(timer_at(o, misaligned, 20) == FIELD_NONE, "misaligned");
	struct field_table t;
	CHECK(!btf_find_fields(o, (u32)plain, 24, &t) &&
		      field_off(&t, FIELD_SPIN_LOCK) == FIELD_NONE && t.cnt == 1,
	      "absent");
	CHECK(timer_at(o, u64_id, 8) == FIELD_NONE, "scalar");
	CHECK(btf_find_fields(o, (u32)nested, 24, &t) == -EINVAL, "a field past the value");
	btf_obj_put(o);
	bpfrun_close(fd);
	btf__free(b);
}

static char pin_path[64];

static long pin(int fd, const char *path)
{
	union bpf_attr a = { .bpf_fd = (u32)fd, .pathname = (uintptr_t)path };
	return call(BPF_OBJ_PIN, &a);
}

static long get(const char *path, u32 flags)
{
	union bpf_attr a = { .pathname = (uintptr_t)path, .file_flags = flags };
	return call(BPF_OBJ_GET, &a);
}

static void test_pins(void)
{
	int fd = array_map();
	CHECK(fd >= 3, "ARRAY map: %d", fd);
	if (fd < 0)
		return;
	u32 id = map_id_of(fd);
	snprintf(pin_path, sizeof(pin_path), "/sys/fs/bpf/bpfrun_core_%d", getpid());
	CHECK(pin(fd, pin_path) == 0, "pin");
	CHECK(pin(fd, pin_path) == -EEXIST, "pin again");
	CHECK(pin(999, "/sys/fs/bpf/x") == -EINVAL && pin(1, "/sys/fs/bpf/x") == -EINVAL,
	      "no object");
	int btf = small_btf();
	CHECK(pin(btf, "/sys/fs/bpf/x") == -EINVAL, "BTF cannot be pinned");
	bpfrun_close(btf);
	CHECK(pin(fd, "/tmp/bpfrun_core_x") == -EPERM, "not a bpffs");
	CHECK(pin(fd, "/sys/fs/bpf/bpfrun_no_dir/x") == -ENOENT, "missing parent");
	CHECK(pin(fd, "/sys/fs/bpf") == -EEXIST && pin(fd, "/sys/fs/bpf/") == -EEXIST, "the root");
	CHECK(pin(fd, "") == -ENOENT, "empty path");
	char under[96];
	snprintf(under, sizeof(under), "%s/x", pin_path);
	CHECK(pin(fd, under) == -ENOTDIR, "below a pin");
	CHECK(get("/sys/fs/bpf/bpfrun_none", 0) == -ENOENT, "get missing");
	CHECK(get("/tmp", 0) == -EACCES && get("/sys/fs/bpf", 0) == -EACCES, "get a directory");
	CHECK(get(pin_path, BPF_F_RDONLY | BPF_F_WRONLY) == -EINVAL && get(pin_path, 4) == -EINVAL,
	      "get flags");
	bpfrun_close(fd);
	CHECK(id_listed(BPF_MAP_GET_NEXT_ID, id), "the pin keeps the map");
	char odd[96];
	snprintf(odd, sizeof(odd), "/sys/fs/bpf//./bpfrun_x/../bpfrun_core_%d", getpid());
	int got = (int)get(odd, 0);
	CHECK(got >= 3 && map_id_of(got) == id, "get through a normalized path");
	CHECK(pin_remove(pin_path) == 0 && pin_remove(pin_path) == -ENOENT, "unpin");
	CHECK(id_listed(BPF_MAP_GET_NEXT_ID, id), "the descriptor from get keeps it");
	bpfrun_close(got);
	CHECK(!id_listed(BPF_MAP_GET_NEXT_ID, id), "gone with the last user reference");

	char dir[80], in_dir[96];
	snprintf(dir, sizeof(dir), "/sys/fs/bpf/bpfrun_core_dir_%d", getpid());
	snprintf(in_dir, sizeof(in_dir), "%s/m", dir);
	fd = array_map();
	CHECK(pin_mkdir(dir) == 0 && pin_mkdir(dir) == -EEXIST, "mkdir");
	CHECK(pin_dir_is_bpffs(dir) && pin_dir_is_bpffs("/sys/fs/bpf") && !pin_dir_is_bpffs("/tmp"),
	      "bpffs dirs");
	CHECK(pin(fd, in_dir) == 0, "pin in a directory");
	CHECK(pin_rmdir(dir) == -ENOTEMPTY && pin_remove(dir) == -EISDIR &&
		      pin_rmdir(in_dir) == -ENOTDIR,
	      "rmdir/unlink errors");
	CHECK(pin_remove(in_dir) == 0 && pin_rmdir(dir) == 0, "cleanup");
	bpfrun_close(fd);
}

/* Threads dup, look up and close descriptors of one object at once: the counts end right. */
static int shared_fd;

static void *dup_close_loop(void *arg)
{
	for (int i = 0; i < 500; i++) {
		int d = bpfrun_dup(shared_fd);
		struct btf_obj *o = btf_from_fd(d);
		if (!IS_ERR(o))
			btf_obj_put(o);
		else
			__atomic_add_fetch((int *)arg, 1, __ATOMIC_RELAXED);
		bpfrun_close(d);
	}
	return NULL;
}

static void test_threads(void)
{
	pthread_t t[4];
	int errors = 0;
	shared_fd = small_btf();
	u32 id = btf_id_of(shared_fd);
	for (int i = 0; i < 4; i++)
		pthread_create(&t[i], NULL, dup_close_loop, &errors);
	for (int i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	CHECK(errors == 0, "lookups of live descriptors: %d errors", errors);
	CHECK(id_listed(BPF_BTF_GET_NEXT_ID, id), "alive");
	bpfrun_close(shared_fd);
	CHECK(!id_listed(BPF_BTF_GET_NEXT_ID, id), "released with the last descriptor");
}

int main(void)
{
	test_threads();
	test_descriptors();
	test_ids();
	test_dup();
	test_attr_size();
	test_btf_load();
	test_btf_feature_probes();
	test_special_fields();
	test_pins();
	return finish();
}
