#!/usr/bin/env bash
# src/prog/helper_sets.c is what src/prog/tools/measure_helper_sets.c measures on this
# kernel (skipped where bpf() is not permitted).
set -u
build=${BPFRUN_BUILD:?}
table=$(dirname "$0")/../../src/prog/helper_sets.c
if ! "$build/tests/bpf_permitted" 2>/dev/null; then
	echo "SKIP: bpf() is not permitted here"
	exit 0
fi
"$build/measure_helper_sets" | diff -u "$table" - && echo "helper sets match the kernel"
