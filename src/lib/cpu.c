/* CPU ids (see cpu.h).  No locks: thread-local ids, an atomic round-robin counter. */
#include "cpu.h"

__thread u32 cpu_id_plus1;
static u32 next_cpu; /* atomic: round-robin CPU ids for new threads */

u32 cpu_id_assign(void)
{
	u32 cpu = __atomic_fetch_add(&next_cpu, 1, __ATOMIC_RELAXED) % (u32)num_possible_cpus();

	cpu_id_set(cpu);
	return cpu;
}
