/* CGROUP_ARRAY against the kernel (tests/bpf/maps_cgroup.bpf.c), in a private mount
 * namespace with cgroup2 mounted on a temporary directory: updates by descriptor (cgroup2
 * directories only: EBADF for a plain directory or a cgroup v1 one), the element errors,
 * and bpf_current_task_under_cgroup as the test process moves down a child and a
 * grandchild cgroup and back (it ends where it started, and removes what it made). */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "difftest.h"

static struct bpf_object *obj;
static char root[64], child[128], grandchild[160], home[4096];

static int errno_of(int ret)
{
	return ret < 0 ? -errno : ret;
}

static void run(const char *what)
{
	__u64 r[8] = { 0 };
	__u32 k = 0, ret = 0;

	CHECK(!bpf_map_update_elem(map_fd(obj, "res"), &k, r, BPF_ANY), "res reset");
	int err = run_prog(prog_fd(obj, "under"), NULL, 0, &ret);
	CHECK(!err && !ret, "run %d ret %u", err, ret);
	CHECK(!bpf_map_lookup_elem(map_fd(obj, "res"), &k, r), "res");
	out("%s: root %lld child %lld grandchild %lld empty %lld index 4 %lld index 9 %lld, "
	    "skb %lld",
	    what, (long long)r[0], (long long)r[1], (long long)r[2], (long long)r[3],
	    (long long)r[4], (long long)r[5], (long long)r[6]);
}

/* Moves this process into the cgroup directory dir. */
static void move_to(const char *dir)
{
	char path[4200];

	snprintf(path, sizeof(path), "%s/cgroup.procs", dir);
	FILE *f = fopen(path, "w");
	CHECK(f && fprintf(f, "%d\n", getpid()) > 0 && !fclose(f), "move to %s", dir);
}

static int put(__u32 index, int fd, __u64 flags)
{
	__u32 v = (__u32)fd;

	return errno_of(bpf_map_update_elem(map_fd(obj, "cgroups"), &index, &v, flags));
}

static void updates(void)
{
	int r = open(root, O_RDONLY | O_DIRECTORY), c = open(child, O_RDONLY | O_DIRECTORY);
	int g = open(grandchild, O_RDONLY | O_DIRECTORY), tmp = open("/tmp", O_RDONLY);
	int v1 = open("/sys/fs/cgroup/cpu", O_RDONLY | O_DIRECTORY);
	int fd = map_fd(obj, "cgroups");
	__u32 k = 0, v = 0, next = 0;

	out("update root: %d", put(0, r, BPF_ANY));
	out("update child: %d", put(1, c, BPF_ANY));
	out("update grandchild: %d", put(2, g, BPF_ANY));
	out("update a plain directory: %d", put(3, tmp, BPF_ANY));
	if (v1 >= 0)
		out("update a cgroup v1 directory: %d", put(3, v1, BPF_ANY));
	out("update NOEXIST: %d", put(3, r, BPF_NOEXIST));
	out("update index 4: %d", put(4, r, BPF_ANY));
	out("update closed fd: %d", put(3, 999, BPF_ANY));
	out("lookup: %d", errno_of(bpf_map_lookup_elem(fd, &k, &v)));
	k = 3;
	out("delete empty: %d", errno_of(bpf_map_delete_elem(fd, &k)));
	k = 7;
	out("delete index 7: %d", errno_of(bpf_map_delete_elem(fd, &k)));
	out("next key of none: %d %u", errno_of(bpf_map_get_next_key(fd, NULL, &next)), next);
	int fds[] = { r, c, g, tmp, v1 };
	for (unsigned i = 0; i < sizeof(fds) / sizeof(fds[0]); i++)
		if (fds[i] >= 0)
			close(fds[i]);
}

/* The cgroup2 directory this process is in, below the mount at root. */
static void find_home(void)
{
	char data[8192];
	FILE *f = fopen("/proc/self/cgroup", "r");
	size_t n = f ? fread(data, 1, sizeof(data) - 1, f) : 0;

	if (f)
		fclose(f);
	data[n] = 0;
	char *line = strstr(data, "0::");
	line = line ? line + 3 : (char *)"/";
	line[strcspn(line, "\n")] = 0;
	snprintf(home, sizeof(home), "%s%s", root, line);
}

int main(void)
{
	if (unshare(CLONE_NEWNS) || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL)) {
		out("no private mount namespace: %d", -errno);
		return finish();
	}
	snprintf(root, sizeof(root), "/tmp/bpfrun-cg.XXXXXX");
	if (!mkdtemp(root) || mount("cgroup2", root, "cgroup2", 0, NULL)) {
		out("no cgroup2 mount");
		return finish();
	}
	find_home();
	snprintf(child, sizeof(child), "%s/bpfrun-diff-%d", root, getpid());
	snprintf(grandchild, sizeof(grandchild), "%s/g", child);
	CHECK(!mkdir(child, 0755) && !mkdir(grandchild, 0755), "mkdir");
	obj = load_obj("maps_cgroup");
	updates();
	run("at the start");
	move_to(child);
	run("in the child");
	move_to(grandchild);
	run("in the grandchild");
	move_to(home);
	run("back");
	CHECK(!rmdir(grandchild) && !rmdir(child), "rmdir");
	bpf_object__close(obj);
	umount(root);
	rmdir(root);
	return finish();
}
