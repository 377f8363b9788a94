/* bpfrun exec -- CMD ARGS...: runs CMD with libbpfrun.so preloaded (placeholder). */
#include <stdio.h>
#include "cli.h"
int cmd_exec(int argc, char **argv) { (void)argc; (void)argv; fprintf(stderr, "bpfrun exec: not yet\n"); return 2; }
