/* bpfrun: command dispatch (placeholder until the CLI lands). */
#include <stdio.h>
#include <string.h>
#include "cli.h"
int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "exec"))
		return cmd_exec(argc - 1, argv + 1);
	fprintf(stderr, "usage: bpfrun exec -- CMD ARGS...\n");
	return 2;
}
