/* The bpfrun command: one file per command group, dispatched by main.c.
 * Conventions follow bpftool: `bpfrun OBJECT COMMAND [ARGS]`, --json output. */
#ifndef BPFRUN_CLI_H
#define BPFRUN_CLI_H

#include <stdbool.h>

int cmd_run(int argc, char **argv);      /* run.c: bpfrun run OBJ.o [options] */
int cmd_prog(int argc, char **argv);     /* prog.c: bpfrun prog list|show */
int cmd_map(int argc, char **argv);      /* map.c: bpfrun map list|dump|lookup|update|delete */
int cmd_exec(int argc, char **argv);     /* exec.c: bpfrun exec -- CMD ARGS... */
int cmd_version(int argc, char **argv);

/* One-line error on stderr: "bpfrun: <message>". */
void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
