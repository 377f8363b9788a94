/* fuzz_elf: object files through the CLI's load path, as
 * `bpfrun run OBJ.o --clock virtual --for 10ms --keep [--json]` takes them: the CLI's ELF
 * check, libbpf's open and load (its bpf() calls served by bpfrun through the bridge), a
 * test run of every program, timers for 10 ms of virtual time, then every map dumped
 * (as JSON for inputs of even size) and the object closed.
 *
 * The input is the file itself (the seeds are test objects as they are), in a memfd
 * named by its /proc/self/fd path so that the CLI sees a regular file.
 *
 * libbpf 1.1 itself dies on some malformed objects (issue 8, hole 5), which would hide
 * the bugs of the code we own. So each input is first opened by libbpf alone in a child
 * process; an input that kills the child (a signal, or a sanitizer report from libbpf's
 * calls into libc) is counted as libbpf's, saved under $FUZZ_LIBBPF_CRASHES when that is
 * set, and not handed to the CLI. The counts are printed at exit.
 */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>
#include <bpf/libbpf.h>
#include <sanitizer/common_interface_defs.h>

#include "bpfrun.h"
#include "cli/cli.h"
#include "fuzz_common.h"

#define PROBE_SECONDS 5         /* a child that takes longer is stuck in libbpf */
#define PROBE_SANITIZER_EXIT 77 /* the child's status after a sanitizer report */

static int file_fd = -1, null_fd = -1;
static char file_path[64];
static FILE *null_out;
static unsigned long libbpf_deaths, loaded;

static void print_counts(void)
{
	fuzz_report("fuzz_elf: %lu objects loaded and run; %lu inputs killed libbpf's open "
		    "(not handed to the CLI)",
		    loaded, libbpf_deaths);
}

/* The input as the file the CLI opens. */
static int write_file(const uint8_t *data, size_t size)
{
	if (ftruncate(file_fd, 0) || pwrite(file_fd, data, size, 0) != (ssize_t)size)
		return -1;
	return 0;
}

static void save_libbpf_crash(const uint8_t *data, size_t size, int status)
{
	const char *dir = getenv("FUZZ_LIBBPF_CRASHES");
	char path[4096];
	unsigned long h = 5381;

	if (!dir)
		return;
	for (size_t i = 0; i < size; i++)
		h = h * 33 + data[i];
	if (WIFSIGNALED(status))
		snprintf(path, sizeof(path), "%s/libbpf-sig%d-%016lx", dir, WTERMSIG(status), h);
	else
		snprintf(path, sizeof(path), "%s/libbpf-%s-%016lx", dir,
			 WEXITSTATUS(status) == PROBE_SANITIZER_EXIT ? "asan" : "exit", h);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return;
	if (write(fd, data, size) != (ssize_t)size)
		unlink(path);
	close(fd);
}

static void child_death(void)
{
	_exit(PROBE_SANITIZER_EXIT);
}

/* The probing child dies quietly: without libFuzzer's crash handling (which would
 * report the input as the target's crash), its reports to /dev/null. */
static void probe_child_setup(void)
{
	static const int sigs[] = { SIGSEGV, SIGBUS, SIGABRT, SIGILL, SIGFPE, SIGALRM };

	__sanitizer_set_report_fd((void *)(intptr_t)null_fd);
	__sanitizer_set_death_callback(child_death);
	dup2(null_fd, STDERR_FILENO);
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		signal(sigs[i], SIG_DFL);
	alarm(PROBE_SECONDS);
}

/* Does libbpf's open survive the input? Run in a child, which reports to /dev/null. */
static bool libbpf_survives(const uint8_t *data, size_t size)
{
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return false;
	if (pid == 0) {
		probe_child_setup();
		struct bpf_object *obj = bpf_object__open_mem(data, size, NULL);
		bpf_object__close(obj);
		_exit(0);
	}
	if (waitpid(pid, &status, 0) != pid)
		return false;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return true;
	libbpf_deaths++;
	save_libbpf_crash(data, size, status);
	return false;
}

/* The options the CLI parses from its command line. */
static int make_opts(struct run_opts *o, bool json)
{
	char *argv[] = { "--clock", "virtual", "--for", "10ms", "--keep", "--json", NULL };
	int argc = json ? 6 : 5;

	run_opts_init(o);
	for (int i = 0; i < argc; i++)
		if (run_opts_parse(o, argc, argv, &i) != 1)
			return -1;
	o->verbose = true; /* libbpf's messages straight to stderr, none kept between inputs */
	return run_opts_check(o);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_init();
	file_fd = memfd_create("fuzz_elf.bpf.o", MFD_CLOEXEC);
	null_fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
	null_out = fdopen(dup(null_fd), "w");
	if (file_fd < 0 || null_fd < 0 || !null_out)
		abort();
	snprintf(file_path, sizeof(file_path), "/proc/self/fd/%d", file_fd);
	atexit(print_counts);
	return 0;
}

/* A dump prints every byte of every value: an object may declare gigabytes of them (the
 * kernel accepts a 64 MiB value), which is a long dump, not a hang.  Larger maps are not
 * dumped, so that a timeout still means a hang. */
#define DUMP_MAX_BYTES (4u << 20)

static bool small_enough_to_dump(struct bpf_object *obj)
{
	struct bpf_map *map;
	uint64_t bytes = 0;

	bpf_object__for_each_map(map, obj)
		bytes += (uint64_t)bpf_map__max_entries(map) * bpf_map__value_size(map);
	return bytes <= DUMP_MAX_BYTES;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct run_opts o;

	if (write_file(data, size) || make_opts(&o, size % 2 == 0))
		abort();
	if (!libbpf_survives(data, size))
		return 0;
	struct bpf_object *obj = session_load(file_path, &o);
	if (!obj)
		return 0;
	loaded++;
	session_run(obj, file_path, &o, null_out, NULL);
	if (small_enough_to_dump(obj)) {
		struct json js;
		json_init(&js, null_out);
		map_dump_all(obj, o.json ? &js : NULL);
	}
	bpf_object__close(obj);
	return 0;
}
