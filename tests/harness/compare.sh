#!/usr/bin/env bash
# The kernel comparison harness: runs one ordinary libbpf test program against the
# kernel (when bpf() is permitted here) and under bpfrun (`bpfrun exec`), and compares
# exit status and standard output.  Trace lines are read by the program itself
# (tests/lib/difftest.h): from the kernel's trace buffer, or from $BPFRUN_TRACE.
#
# Usage: compare.sh TEST_BINARY [ARGS...]
# Env:   BPFRUN_BUILD (build dir), BPFRUN_SANITIZE (asan/tsan: bpfrun side only).
set -u
bin=$1; shift
build=${BPFRUN_BUILD:?}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

run_bpfrun() {
	BPFRUN_TRACE="$work/trace" "$build/bpfrun" exec -- "$bin" "$@" >"$work/bpfrun.out" 2>"$work/bpfrun.err"
}

run_bpfrun "$@"; rc_b=$?
if [ -n "${BPFRUN_SANITIZE:-}" ]; then
	echo "bpfrun only (sanitizer build): exit $rc_b"
	[ $rc_b -eq 0 ] || { cat "$work/bpfrun.out" "$work/bpfrun.err"; exit 1; }
	exit 0
fi
if ! "$build/tests/bpf_permitted" 2>/dev/null; then
	echo "SKIP kernel side: bpf() is not permitted here; bpfrun side exit $rc_b"
	cat "$work/bpfrun.out"
	[ $rc_b -eq 0 ] || { cat "$work/bpfrun.err"; exit 1; }
	exit 0
fi
"$bin" "$@" >"$work/kernel.out" 2>"$work/kernel.err"; rc_k=$?
if [ $rc_k -ne $rc_b ] || ! cmp -s "$work/kernel.out" "$work/bpfrun.out"; then
	echo "MISMATCH: kernel exit $rc_k, bpfrun exit $rc_b"
	diff -u --label kernel --label bpfrun "$work/kernel.out" "$work/bpfrun.out"
	echo "--- bpfrun stderr"; tail -n 30 "$work/bpfrun.err"
	echo "--- kernel stderr"; tail -n 30 "$work/kernel.err"
	exit 1
fi
if [ $rc_k -ne 0 ]; then
	echo "both failed identically (exit $rc_k)"; cat "$work/kernel.out" "$work/kernel.err"; exit 1
fi
echo "kernel and bpfrun agree ($(wc -l <"$work/kernel.out") lines)"
cat "$work/kernel.out"
exit 0
