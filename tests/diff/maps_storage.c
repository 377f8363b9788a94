/* Local storage and STACK_TRACE against the kernel (tests/bpf/maps_storage.bpf.c).
 * Creation: the kernel's checks for TASK, SK, INODE and CGRP_STORAGE (BPF_F_NO_PREALLOC,
 * BTF key and value, an int key, the largest value, which special fields) and for
 * STACK_TRACE (value sizes up to perf_event_max_stack entries, build-id entries, no BTF).
 * Elements from user space by descriptor: a pidfd (also of a thread, whose storage dies
 * when it exits), a socket, a cgroup2 directory (in a private mount namespace), a file's
 * inode (when the kernel has the BPF LSM), with the flags and errors; from programs:
 * bpf_task_storage_get/delete on the current task and bpf_cgrp_storage_* on NULL.
 * Stacks: ids stable across runs, skips, -EEXIST on a taken bucket and BPF_F_REUSE_STACKID,
 * user-space lookup, delete and get_next_key, bpf_get_stack's sizes and flags.  Stack
 * contents differ by nature (the kernel's code against bpfrun's): only their shape is
 * printed.  Programs that may not use maps with a bpf_spin_lock (tracing, socket filters)
 * are refused at load (tests/bpf/maps_storage_lock.bpf.c). */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <bpf/btf.h>

#include "difftest.h"

#define MAP_TYPE_CGRP_STORAGE 32
#define PIDFD_THREAD_FLAG O_EXCL

struct val {
	__u64 count, tag;
};

struct lval { /* a value with a bpf_spin_lock (make_btf's type 7) */
	__u32 lock, pad;
	__u64 count, tag, spare;
};

static struct bpf_object *obj;
static __s64 res[8];

static int errno_of(long ret)
{
	return ret < 0 ? -errno : (int)ret;
}

static int pidfd_of(pid_t pid, unsigned flags)
{
	return (int)syscall(SYS_pidfd_open, pid, flags);
}

/* Runs prog with args a0..a2 and reads res: the first error, or 0.  No CHECK: threads
 * call it too (the checks' counters are the main thread's). */
static int run_quiet(const char *prog, __u64 a0, __u64 a1, __u64 a2)
{
	__u64 a[4] = { a0, a1, a2, 0 }, ctx[2] = { 0 };
	__u32 k = 0;
	LIBBPF_OPTS(bpf_test_run_opts, t, .ctx_in = ctx, .ctx_size_in = sizeof(ctx));

	memset(res, 0, sizeof(res));
	if (bpf_map_update_elem(map_fd(obj, "res"), &k, res, BPF_ANY) ||
	    bpf_map_update_elem(map_fd(obj, "args"), &k, a, BPF_ANY))
		return -errno;
	int err = bpf_prog_test_run_opts(prog_fd(obj, prog), &t);
	if (err || t.retval)
		return err ? err : -EINVAL;
	return bpf_map_lookup_elem(map_fd(obj, "res"), &k, res) ? -errno : 0;
}

static void run(const char *prog, __u64 a0, __u64 a1, __u64 a2)
{
	int err = run_quiet(prog, a0, a1, a2);

	CHECK(!err, "%s: %d", prog, err);
}

/* ---- creation ---- */

/* A BTF with an int (1), a 4-byte struct (2), a u64 (3), a value of value_size bytes
 * (4: a char array), and a value struct with a field of type special (5: "bpf_spin_lock"
 * or "bpf_timer" of its kernel size) when special is not NULL. */
static int make_btf(__u32 value_size, const char *special)
{
	struct btf *b = btf__new_empty();
	int chr = 0;

	btf__add_int(b, "int", 4, BTF_INT_SIGNED);
	btf__add_struct(b, "four", 4);
	btf__add_field(b, "x", 1, 0, 0);
	btf__add_int(b, "long long unsigned int", 8, 0);
	chr = btf__add_int(b, "char", 1, BTF_INT_CHAR);
	btf__add_array(b, 1, chr, value_size ? value_size : 1);
	if (special) {
		__u32 sz = strcmp(special, "bpf_timer") ? 4 : 16;
		int s = btf__add_struct(b, special, sz);
		btf__add_field(b, "a", 4, 0, 0);
		int v = btf__add_struct(b, "val", 32);
		btf__add_field(b, "s", s, 0, 0);
		btf__add_field(b, "n", 4, 128, 0);
		(void)v;
	}
	int fd = btf__load_into_kernel(b) ? -1 : btf__fd(b);
	fd = fd >= 0 ? dup(fd) : -1;
	btf__free(b);
	return fd;
}

struct create {
	const char *what;
	__u32 flags, key_size, value_size, max_entries, key_id, value_id;
	const char *special;
};

static int create(__u32 type, const struct create *c)
{
	int btf = c->key_id || c->value_id ? make_btf(c->value_size, c->special) : -1;
	LIBBPF_OPTS(bpf_map_create_opts, o, .map_flags = c->flags, .btf_fd = btf > 0 ? btf : 0,
		    .btf_key_type_id = c->key_id, .btf_value_type_id = c->value_id);
	int fd = bpf_map_create(type, NULL, c->key_size, c->value_size, c->max_entries, &o);
	int ret = fd >= 0 ? 0 : -errno;

	if (fd >= 0)
		close(fd);
	if (btf >= 0)
		close(btf);
	return ret;
}

#define NP BPF_F_NO_PREALLOC
static const struct create storage_cases[] = {
	{ "valid", NP, 4, 16, 0, 1, 5, NULL },
	{ "no BPF_F_NO_PREALLOC", 0, 4, 16, 0, 1, 5, NULL },
	{ "BPF_F_CLONE", NP | BPF_F_CLONE, 4, 16, 0, 1, 5, NULL },
	{ "BPF_F_RDONLY_PROG", NP | BPF_F_RDONLY_PROG, 4, 16, 0, 1, 5, NULL },
	{ "max_entries 1", NP, 4, 16, 1, 1, 5, NULL },
	{ "key_size 8", NP, 8, 16, 0, 3, 5, NULL },
	{ "value_size 0", NP, 4, 0, 0, 1, 5, NULL },
	{ "no BTF", NP, 4, 16, 0, 0, 0, NULL },
	{ "no BTF key", NP, 4, 16, 0, 0, 5, NULL },
	{ "struct key", NP, 4, 16, 0, 2, 5, NULL },
	{ "value BTF of another size", NP, 4, 24, 0, 1, 3, NULL },
	{ "bpf_spin_lock", NP, 4, 32, 0, 1, 7, "bpf_spin_lock" },
	{ "bpf_timer", NP, 4, 32, 0, 1, 7, "bpf_timer" },
};

/* The largest value size type accepts (binary search between 1 and 65535). */
static __u32 largest_value(__u32 type)
{
	__u32 lo = 1, hi = 65535;

	while (lo < hi) {
		__u32 mid = lo + (hi - lo + 1) / 2;
		struct create c = { "", NP, 4, mid, 0, 1, 5, NULL };
		if (create(type, &c) == 0)
			lo = mid;
		else
			hi = mid - 1;
	}
	return lo;
}

static void storage_creates(void)
{
	static const struct {
		__u32 type;
		const char *name;
	} types[] = { { BPF_MAP_TYPE_TASK_STORAGE, "task" },
		      { BPF_MAP_TYPE_SK_STORAGE, "sk" },
		      { BPF_MAP_TYPE_INODE_STORAGE, "inode" },
		      { MAP_TYPE_CGRP_STORAGE, "cgrp" } };

	for (unsigned t = 0; t < 4; t++) {
		for (unsigned i = 0; i < sizeof(storage_cases) / sizeof(storage_cases[0]); i++)
			out("create %s storage, %s: %d", types[t].name, storage_cases[i].what,
			    create(types[t].type, &storage_cases[i]));
		struct create big = { "", NP, 4, 65535, 0, 1, 5, NULL };
		out("create %s storage, value_size 65535: %d", types[t].name,
		    create(types[t].type, &big));
	}
	out("largest task storage value: %u", largest_value(BPF_MAP_TYPE_TASK_STORAGE));
}

static void stack_creates(void)
{
	static const struct create cases[] = {
		{ "valid", 0, 4, 8, 4, 0, 0, NULL },
		{ "127 entries", 0, 4, 127 * 8, 4, 0, 0, NULL },
		{ "128 entries", 0, 4, 128 * 8, 4, 0, 0, NULL },
		{ "value_size 4", 0, 4, 4, 4, 0, 0, NULL },
		{ "value_size 12", 0, 4, 12, 4, 0, 0, NULL },
		{ "key_size 8", 0, 8, 8, 4, 0, 0, NULL },
		{ "max_entries 0", 0, 4, 8, 0, 0, 0, NULL },
		{ "BPF_F_NO_PREALLOC", NP, 4, 8, 4, 0, 0, NULL },
		{ "build id, 32 bytes", BPF_F_STACK_BUILD_ID, 4, 32, 4, 0, 0, NULL },
		{ "build id, 40 bytes", BPF_F_STACK_BUILD_ID, 4, 40, 4, 0, 0, NULL },
		{ "build id, 128 entries", BPF_F_STACK_BUILD_ID, 4, 128 * 32, 4, 0, 0, NULL },
		{ "with BTF", 0, 4, 8, 4, 1, 3, NULL },
	};

	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		out("create stack trace, %s: %d", cases[i].what,
		    create(BPF_MAP_TYPE_STACK_TRACE, &cases[i]));
}

/* ---- storage elements from user space ---- */

static void show_val(const char *what, int fd, int key, __u64 flags)
{
	struct val v = { 0 };
	int err = errno_of(bpf_map_lookup_elem_flags(fd, &key, &v, flags));

	out("%s: %d count %llu tag %llu", what, err, (unsigned long long)v.count,
	    (unsigned long long)v.tag);
}

static int put(int fd, int key, __u64 count, __u64 tag, __u64 flags)
{
	struct val v = { count, tag };

	return errno_of(bpf_map_update_elem(fd, &key, &v, flags));
}

static void task_user(void)
{
	int m = map_fd(obj, "tasks"), pfd = pidfd_of(getpid(), 0), null = open("/dev/null", 0);
	__u64 u = 0;

	show_val("task lookup, none yet", m, pfd, 0);
	show_val("task lookup, fd -1", m, -1, 0);
	show_val("task lookup, not a pidfd", m, null, 0);
	out("task update EXIST, none: %d", put(m, pfd, 5, 7, BPF_EXIST));
	out("task update flags 3: %d", put(m, pfd, 5, 7, 3));
	out("task update NOEXIST: %d", put(m, pfd, 5, 7, BPF_NOEXIST));
	out("task update NOEXIST again: %d", put(m, pfd, 5, 7, BPF_NOEXIST));
	out("task update not a pidfd: %d", put(m, null, 5, 7, BPF_ANY));
	run("task_get", 0, 0, 0);
	out("program get: found %lld count %lld tag %lld", res[0], res[1], res[2]);
	show_val("task lookup", m, pfd, 0);
	out("task lookup BPF_F_LOCK without a lock: %d",
	    errno_of(bpf_map_lookup_elem_flags(m, &pfd, &u, BPF_F_LOCK)));
	out("task get_next_key: %d", errno_of(bpf_map_get_next_key(m, &pfd, &u)));
	__u32 count = 1;
	int keys[1];
	struct val vals[1];
	out("task lookup_batch: %d",
	    errno_of(bpf_map_lookup_batch(m, NULL, &u, keys, vals, &count, NULL)));
	out("task lookup_and_delete: %d", errno_of(bpf_map_lookup_and_delete_elem(m, &pfd, &u)));
	out("task delete: %d", errno_of(bpf_map_delete_elem(m, &pfd)));
	out("task delete again: %d", errno_of(bpf_map_delete_elem(m, &pfd)));
	out("task delete, fd -1: %d", errno_of(bpf_map_delete_elem(m, &(int){ -1 })));
	run("task_get", 0, 0, 0);
	out("program get, none: found %lld", res[0]);
	run("task_get", 2, 0, 0);
	out("program get, flags 2: found %lld", res[0]);
	run("task_get", BPF_LOCAL_STORAGE_GET_F_CREATE, 0, 0);
	out("program get CREATE: found %lld count %lld tag %lld", res[0], res[1], res[2]);
	run("task_get", BPF_LOCAL_STORAGE_GET_F_CREATE, 0, 0);
	out("program get CREATE again: found %lld count %lld", res[0], res[1]);
	struct val init = { 40, 42 };
	__u32 k = 0;
	CHECK(!bpf_map_update_elem(map_fd(obj, "inits"), &k, &init, BPF_ANY), "inits");
	run("task_get", BPF_LOCAL_STORAGE_GET_F_CREATE, 1, 1);
	out("program get CREATE with a value: found %lld count %lld tag %lld", res[0], res[1],
	    res[2]);
	show_val("task lookup in the second map", map_fd(obj, "tasks2"), pfd, 0);
	run("task_del", 0, 0, 0);
	out("program delete: %lld", res[0]);
	run("task_del", 0, 0, 0);
	out("program delete again: %lld", res[0]);
	run("cgrp_null", 0, 0, 0);
	out("program cgroup storage of NULL: get %lld delete %lld", res[0], res[1]);
	close(pfd);
	close(null);
}

/* BPF_F_LOCK on a value with a bpf_spin_lock (tracing programs may not use such maps). */
static void task_lock(void)
{
	int btf = make_btf(32, "bpf_spin_lock"), pfd = pidfd_of(getpid(), 0);
	LIBBPF_OPTS(bpf_map_create_opts, o, .map_flags = NP, .btf_fd = btf, .btf_key_type_id = 1,
		    .btf_value_type_id = 7);
	int m = bpf_map_create(BPF_MAP_TYPE_TASK_STORAGE, NULL, 4, 32, 0, &o);
	struct lval v = { 0, 0, 1, 2, 3 };

	CHECK(m >= 0, "lock map: %d", -errno);
	out("locked update NOEXIST: %d",
	    errno_of(bpf_map_update_elem(m, &pfd, &v, BPF_NOEXIST | BPF_F_LOCK)));
	v.count = 5;
	out("locked update EXIST: %d",
	    errno_of(bpf_map_update_elem(m, &pfd, &v, BPF_EXIST | BPF_F_LOCK)));
	memset(&v, 0xff, sizeof(v));
	out("locked lookup: %d", errno_of(bpf_map_lookup_elem_flags(m, &pfd, &v, BPF_F_LOCK)));
	out("value: lock %u count %llu tag %llu spare %llu", v.lock, (unsigned long long)v.count,
	    (unsigned long long)v.tag, (unsigned long long)v.spare);
	close(m);
	close(btf);
	close(pfd);
}

/* A tc program counts in its task's storage under the value's bpf_spin_lock, with
 * user-space locked updates and lookups between its runs. */
static void tc_task_lock(void)
{
	struct bpf_object *o = bpf_object__open_file(obj_path("maps_storage_lock"), NULL);
	struct bpf_program *p;
	int pfd = pidfd_of(getpid(), 0);

	bpf_object__for_each_program(p, o)
		bpf_program__set_autoload(p, !strcmp(bpf_program__name(p), "tc_task_lock"));
	CHECK(!bpf_object__load(o), "load tc_task_lock");
	int fd = bpf_program__fd(bpf_object__find_program_by_name(o, "tc_task_lock"));
	int m = bpf_object__find_map_fd_by_name(o, "locked_tasks");
	__u32 ret = 0, v[2] = { 0 };
	for (int i = 0; i < 3; i++)
		CHECK(!run_prog(fd, NULL, 0, &ret), "tc run");
	out("tc program, locked count after 3 runs: %u", ret);
	out("locked lookup: %d", errno_of(bpf_map_lookup_elem_flags(m, &pfd, v, BPF_F_LOCK)));
	out("value: lock %u n %u", v[0], v[1]);
	v[1] = 10;
	out("locked update: %d", errno_of(bpf_map_update_elem(m, &pfd, v, BPF_F_LOCK)));
	CHECK(!run_prog(fd, NULL, 0, &ret), "tc run");
	out("tc program after the update: %u", ret);
	close(pfd);
	bpf_object__close(o);
}

static pthread_barrier_t started, done;
static pid_t thread_tid;
static int thread_err;

static void *thread_main(void *arg)
{
	thread_tid = gettid();
	thread_err = run_quiet("task_get", BPF_LOCAL_STORAGE_GET_F_CREATE, 0, 0);
	pthread_barrier_wait(&started);
	pthread_barrier_wait(&done);
	return NULL;
}

/* A thread's storage, seen through a pidfd of that thread, dies with the thread. */
static void task_thread(void)
{
	pthread_t t;
	int m = map_fd(obj, "tasks");

	pthread_barrier_init(&started, NULL, 2);
	pthread_barrier_init(&done, NULL, 2);
	CHECK(!pthread_create(&t, NULL, thread_main, NULL), "thread");
	pthread_barrier_wait(&started);
	CHECK(!thread_err, "the thread's run: %d", thread_err);
	int pfd = pidfd_of(thread_tid, PIDFD_THREAD_FLAG);
	CHECK(pfd >= 0, "pidfd of the thread: %d", -errno);
	show_val("thread's storage", m, pfd, 0);
	pthread_barrier_wait(&done);
	pthread_join(t, NULL);
	show_val("thread's storage after its exit", m, pfd, 0);
	out("thread update after its exit: %d", put(m, pfd, 1, 1, BPF_ANY));
	close(pfd);
}

static int storage_map(__u32 type)
{
	int btf = make_btf(sizeof(struct val), NULL);
	LIBBPF_OPTS(bpf_map_create_opts, o, .map_flags = NP, .btf_fd = btf, .btf_key_type_id = 1,
		    .btf_value_type_id = 5);
	int m = bpf_map_create(type, NULL, 4, sizeof(struct val), 0, &o);

	close(btf);
	return m;
}

static void sk_user(void)
{
	int m = storage_map(BPF_MAP_TYPE_SK_STORAGE);
	int s = socket(AF_INET, SOCK_DGRAM, 0), s2 = socket(AF_UNIX, SOCK_STREAM, 0);
	int null = open("/dev/null", 0);
	__u64 u = 0;

	CHECK(m >= 0 && s >= 0, "sk map %d socket %d", m, s);
	show_val("sk lookup, none", m, s, 0);
	show_val("sk lookup, not a socket", m, null, 0);
	show_val("sk lookup, fd -1", m, -1, 0);
	out("sk update: %d", put(m, s, 11, 12, BPF_ANY));
	out("sk update, another socket: %d", put(m, s2, 13, 14, BPF_NOEXIST));
	out("sk update, not a socket: %d", put(m, null, 1, 1, BPF_ANY));
	out("sk update BPF_F_LOCK without a lock: %d", put(m, s, 1, 1, BPF_F_LOCK));
	show_val("sk lookup", m, s, 0);
	show_val("sk lookup, the other", m, s2, 0);
	out("sk get_next_key: %d", errno_of(bpf_map_get_next_key(m, &s, &u)));
	out("sk delete: %d", errno_of(bpf_map_delete_elem(m, &s)));
	out("sk delete again: %d", errno_of(bpf_map_delete_elem(m, &s)));
	out("sk delete, not a socket: %d", errno_of(bpf_map_delete_elem(m, &null)));
	close(s);
	close(s2);
	close(null);
	close(m);
}

/* Cgroup storage by cgroup2 directory, in a private mount namespace. */
static void cgrp_user(void)
{
	char root[64] = "/tmp/bpfrun-cgs.XXXXXX";

	if (unshare(CLONE_NEWNS) || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) ||
	    !mkdtemp(root) || mount("cgroup2", root, "cgroup2", 0, NULL)) {
		out("no cgroup2 mount");
		return;
	}
	int m = storage_map(MAP_TYPE_CGRP_STORAGE), cg = open(root, O_RDONLY | O_DIRECTORY);
	int tmp = open("/tmp", O_RDONLY | O_DIRECTORY), null = open("/dev/null", 0);

	show_val("cgroup lookup, none", m, cg, 0);
	out("cgroup update: %d", put(m, cg, 21, 22, BPF_ANY));
	show_val("cgroup lookup", m, cg, 0);
	show_val("cgroup lookup, a plain directory", m, tmp, 0);
	out("cgroup update, a file: %d", put(m, null, 1, 1, BPF_ANY));
	out("cgroup delete: %d", errno_of(bpf_map_delete_elem(m, &cg)));
	out("cgroup delete again: %d", errno_of(bpf_map_delete_elem(m, &cg)));
	close(cg);
	close(tmp);
	close(null);
	close(m);
	umount(root);
	rmdir(root);
}

/* Inode storage by any descriptor, when the kernel has the BPF LSM (its blobs). */
static void inode_user(void)
{
	char path[] = "/tmp/bpfrun-inode.XXXXXX";
	int f = mkstemp(path), m = storage_map(BPF_MAP_TYPE_INODE_STORAGE);
	int probe = put(m, f, 31, 32, BPF_ANY);

	unlink(path);
	if (probe == -EBADF) { /* no BPF LSM: the kernel has no storage for inodes */
		out("inode storage: no BPF LSM here");
	} else {
		out("inode update: %d", probe);
		show_val("inode lookup", m, f, 0);
		out("inode delete: %d", errno_of(bpf_map_delete_elem(m, &f)));
		show_val("inode lookup after delete", m, f, 0);
		out("inode update again: %d", put(m, f, 33, 34, BPF_ANY));
		close(f);
		memcpy(path + strlen(path) - 6, "XXXXXX", 6);
		f = mkstemp(path); /* often the deleted file's inode number */
		unlink(path);
		show_val("inode lookup, a new file", m, f, 0);
	}
	show_val("inode lookup, fd -1", m, -1, 0);
	close(f);
	close(m);
}

/* ---- stacks ---- */

static __s64 stackid(int map, __u64 flags)
{
	run("stackid", (__u64)map, flags, 0);
	return res[0];
}

static const char *id_text(__s64 id, char *buf)
{
	if (id >= 0)
		return "an id";
	snprintf(buf, 32, "%lld", id);
	return buf;
}

static void stacks(void)
{
	char b1[32], b2[32];
	__s64 a = stackid(0, 0), b = stackid(0, 0);
	int m = map_fd(obj, "stacks");
	__u64 v[127] = { 0 };
	__u32 next = 0, key;

	out("kernel stack: %s, again the same id: %d", id_text(a, b1), a == b);
	out("skip 100: %lld", stackid(0, 100));
	out("flags 1 << 12: %lld", stackid(0, 1 << 12));
	__s64 u = stackid(0, BPF_F_USER_STACK);
	out("user stack: %s, another id: %d", id_text(u, b2), u != a);
	key = (__u32)a;
	int err = errno_of(bpf_map_lookup_elem(m, &key, v));
	int depth = 0;
	while (depth < 127 && v[depth])
		depth++;
	out("lookup: %d, entries %s, rest zero %d", err, depth > 0 ? "some" : "none", depth < 127);
	key = 4096;
	out("lookup id 4096: %d", errno_of(bpf_map_lookup_elem(m, &key, v)));
	out("update: %d", errno_of(bpf_map_update_elem(m, &key, v, BPF_ANY)));
	out("delete id 4096: %d", errno_of(bpf_map_delete_elem(m, &key)));
	int n = 0;
	for (int e = bpf_map_get_next_key(m, NULL, &next); !e;
	     e = bpf_map_get_next_key(m, &next, &next))
		n++;
	out("ids walked: %d", n);
	key = (__u32)u;
	out("lookup_and_delete: %d", errno_of(bpf_map_lookup_and_delete_elem(m, &key, v)));
	out("lookup after lookup_and_delete: %d", errno_of(bpf_map_lookup_elem(m, &key, v)));
	key = (__u32)a;
	out("delete: %d", errno_of(bpf_map_delete_elem(m, &key)));
	out("delete again: %d", errno_of(bpf_map_delete_elem(m, &key)));
	out("lookup deleted: %d", errno_of(bpf_map_lookup_elem(m, &key, v)));

	/* one bucket: every stack has id 0 */
	out("one bucket: %lld", stackid(1, 0));
	out("one bucket, the same stack: %lld", stackid(1, 0));
	out("one bucket, another stack: %lld", stackid(1, 1));
	out("one bucket, another stack, FAST_STACK_CMP: %lld",
	    stackid(1, 1 | BPF_F_FAST_STACK_CMP));
	out("one bucket, another stack, REUSE_STACKID: %lld", stackid(1, 1 | BPF_F_REUSE_STACKID));
	out("one bucket, the first stack again: %lld", stackid(1, 0));
	__s64 bid = stackid(2, 0);
	out("build-id map, kernel stack: %s", id_text(bid, b1));
	struct bpf_stack_build_id ids[8];
	key = (__u32)bid;
	err = errno_of(bpf_map_lookup_elem(map_fd(obj, "stackb"), &key, ids));
	out("build-id lookup: %d, first status %d, ip set %d", err, ids[0].status, ids[0].ip != 0);
	bid = stackid(2, BPF_F_USER_STACK);
	key = (__u32)bid;
	memset(ids, 0, sizeof(ids));
	err = errno_of(bpf_map_lookup_elem(map_fd(obj, "stackb"), &key, ids));
	int valid = 0;
	for (int i = 0; i < 8; i++)
		valid += ids[i].status == BPF_STACK_BUILD_ID_VALID;
	out("build-id map, user stack: %s, lookup %d, first status %d, some with a build id %d",
	    id_text(bid, b1), err, ids[0].status, valid > 0);
}

static void get_stacks(void)
{
	static const struct {
		const char *what;
		__u64 flags, size;
	} cases[] = {
		{ "kernel", 0, 0 },
		{ "kernel, skip 1", 1, 0 },
		{ "kernel, skip 200", 200, 0 },
		{ "user", BPF_F_USER_STACK, 0 },
		{ "flags 1 << 12", 1 << 12, 0 },
		{ "kernel with BPF_F_USER_BUILD_ID", BPF_F_USER_BUILD_ID, 0 },
		{ "12 bytes", 0, 1 },
		{ "task stack", 0, 2 },
		{ "task stack, flags 1 << 12", 1 << 12, 2 },
	};

	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		run("getstack", cases[i].flags, cases[i].size, 0);
		out("get_stack %s: %s, first set %lld, rest zero %lld", cases[i].what,
		    res[0] > 0  ? "bytes" :
		    res[0] == 0 ? "0" :
				  strerror((int)-res[0]),
		    res[1], res[2]);
	}
	run("getstack", BPF_F_USER_STACK | BPF_F_USER_BUILD_ID, 0, 0);
	out("get_stack user build ids: whole entries %d, first status %lld",
	    res[0] > 0 && res[0] % 32 == 0, res[3]);
}

int main(void)
{
	storage_creates();
	stack_creates();
	load_alone_verdict("maps_storage_lock", "tracing_lock");
	load_alone_verdict("maps_storage_lock", "filter_lock");
	load_alone_verdict("maps_storage_lock", "tc_lock");
	obj = load_obj("maps_storage");
	task_user();
	task_thread();
	task_lock();
	tc_task_lock();
	sk_user();
	inode_user();
	stacks();
	get_stacks();
	cgrp_user();
	bpf_object__close(obj);
	return finish();
}
