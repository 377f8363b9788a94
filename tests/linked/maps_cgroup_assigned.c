/* bpfrun_set_cgroup(): the cgroup bpf_current_task_under_cgroup (and a test run's skb
 * socket) sees can be assigned by the application, and restored to the process's own.
 * Runs in a private mount namespace with cgroup2 mounted on a temporary directory. */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bpfrun.h"
#include "difftest.h"

static struct bpf_object *obj;

/* res[0] (root), res[1] (child) and res[6] (skb, root) of the `under` program. */
static void run(__u64 *r)
{
	__u32 k = 0, ret = 0;

	memset(r, 0, 8 * sizeof(*r));
	CHECK(!bpf_map_update_elem(map_fd(obj, "res"), &k, r, BPF_ANY), "res reset");
	CHECK(!run_prog(prog_fd(obj, "under"), NULL, 0, &ret) && !ret, "run");
	CHECK(!bpf_map_lookup_elem(map_fd(obj, "res"), &k, r), "res");
}

static void put(__u32 index, const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY);
	__u32 v = (__u32)fd;

	CHECK(fd >= 0 && !bpf_map_update_elem(map_fd(obj, "cgroups"), &index, &v, BPF_ANY),
	      "put %s", dir);
	close(fd);
}

int main(void)
{
	char root[64] = "/tmp/bpfrun-cg.XXXXXX", child[128], name[64];
	__u64 r[8];

	if (unshare(CLONE_NEWNS) || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) ||
	    !mkdtemp(root) || mount("cgroup2", root, "cgroup2", 0, NULL)) {
		printf("SKIP: no private cgroup2 mount\n");
		return 0;
	}
	snprintf(name, sizeof(name), "/bpfrun-linked-%d", getpid());
	snprintf(child, sizeof(child), "%s%s", root, name);
	CHECK(!mkdir(child, 0755), "mkdir");
	obj = load_obj("maps_cgroup");
	put(0, root);
	put(1, child);
	CHECK(bpfrun_set_cgroup("relative") == -EINVAL, "a relative path is refused");
	CHECK(!bpfrun_set_cgroup(name), "assign the child");
	run(r);
	CHECK(r[0] == 1 && r[1] == 1 && r[6] == 1, "assigned child: %llu %llu %llu",
	      (unsigned long long)r[0], (unsigned long long)r[1], (unsigned long long)r[6]);
	CHECK(!bpfrun_set_cgroup("/elsewhere/deep"), "assign a sibling");
	run(r);
	CHECK(r[0] == 1 && r[1] == 0, "assigned sibling: %llu %llu", (unsigned long long)r[0],
	      (unsigned long long)r[1]);
	strcat(name, "x"); /* a name that only starts like the child's */
	CHECK(!bpfrun_set_cgroup(name), "assign a prefix look-alike");
	run(r);
	CHECK(r[1] == 0, "a prefix is not an ancestor: %llu", (unsigned long long)r[1]);
	CHECK(!bpfrun_set_cgroup(NULL), "restore");
	run(r);
	CHECK(r[0] == 1 && r[1] == 0, "own cgroup again: %llu %llu", (unsigned long long)r[0],
	      (unsigned long long)r[1]);
	bpf_object__close(obj);
	CHECK(!rmdir(child), "rmdir");
	umount(root);
	rmdir(root);
	return finish();
}
