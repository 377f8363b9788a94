/* The verifier: decides at BPF_PROG_LOAD, as the kernel's does, whether a program is
 * safe, by abstract interpretation of every path (registers as tristate numbers with
 * signed and unsigned bounds, typed pointers with offsets and ranges, stack slots, NULL
 * checks through ids, packet ranges from comparisons with data_end), with state pruning
 * and the kernel's complexity limit.  A refusal carries the kernel's errno and log line.
 *
 * Where the program uses something the verifier does not model (a helper or kfunc with
 * no prototype, global functions, callbacks other than timers, BTF pointers ...), or
 * where its own tracking is coarser than the kernel's, it gives up instead of refusing:
 * the load goes on and the run-time checks guard the run (protos.h states the policy).
 *
 * verifier_set_enabled() / BPFRUN_VERIFIER=0 turn it off (tests of the run-time checks).
 * No locking: one verification per loading thread; the switch is an atomic int. */
#ifndef BPFRUN_VERIFIER_H
#define BPFRUN_VERIFIER_H

#include "caps.h"
#include "../lib/vlog.h"
#include "../obj/prog.h"

struct verifier_stats {
	u32 insn_processed;
	u32 total_states, peak_states, max_states_per_insn;
	bool gave_up; /* the program was not proved (nor refused) */
};

/* Verifies prog (instructions relocated: map loads hold the map or value address, and
 * insn_map[i] names the map of the ld_imm64 at i) for a loader with caps (caps_read).
 * 0: proved, or given up; -errno: refused, with the reason in log. */
int verifier_run(struct bpf_prog *prog, struct bpf_map *const *insn_map, const struct caps *caps,
		 struct vlog *log, struct verifier_stats *stats);

/* The switch: on unless BPFRUN_VERIFIER=0 or verifier_set_enabled(0). */
bool verifier_enabled(void);
void verifier_set_enabled(bool on);

#endif
