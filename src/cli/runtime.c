/* bpfrun runtime status|stop: the per-user runtime that `bpfrun exec` commands share
 * (include/bpfrun_runtime.h): what it holds, and stopping it (its objects, pins and
 * timers go with it).  `serve` runs it in the foreground (exec starts it by itself).
 * `fire HOOK [--ctx FILE]` fires a hook of the runtime's, as `bpfrun run --fire` does in
 * process. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bpfrun_runtime.h"
#include "cli.h"

static const char runtime_usage[] =
	"Usage: bpfrun runtime status|stop|serve\n"
	"       bpfrun runtime fire HOOK [--ctx FILE]\n"
	"The per-user runtime that serves `bpfrun exec` commands (in $BPFRUN_RUNTIME_DIR, else\n"
	"$XDG_RUNTIME_DIR/bpfrun, else /tmp/bpfrun-UID):\n"
	"  status   its process, supervised commands, objects, pins and timers\n"
	"  stop     stops it: its objects, pins and timers go\n"
	"  serve    runs it in the foreground (`exec` starts it when needed)\n"
	"  fire     runs what its clients attached to HOOK (spelled as for `bpfrun run\n"
	"           --fire`) on the bytes of FILE (else a zeroed context, as run --fire)\n";

/* `runtime fire HOOK [--ctx FILE]`. */
static int runtime_fire(int argc, char **argv)
{
	uint64_t ret = 0;
	size_t size;

	if (argc != 3 && (argc != 5 || strcmp(argv[3], "--ctx"))) {
		fputs(runtime_usage, stderr);
		return 2;
	}
	void *ctx = fire_ctx_load(argv[2], argc == 5 ? argv[4] : NULL, &size);
	if (!ctx)
		return 1;
	int err = bpfrun_runtime_fire(argv[2], ctx, size, &ret) ? errno : 0;
	free(ctx);
	if (err) {
		cli_error("runtime fire %s: %s", argv[2],
			  err == ESRCH ? "no runtime running" : strerror(err));
		return 1;
	}
	printf("fired %s: return value %" PRIu64 "\n", argv[2], ret);
	return 0;
}

int cmd_runtime(int argc, char **argv)
{
	char buf[65536];

	if (argc >= 3 && !strcmp(argv[1], "fire"))
		return runtime_fire(argc, argv);
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
