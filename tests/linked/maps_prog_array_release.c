/* Releasing a prog array costs what it holds, not what it declares: a 2^25-slot array
 * (256 MiB of slots) holding two programs is released without touching its untouched
 * slots (the peak resident size grows by far less than the slots would take; the old
 * release wrote every slot). */
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "difftest.h"

#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

#define SLOTS (1u << 25)

static long peak_rss_kib(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_maxrss;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int maps_left(void)
{
	__u32 id = 0;
	int n = 0;

	while (!bpf_map_get_next_id(id, &id))
		n++;
	return n;
}

int main(void)
{
	const struct bpf_insn ret0[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = 0, .imm = 0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	int prog = bpf_prog_load(BPF_PROG_TYPE_SCHED_CLS, "ret0", "GPL", ret0, 2, NULL);
	CHECK(prog >= 0, "prog load: %d", prog);
	long before = peak_rss_kib();
	int map = bpf_map_create(BPF_MAP_TYPE_PROG_ARRAY, "huge", 4, 4, SLOTS, NULL);
	CHECK(map >= 0, "create %u slots: %d", SLOTS, map);
	__u32 first = 0, last = SLOTS - 1;
	CHECK(bpf_map_update_elem(map, &first, &prog, BPF_ANY) == 0, "store slot 0");
	CHECK(bpf_map_update_elem(map, &last, &prog, BPF_ANY) == 0, "store the last slot");

	double t0 = now_s();
	close(map);
	CHECK(maps_left() == 0, "maps left after close: %d", maps_left());
	double took = now_s() - t0;
	long grew_mib = (peak_rss_kib() - before) / 1024;
	/* Sanitizers shadow the slots' allocation (an eighth of it): the bound leaves room. */
	CHECK(grew_mib < (long)(SLOTS * sizeof(void *) >> 20) / 4,
	      "release touched the slots: peak RSS grew %ld MiB", grew_mib);
	out("release: %.3f s, peak RSS +%ld MiB", took, grew_mib);
	close(prog);
	return finish();
}
