#!/usr/bin/env bash
# Runs that would never end: `bpfrun run` reports them and exits instead of pinning a core.
source "$(dirname "$0")/lib.sh"
objdir=${BPFRUN_TEST_OBJDIR:?}

# a callback re-arming its timer 0 ns ahead: on the virtual clock, always due at one instant
expect_error virtual-storm "timer storm" timeout 120 "$bpfrun" run --clock virtual \
	"$objdir/timers_storm.bpf.o"

# a run over its budget faults (EFAULT), the budget set from the environment
expect_error budget-env "nested_loops: .*infinite loop detected .*100000 instructions" \
	env BPFRUN_RUN_BUDGET=100000 timeout 120 "$bpfrun" run --prog nested_loops \
	"$objdir/vm_budget.bpf.o"
finish
