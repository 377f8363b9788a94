/* bpfrun runtime status|stop: the per-user runtime that `bpfrun exec` commands share
 * (include/bpfrun_runtime.h): what it holds, and stopping it (its objects, pins and
 * timers go with it).  `serve` runs it in the foreground (exec starts it by itself). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "bpfrun_runtime.h"
#include "cli.h"

static const char runtime_usage[] =
	"Usage: bpfrun runtime status|stop|serve\n"
	"The per-user runtime that serves `bpfrun exec` commands (in $BPFRUN_RUNTIME_DIR, else\n"
	"$XDG_RUNTIME_DIR/bpfrun, else /tmp/bpfrun-UID):\n"
	"  status   its process, supervised commands, objects, pins and timers\n"
	"  stop     stops it: its objects, pins and timers go\n"
	"  serve    runs it in the foreground (`exec` starts it when needed)\n";

int cmd_runtime(int argc, char **argv)
{
	char buf[65536];

	if (argc != 2 || cli_is_help(argv[1])) {
		fputs(runtime_usage, argc == 2 ? stdout : stderr);
		return argc == 2 ? 0 : 2;
	}
	if (!strcmp(argv[1], "serve"))
		return bpfrun_runtime_serve() ? 1 : 0;
	if (strcmp(argv[1], "status") && strcmp(argv[1], "stop")) {
		cli_error("runtime: unknown command '%s'", argv[1]);
		return 2;
	}
	if (bpfrun_runtime_request(argv[1], buf, sizeof(buf)) < 0) {
		if (errno != ESRCH) {
			cli_error("runtime: %s", strerror(errno));
			return 1;
		}
		printf("no runtime running\n");
		return !strcmp(argv[1], "status") ? 1 : 0;
	}
	fputs(buf, stdout);
	if (!strcmp(argv[1], "stop"))
		putchar('\n');
	return 0;
}
