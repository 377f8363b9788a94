/* CPU ids: each thread that runs programs acts as one CPU id below num_possible_cpus(),
 * handed out round-robin on first use and stable after that unless the thread moves
 * itself (cpu_id_set: the timer engine's per-CPU threads, BPF_F_TEST_RUN_ON_CPU).
 * Per-CPU maps and bpf_get_smp_processor_id() read it.  No locks: the id is thread-local
 * and the round-robin counter is an atomic. */
#ifndef BPFRUN_CPU_H
#define BPFRUN_CPU_H

#include "common.h"

extern __thread u32 cpu_id_plus1; /* the thread's id + 1; 0 before the first use */

u32 cpu_id_assign(void);

/* The CPU id this thread runs as. */
static inline u32 cpu_id(void)
{
	u32 id = cpu_id_plus1;

	return likely(id) ? id - 1 : cpu_id_assign();
}

/* From now on this thread runs as CPU id `cpu`. */
static inline void cpu_id_set(u32 cpu)
{
	cpu_id_plus1 = cpu + 1;
}

#endif
