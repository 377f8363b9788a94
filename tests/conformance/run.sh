#!/usr/bin/env bash
# Runs every instruction-set conformance vector (vectors/*.data, see vectors/README.md)
# through the plugin and compares R0 (or the expected error).
#   run.sh PLUGIN [VECTOR_DIR]
# Prints one line per failure and "N passed, N failed"; exits 1 when any failed.
set -u
plugin=$1
dir=${2:-$(dirname "$0")/vectors}

# Where Linux and the suite disagree, bpfrun does what Linux does: the vector must then
# fail to load with the kernel's message.
declare -A linux_rejects=(
	[callx]="unknown opcode 8d"   # call by register is not in Linux's instruction set
)

# One vector -> "mem", "code" (both as plugin hex), "result", "error" lines.
parse() {
	awk '
	{ sub(/#.*/, "") }
	/^--/ { section = $2; next }
	NF == 0 { next }
	section == "raw" {
		for (i = 1; i <= NF; i++) {
			w = substr($i, 3)
			while (length(w) < 16) w = "0" w
			for (b = 8; b >= 1; b--) code = code substr(w, 2 * b - 1, 2) "  "
		}
	}
	section == "mem" { for (i = 1; i <= NF; i++) mem = mem tolower($i) "  " }
	section == "result" { result = $1 }
	section == "error" { error = $0 }
	END { print mem; print code; print result; print error }
	' "$1"
}

passed=0
failed=0
for f in "$dir"/*.data; do
	name=$(basename "$f" .data)
	{ read -r mem; read -r code; read -r result; read -r error; } < <(parse "$f")
	out=$(printf '%s\n' "$code" | "$plugin" "$mem" 2>&1)
	rc=$?
	expected_error=${linux_rejects[$name]:-$error}
	if [ -n "$expected_error" ]; then
		if [ $rc -ne 0 ] && { [ -z "${linux_rejects[$name]:-}" ] || [ "$out" = "$expected_error" ]; }; then
			passed=$((passed + 1))
		else
			failed=$((failed + 1))
			echo "FAIL $name: expected error '$expected_error', got rc=$rc '$out'"
		fi
		continue
	fi
	want=$(printf '%x' "$result" 2>/dev/null || echo "?$result")
	if [ $rc -eq 0 ] && [ "$out" = "$want" ]; then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
		echo "FAIL $name: expected $want, got rc=$rc '$out'"
	fi
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
