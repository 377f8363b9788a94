#!/usr/bin/env bash
# Runs libFuzzer targets for a fixed time each and prints one line per target:
#   run.sh campaign|check BUILD_DIR SECONDS JOBS TARGET...
# campaign (make fuzz): each target starts from its committed seeds
#   (tests/fuzz/corpus/TARGET) plus what earlier campaigns kept in BUILD_DIR/fuzz-corpus/,
#   and adds what it finds there; JOBS > 1 runs that many workers (libFuzzer's -fork),
#   which go on after a finding.
# check (make test): from the committed seeds only, with a fixed random seed, so that a
#   result can be reproduced; stops at the first finding.
# Crashes, sanitizer reports, timeouts (one input running more than FUZZ_TIMEOUT s, 10 by
# default: a hang) and out-of-memory are saved under BUILD_DIR/fuzz-findings/TARGET/; the
# exit status is 1 if any target found one. Inputs that kill libbpf itself (fuzz_elf) are
# libbpf's bugs, not ours: they are saved under BUILD_DIR/fuzz-findings/libbpf/, counted,
# and do not fail the run.
set -uo pipefail
mode=$1 build=$2 seconds=$3 jobs=$4
shift 4
src=$(cd "$(dirname "$0")" && pwd)
# hard_rss_limit_mb: the sanitizer's own watchdog, polled more often than libFuzzer's
# -rss_limit_mb, against an input that touches memory fast (a huge map being released).
asan=detect_leaks=0:allocator_may_return_null=1:hard_rss_limit_mb=3072
export ASAN_OPTIONS=${ASAN_OPTIONS:-$asan}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export FUZZ_LIBBPF_CRASHES=$build/fuzz-findings/libbpf
mkdir -p "$FUZZ_LIBBPF_CRASHES"
# The counts each process of the target wrote (one line per -fork worker), summed.
sum_reports() {
	awk '{
		t = $0; gsub(/[0-9]+/, "#", t)
		if (!(t in seen)) { seen[t] = 1; order[++m] = t }
		s = $0; k = 0
		while (match(s, /[0-9]+/)) {
			sum[t, ++k] += substr(s, RSTART, RLENGTH)
			s = substr(s, RSTART + RLENGTH)
		}
	}
	END {
		for (j = 1; j <= m; j++) {
			s = order[j]; out = ""; k = 0
			while ((p = index(s, "#"))) {
				out = out substr(s, 1, p - 1) sum[order[j], ++k]
				s = substr(s, p + 1)
			}
			print "    " out s
		}
	}' "$1"
}

status=0 passed=0 failed=0
for t in "$@"; do
	findings=$build/fuzz-findings/$t log=$build/fuzz-$t.log
	export FUZZ_REPORT=$build/fuzz-$t.report   # what the target counted (fuzz_report)
	rm -f "$FUZZ_REPORT"
	mkdir -p "$findings"
	# The memory bounds keep a runaway input from taking the machine down.
	args=(-max_total_time="$seconds" -timeout="${FUZZ_TIMEOUT:-10}" -rss_limit_mb=2048
	      -malloc_limit_mb=1024 -close_fd_mask=3 -print_final_stats=1
	      -artifact_prefix="$findings/")
	if [ "$mode" = check ]; then
		corpus=$(mktemp -d)
		args+=(-seed=1)
	else
		corpus=$build/fuzz-corpus/$t
		mkdir -p "$corpus"
		[ "$jobs" -gt 1 ] && args+=(-fork="$jobs" -ignore_crashes=1 -ignore_timeouts=1
					     -ignore_ooms=1)
	fi
	before=$(find "$findings" -type f | wc -l)
	libbpf_before=$(find "$FUZZ_LIBBPF_CRASHES" -type f | wc -l)
	start=$(date +%s%N)
	"$build/tests/fuzz/$t" "${args[@]}" "$corpus" "$src/corpus/$t" >"$log" 2>&1
	rc=$?
	ms=$((($(date +%s%N) - start) / 1000000))
	[ "$mode" = check ] && rm -rf "$corpus"
	# execs: the final statistics, or in fork mode the last status line ("#N: ...")
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
	[ -n "$execs" ] || execs=$(grep -o '^#[0-9]*' "$log" | tail -1 | tr -d '#')
	execs=${execs:-0}
	found=$(($(find "$findings" -type f | wc -l) - before))
	libbpf=$(($(find "$FUZZ_LIBBPF_CRASHES" -type f | wc -l) - libbpf_before))
	[ "$t" = fuzz_elf ] || libbpf=
	printf '%-14s %10s execs in %5d.%d s (%s/s), new findings: %d%s%s\n' "$t" "$execs" \
		$((ms / 1000)) $((ms % 1000 / 100)) $((execs * 1000 / (ms ? ms : 1))) "$found" \
		"${libbpf:+, new inputs that kill libbpf: $libbpf}" \
		"$([ $rc -ne 0 ] && echo " (exit $rc, see $log)")"
	[ -f "$FUZZ_REPORT" ] && sum_reports "$FUZZ_REPORT"
	if [ $rc -ne 0 ] || [ "$found" -gt 0 ]; then
		status=1
		failed=$((failed + 1))
	else
		passed=$((passed + 1))
	fi
done
# the closing count, one target a test
echo "fuzz: $passed passed, $failed failed"
exit $status
