/* The caller's context, which the runtime takes on to serve one trapped call as the
 * kernel would serve it in the caller: its working directory (relative paths), its
 * identity (the "current" helpers of a test run) and its network namespace (interface
 * names and indexes, rtnetlink).
 *
 * Locking: none; runtime.c and rtnl.c call these under serve_lock.  The working directory
 * is the process's, the network namespace the serving thread's: each is entered for one
 * call and left at its end. */
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "server.h"
#include "../lib/ksyms.h"
#include "../lib/task.h"

bool caller_enter_cwd(pid_t pid)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/cwd", pid);
	return chdir(path) == 0;
}

/* One line of /proc/PID/status into t (never stops the read). */
static bool status_line(const char *line, void *arg)
{
	struct task_ident *t = arg;

	if (!strncmp(line, "Name:\t", 6))
		snprintf(t->comm, sizeof(t->comm), "%s", line + 6);
	sscanf(line, "Tgid: %u", &t->tgid);
	sscanf(line, "Uid: %u", &t->uid);
	sscanf(line, "Gid: %u", &t->gid);
	return false;
}

void caller_read_task(pid_t pid, struct task_ident *t)
{
	char path[64];

	*t = (struct task_ident){ .pid = (u32)pid, .tgid = (u32)pid };
	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	text_file_lines(path, status_line, t); /* no stdio: the bridge has fopen */
}

int caller_netns_enter(pid_t pid)
{
	char path[64];
	struct stat theirs, ours;

	snprintf(path, sizeof(path), "/proc/%d/ns/net", pid);
	if (stat(path, &theirs) || stat("/proc/thread-self/ns/net", &ours))
		return -2;
	if (theirs.st_ino == ours.st_ino && theirs.st_dev == ours.st_dev)
		return -1;
	int self = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	int target = open(path, O_RDONLY | O_CLOEXEC);
	int err = self < 0 || target < 0 || setns(target, CLONE_NEWNET);
	if (target >= 0)
		sys_close(target);
	if (err && self >= 0)
		sys_close(self);
	return err ? -2 : self;
}

void caller_netns_leave(int self)
{
	if (self < 0)
		return;
	if (setns(self, CLONE_NEWNET))
		bpfrun_warn("runtime: cannot return to its network namespace: %m");
	sys_close(self);
}
