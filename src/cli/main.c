/* bpfrun: command dispatch, `bpfrun version`, the top-level help. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <bpf/libbpf.h>

#include "cli.h"

static const char usage[] =
	"Usage: bpfrun COMMAND [ARGS]\n"
	"Runs eBPF programs in user space with the Linux kernel's semantics.\n"
	"\n"
	"Commands:\n"
	"  run OBJ.o [OPTIONS]            load an object, test-run its programs, let timers fire\n"
	"  prog list|show OBJ.o ...       the programs of an object (after an optional run)\n"
	"  map list|dump|lookup|update|delete OBJ.o ...\n"
	"                                 the maps of an object (after an optional run)\n"
	"  link list|show OBJ.o ...       the links of an object's programs, attached\n"
	"  exec -- CMD [ARGS...]          run an unmodified libbpf program on bpfrun\n"
	"  test OBJ.o [OPTIONS]           run the object's SEC(\"test/NAME\") programs, print TAP\n"
	"  runtime status|stop            the per-user runtime that `exec` commands share\n"
	"  timer list OBJ.o|--pid PID     the armed timers of an object or a running process\n"
	"  version                        print the version\n"
	"\n"
	"`bpfrun COMMAND --help` describes each command.\n";

void cli_error(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fputs("bpfrun: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

bool cli_is_help(const char *arg)
{
	return !strcmp(arg, "-h") || !strcmp(arg, "--help") || !strcmp(arg, "help");
}

int cmd_version(int argc, char **argv)
{
	if (argc > 1 && cli_is_help(argv[1])) {
		printf("Usage: bpfrun version [--json]\nPrints bpfrun's version and the libbpf it "
		       "uses.\n");
		return 0;
	}
	if (argc > 1 && (!strcmp(argv[1], "--json") || !strcmp(argv[1], "-j"))) {
		printf("{\"version\":\"%s\",\"libbpf\":\"%s\"}\n", BPFRUN_VERSION,
		       libbpf_version_string());
		return 0;
	}
	if (argc > 1) {
		cli_error("version: unexpected argument '%s'", argv[1]);
		return 2;
	}
	printf("bpfrun %s (libbpf %s)\n", BPFRUN_VERSION, libbpf_version_string());
	return 0;
}

struct command {
	const char *name;
	int (*fn)(int argc, char **argv);
};

static const struct command commands[] = {
	{ "run", cmd_run },     { "prog", cmd_prog },       { "map", cmd_map },
	{ "exec", cmd_exec },   { "version", cmd_version }, { "test", cmd_test },
	{ "timer", cmd_timer }, { "runtime", cmd_runtime }, { "link", cmd_link },
};

int main(int argc, char **argv)
{
	if (argc < 2) {
		fputs(usage, stderr);
		return 2;
	}
	if (cli_is_help(argv[1])) {
		fputs(usage, stdout);
		return 0;
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-V"))
		return cmd_version(1, argv + 1);
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].fn(argc - 1, argv + 1);
	cli_error("unknown command '%s' (try `bpfrun --help`)", argv[1]);
	return 2;
}
