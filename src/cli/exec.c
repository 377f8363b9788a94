/* bpfrun exec -- CMD ARGS...: runs CMD so that its bpf() system calls are served by bpfrun.
 *
 * By default CMD and all its descendants are served by the user's runtime
 * (include/bpfrun_runtime.h, src/server/): every bpf() call, whatever issues it, and the
 * objects, pins and timers are shared by every `bpfrun exec` and outlive CMD.
 *
 * It runs with libbpfrun-client.so preloaded (the trigger API, bpfrun_fire, as a call to
 * the runtime), unless it is static.
 *
 * With --in-process, CMD runs with libbpfrun.so preloaded instead: its objects live in its
 * own process, and only calls through libc's syscall() are served.  The library is the one
 * next to the bpfrun binary; it goes first in LD_PRELOAD (an existing LD_PRELOAD is kept
 * after it).  When bpfrun itself runs with a sanitizer runtime, that runtime is preloaded
 * before it, as the sanitizers require to come first. */
#include <errno.h>
#include <limits.h>
#include <link.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bpfrun_runtime.h"
#include "cli.h"

static const char exec_usage[] =
	"Usage: bpfrun exec [--in-process] [--] CMD [ARGS...]\n"
	"Runs CMD so that every bpf() system call of it and its descendants (libc's, a static\n"
	"binary's, the Go runtime's) is served by the user's bpfrun runtime, started if\n"
	"needed: objects, pins and timers are shared by every `bpfrun exec` and outlive CMD\n"
	"(`bpfrun runtime status|stop`).  Loaders attach there too (perf events, tc and XDP\n"
	"through netlink), and bpfrun_fire() (libbpfrun-client.so, preloaded) fires hooks.\n"
	"  --in-process   preload libbpfrun.so instead: objects live in CMD's own process,\n"
	"                 and only calls through libc's syscall() are served\n"
	"BPFRUN_CLOCK=virtual selects the virtual clock, BPFRUN_TRACE=FILE the bpf_printk\n"
	"output (for the runtime: when it starts; else they go to its directory's log);\n"
	"BPFRUN_RUNTIME_DIR the runtime directory.  BPFRUN_JIT, BPFRUN_RUN_BUDGET and\n"
	"BPFRUN_VERIFIER hold for CMD's own calls.\n";

/* A library (libbpfrun.so, libbpfrun-client.so) in the directory of /proc/self/exe. */
static int library_path(const char *name, char *out, size_t len)
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
	if ((size_t)snprintf(out, len, "%s/%s", exe, name) >= len || access(out, R_OK)) {
		cli_error("exec: cannot find %s next to %s/bpfrun", name, exe);
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
	bool in_process = false;

	if (argc > 1 && cli_is_help(argv[1])) {
		fputs(exec_usage, stdout);
		return 0;
	}
	if (first < argc && !strcmp(argv[first], "--in-process")) {
		in_process = true;
		first++;
	}
	if (first < argc && !strcmp(argv[first], "--"))
		first++;
	if (first >= argc) {
		cli_error("exec: missing command");
		fputs(exec_usage, stderr);
		return 2;
	}
	/* `bpfrun timer list --pid` asks the process for its timers (timers/socket.c) */
	setenv("BPFRUN_TIMER_SOCKET", "1", 0);
	fflush(NULL);
	if (!in_process) {
		/* the trigger API's client (server/preload/client_lib.c) */
		if (library_path("libbpfrun-client.so", lib, sizeof(lib)) || set_preload(lib))
			return 2;
		if (bpfrun_runtime_exec(argv + first) == -2) {
			cli_error("exec: the runtime: %s", strerror(errno));
			return 2;
		}
	} else if (library_path("libbpfrun.so", lib, sizeof(lib)) || set_preload(lib)) {
		return 2;
	} else {
		execvp(argv[first], argv + first);
	}
	int err = errno;
	cli_error("exec: %s: %s", argv[first], err == ENOENT ? "command not found" : strerror(err));
	return err == ENOENT ? 127 : 126;
}
