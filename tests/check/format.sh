#!/usr/bin/env bash
# The C sources follow .clang-format (clang-format 14).  The documentation's timer example
# stays byte for byte as ../shared gives it, so it is not ours to reformat.
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root" || exit 1
mapfile -t files < <(git ls-files '*.c' '*.h' | grep -vx 'examples/seed_timer.bpf.c')
if [ ${#files[@]} -eq 0 ]; then
	echo "format: not a git checkout, nothing to check"
	exit 0
fi
if ! clang-format --dry-run --Werror "${files[@]}" 2>/tmp/format.$$; then
	grep -E '^[^ ].*: (error|warning):' /tmp/format.$$ | cut -d: -f1 | sort | uniq -c
	echo "format: these files differ from .clang-format; run clang-format -i on them"
	rm -f /tmp/format.$$
	exit 1
fi
rm -f /tmp/format.$$
echo "format: ${#files[@]} files follow .clang-format"
