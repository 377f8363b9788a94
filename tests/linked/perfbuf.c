/* tests/loaders/perfbuf_consumer.c linked with -lbpfrun instead of run under `bpfrun
 * exec`: libbpf's perf_buffer receives every record unmodified through the embedding
 * library's bridge, with the kernel's lost counts.  The object comes from the test
 * environment ($BPFRUN_TEST_OBJDIR). */
#define main consumer_main
#include "../loaders/perfbuf_consumer.c"
#undef main

#include "difftest.h"

int main(void)
{
	char *argv[] = { "perfbuf", (char *)obj_path("maps_perfbuf"), NULL };

	return consumer_main(2, argv);
}
