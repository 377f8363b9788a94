# Shared by tests/cli/test_*.sh: the bpfrun binary, a scratch directory, assertions.
# Each check counts as passed or failed; finish prints "N passed, N failed".
set -u
build=${BPFRUN_BUILD:?set BPFRUN_BUILD to the build directory}
bpfrun=$build/bpfrun
examples=$build/examples
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
passed=0
failed=0

# run CMD...: runs it with stdout in $work/out, stderr in $work/err, status in $rc.
run() {
	"$@" >"$work/out" 2>"$work/err"
	rc=$?
}

pass() { passed=$((passed + 1)); }
fail() {
	failed=$((failed + 1))
	echo "FAIL: $*"
	echo "  exit $rc; stdout:"; sed 's/^/    /' "$work/out" | head -n 20
	echo "  stderr:"; sed 's/^/    /' "$work/err" | head -n 20
}

# expect_ok NAME CMD...: exits 0.
expect_ok() {
	local name=$1; shift
	run "$@"
	[ "$rc" -eq 0 ] && pass || fail "$name: expected success"
}

# expect_error NAME PATTERN CMD...: a non-zero exit that is not a crash (no signal, no
# sanitizer report), and stderr's first line is "bpfrun: ..." matching PATTERN.
expect_error() {
	local name=$1 pattern=$2; shift 2
	run "$@"
	local first
	first=$(head -n 1 "$work/err")
	if [ "$rc" -eq 0 ] || [ "$rc" -ge 128 ]; then
		fail "$name: expected a clean error exit"
	elif grep -q -E "Sanitizer|runtime error" "$work/err"; then
		fail "$name: sanitizer report"
	elif [[ $first != "bpfrun: "* ]] || ! grep -q -E -- "$pattern" <<<"$first"; then
		fail "$name: expected 'bpfrun: ...$pattern...' as the first line of stderr"
	else
		pass
	fi
}

# expect_out NAME PATTERN: the last run's stdout matches the extended regex PATTERN.
expect_out() {
	grep -q -E -- "$2" "$work/out" && pass || fail "$1: stdout lacks /$2/"
}
expect_no_out() {
	grep -q -E -- "$2" "$work/out" && fail "$1: stdout has /$2/" || pass
}
# expect_count NAME N PATTERN: exactly N lines of stdout match.
expect_count() {
	local n
	n=$(grep -c -E -- "$3" "$work/out")
	[ "$n" -eq "$2" ] && pass || fail "$1: $n lines match /$3/, expected $2"
}
# expect_json NAME PYTHON_EXPR: stdout parses as JSON (as `j`) and the expression holds.
expect_json() {
	python3 -c "import json,sys; j=json.load(open(sys.argv[1])); sys.exit(0 if ($2) else 1)" \
		"$work/out" 2>>"$work/err" && pass || fail "$1: JSON check failed: $2"
}

finish() {
	echo "$passed passed, $failed failed"
	[ "$failed" -eq 0 ]
}

# keep_json: cut the last run's stdout down to the --keep --json dump of the maps: the
# "maps" member of `run`'s document, or the array that ends an inspection command's output.
keep_json() {
	if head -c 1 "$work/out" | grep -q '{'; then
		python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); print(json.dumps(j["maps"]))' \
			"$work/out" >"$work/json" && mv "$work/json" "$work/out"
	else
		sed -n '/^\[{"id"/,$p' "$work/out" >"$work/json" && mv "$work/json" "$work/out"
	fi
}
