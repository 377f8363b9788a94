/* The kernel's reference rules across processes: which descriptors and pins keep a timer
 * map's user reference, through dup, fork, exit, SCM_RIGHTS (in flight and received), a
 * pin and BPF_MAP_GET_FD_BY_ID.  A program that uses the map reports -bpf_timer_init():
 * EBUSY (16) while the map's timer lives, EPERM (1) once the map's last user reference
 * anywhere is gone (its timers were then cancelled and freed), 0 when a new reference
 * lets it initialize again.  Under `bpfrun exec` the same runs are served by the
 * runtime, which learns of every close from the kernel. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "difftest.h"

struct fds {
	int prog, map;
};

/* A fresh object whose only references are the two descriptors returned: libbpf's own
 * are closed with the object.  The map's timer is initialized (init returns 0). */
static struct fds setup(void)
{
	struct bpf_object *obj = load_obj("procs_timer");
	struct fds f = { dup(prog_fd(obj, "procs_init")), dup(map_fd(obj, "procs_tmap")) };
	uint32_t ret = 99;

	bpf_object__close(obj);
	CHECK(f.prog >= 0 && f.map >= 0, "dup: %s", strerror(errno));
	CHECK(run_prog(f.prog, NULL, 0, &ret) == 0 && ret == 0, "first init: %u", ret);
	return f;
}

/* -bpf_timer_init() as the program sees it now. */
static unsigned int init_result(int prog)
{
	uint32_t ret = 99;

	CHECK(run_prog(prog, NULL, 0, &ret) == 0, "run: %s", strerror(errno));
	return ret;
}

static void dup_close(void)
{
	struct fds f = setup();
	int copy = dup(f.map);

	close(f.map);
	out("dup: the copy holds it: %u", init_result(f.prog));
	close(copy);
	out("dup: both closed: %u", init_result(f.prog));
	close(f.prog);
}

/* A child that holds what it inherited until the parent writes to the pipe. */
static pid_t holder(int pipe_rd, int pipe_wr)
{
	pid_t pid = fork();

	if (pid == 0) {
		char c;
		close(pipe_wr);
		_exit(read(pipe_rd, &c, 1) < 0);
	}
	close(pipe_rd);
	return pid;
}

static void fork_exit(void)
{
	struct fds f = setup();
	int p[2];

	CHECK(pipe(p) == 0, "pipe");
	pid_t child = holder(p[0], p[1]);
	close(f.map);
	out("fork: the child's inherited copy holds it: %u", init_result(f.prog));
	close(p[1]); /* the child exits */
	waitpid(child, NULL, 0);
	out("fork: after the child's exit: %u", init_result(f.prog));
	close(f.prog);
}

static void fork_child_closes(void)
{
	struct fds f = setup();
	pid_t child = fork();

	if (child == 0) { /* the child closes its copy and exits; the parent still holds */
		close(f.map);
		_exit(0);
	}
	waitpid(child, NULL, 0);
	out("fork: the child's close leaves the parent's: %u", init_result(f.prog));
	close(f.map);
	out("fork: the parent's close: %u", init_result(f.prog));
	close(f.prog);
}

static int send_fd(int sock, int fd)
{
	char byte = 0, ctl[CMSG_SPACE(sizeof(int))] = { 0 };
	struct iovec iov = { &byte, 1 };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl, .msg_controllen = sizeof(ctl)
	};
	struct cmsghdr *c = CMSG_FIRSTHDR(&msg);

	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(int));
	return sendmsg(sock, &msg, 0) == 1 ? 0 : -1;
}

static int recv_fd(int sock)
{
	char byte, ctl[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { &byte, 1 };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl, .msg_controllen = sizeof(ctl)
	};
	int fd = -1;

	if (recvmsg(sock, &msg, 0) == 1 && CMSG_FIRSTHDR(&msg))
		memcpy(&fd, CMSG_DATA(CMSG_FIRSTHDR(&msg)), sizeof(int));
	return fd;
}

static void scm_rights(void)
{
	struct fds f = setup();
	int sv[2];

	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0, "socketpair");
	CHECK(send_fd(sv[0], f.map) == 0, "send");
	close(f.map);
	out("SCM_RIGHTS: in flight it holds: %u", init_result(f.prog));
	int got = recv_fd(sv[1]);
	out("SCM_RIGHTS: received: %u", init_result(f.prog));
	close(got);
	out("SCM_RIGHTS: received and closed: %u", init_result(f.prog));

	/* to another process, which holds it until told, then exits */
	close(f.prog);
	f = setup();
	pid_t child = fork();
	if (child == 0) {
		close(f.map);
		close(sv[0]);
		int fd = recv_fd(sv[1]);
		char c;
		_exit(fd < 0 || read(sv[1], &c, 1) < 0); /* holds it until the parent writes */
	}
	CHECK(send_fd(sv[0], f.map) == 0, "send");
	close(f.map);
	out("SCM_RIGHTS: another process holds it: %u", init_result(f.prog));
	CHECK(write(sv[0], "x", 1) == 1, "write");
	waitpid(child, NULL, 0);
	out("SCM_RIGHTS: after its exit: %u", init_result(f.prog));
	close(sv[0]);
	close(sv[1]);
	close(f.prog);
}

static void pin_and_id(void)
{
	struct fds f = setup();
	char path[64];
	struct bpf_map_info info = { 0 };
	uint32_t len = sizeof(info);

	kernel_bpffs();
	snprintf(path, sizeof(path), "/sys/fs/bpf/procs_refs_%d", getpid());
	CHECK(bpf_obj_pin(f.map, path) == 0, "pin: %s", strerror(errno));
	CHECK(bpf_obj_get_info_by_fd(f.map, &info, &len) == 0, "info");
	close(f.map);
	out("pin: holds it: %u", init_result(f.prog));
	CHECK(unlink(path) == 0, "unlink: %s", strerror(errno));
	out("pin: unlinked: %u", init_result(f.prog));
	int byid = bpf_map_get_fd_by_id(info.id);
	out("get_fd_by_id: a new user reference: %u", init_result(f.prog));
	close(byid);
	out("get_fd_by_id: closed: %u", init_result(f.prog));
	close(f.prog);
}

int main(void)
{
	signal(SIGPIPE, SIG_IGN);
	dup_close();
	fork_exit();
	fork_child_closes();
	scm_rights();
	pin_and_id();
	return finish();
}
