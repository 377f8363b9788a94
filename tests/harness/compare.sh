#!/usr/bin/env bash
# The kernel comparison harness: runs one ordinary libbpf test program against the
# kernel (when bpf() is permitted here) and under bpfrun (`bpfrun exec`), and compares
# exit status and standard output.  Trace lines are read by the program itself
# (tests/lib/difftest.h): from the kernel's trace buffer, or from $BPFRUN_TRACE.
#
# Usage: compare.sh TEST_BINARY [ARGS...]
# Env:   BPFRUN_BUILD (build dir), BPFRUN_SANITIZE (asan/tsan: bpfrun side only),
#        BPFRUN_EXEC_OPTS (e.g. --in-process: the preloaded bridge instead of the runtime).
set -u
bin=$1; shift
build=${BPFRUN_BUILD:?}
work=$(mktemp -d)
# A private runtime (`bpfrun exec` starts it), stopped at the end: tests run in parallel.
export BPFRUN_RUNTIME_DIR="$work/runtime"
mkdir -m 0700 "$BPFRUN_RUNTIME_DIR"
trap '"$build/bpfrun" runtime stop >/dev/null; rm -rf "$work"' EXIT

# What the per-user runtime does not do yet (docs/ARCHITECTURE.md, "Every process"), tested
# with the preloaded bridge instead:
# - it does not see munmap, so it cannot count writable mappings (BPF_MAP_FREEZE's EBUSY)
#   nor let a perf event's ring go: core_libbpf_object, maps_array, maps_perfbuf;
# - it takes other descriptors than its own (cgroups, sockets) as the runtime's, not the
#   caller's: maps_cgroup, maps_redirect, maps_sockmap;
# - the routing tables of bpfrun_set_routes() are a libbpfrun.so call, which the runtime
#   does not serve: pkt_fib.
case $(basename "$bin") in
diff_core_libbpf_object | diff_maps_array | diff_maps_perfbuf | diff_maps_cgroup | \
	diff_maps_redirect | diff_maps_sockmap | diff_pkt_fib)
	BPFRUN_EXEC_OPTS=${BPFRUN_EXEC_OPTS:---in-process} ;;
esac

run_bpfrun() {
	BPFRUN_TRACE="$work/trace" "$build/bpfrun" exec ${BPFRUN_EXEC_OPTS:-} -- "$bin" "$@" \
		>"$work/bpfrun.out" 2>"$work/bpfrun.err"
}

run_bpfrun "$@"; rc_b=$?
"$build/bpfrun" runtime stop >/dev/null
if grep -q -E "Sanitizer|runtime error" "$BPFRUN_RUNTIME_DIR/log" 2>/dev/null; then
	echo "the runtime's log has a sanitizer report:"; cat "$BPFRUN_RUNTIME_DIR/log"; exit 1
fi
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
