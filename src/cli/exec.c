/* bpfrun exec -- CMD ARGS...: runs CMD with libbpfrun.so preloaded, so that its bpf()
 * system calls are served by bpfrun.  The library is the one next to the bpfrun binary;
 * it goes first in LD_PRELOAD (an existing LD_PRELOAD is kept after it).  When bpfrun
 * itself runs with a sanitizer runtime, that runtime is preloaded before it, as the
 * sanitizers require to come first. */
#include <errno.h>
#include <limits.h>
#include <link.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

static const char exec_usage[] =
	"Usage: bpfrun exec [--] CMD [ARGS...]\n"
	"Runs CMD with libbpfrun.so preloaded: the program's bpf() system calls (libbpf's\n"
	"included) are served by bpfrun in its own process instead of the kernel.\n"
	"BPFRUN_CLOCK=virtual selects the virtual clock, BPFRUN_TRACE=FILE the bpf_printk "
	"output.\n";

/* libbpfrun.so in the directory of /proc/self/exe. */
static int library_path(char *out, size_t len)
{
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	if (n <= 0) {
		cli_error("exec: cannot resolve /proc/self/exe: %s", strerror(errno));
		return -1;
	}
	exe[n] = 0;
	char *slash = strrchr(exe, '/');
	*slash = 0;
	if ((size_t)snprintf(out, len, "%s/libbpfrun.so", exe) >= len || access(out, R_OK)) {
		cli_error("exec: cannot find libbpfrun.so next to %s/bpfrun", exe);
		return -1;
	}
	return 0;
}

static int find_sanitizer(struct dl_phdr_info *info, size_t size, void *data)
{
	const char *base = strrchr(info->dlpi_name, '/');

	base = base ? base + 1 : info->dlpi_name;
	if (strncmp(base, "libasan.so", 10) && strncmp(base, "libtsan.so", 10))
		return 0;
	snprintf(data, PATH_MAX, "%s", info->dlpi_name);
	return 1;
}

static int set_preload(const char *lib)
{
	char sanitizer[PATH_MAX] = "";
	const char *old = getenv("LD_PRELOAD");
	char *value;

	dl_iterate_phdr(find_sanitizer, sanitizer);
	if (asprintf(&value, "%s%s%s%s%s", sanitizer, *sanitizer ? ":" : "", lib,
		     old && *old ? ":" : "", old ? old : "") < 0 ||
	    setenv("LD_PRELOAD", value, 1)) {
		cli_error("exec: out of memory");
		return -1;
	}
	free(value);
	return 0;
}

int cmd_exec(int argc, char **argv)
{
	char lib[PATH_MAX];
	int first = 1;

	if (argc > 1 && cli_is_help(argv[1])) {
		fputs(exec_usage, stdout);
		return 0;
	}
	if (argc > 1 && !strcmp(argv[1], "--"))
		first = 2;
	if (first >= argc) {
		cli_error("exec: missing command");
		fputs(exec_usage, stderr);
		return 2;
	}
	if (library_path(lib, sizeof(lib)) || set_preload(lib))
		return 2;
	/* `bpfrun timer list --pid` asks the process for its timers (bridge/timer_socket.c) */
	setenv("BPFRUN_TIMER_SOCKET", "1", 0);
	fflush(NULL);
	execvp(argv[first], argv + first);
	int err = errno;
	cli_error("exec: %s: %s", argv[first], err == ENOENT ? "command not found" : strerror(err));
	return err == ENOENT ? 127 : 126;
}
