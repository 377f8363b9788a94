#!/usr/bin/env bash
# First command of the README: installs missing Debian packages (as root; otherwise names
# them in one line and stops), builds, and runs the documentation's timer example
# through bpfrun.
set -euo pipefail
cd "$(dirname "$0")/.."

# python3: the CLI tests read bpfrun's --json output with it. libclang-rt-14-dev: the
# sanitizer and libFuzzer runtimes of clang 14 (`make fuzz`, the fuzz step of `make test`).
# lcov: genhtml renders `bpfrun run --coverage` files (tests/cli/test_cli_testdrv.sh).
packages=(build-essential cmake pkg-config clang llvm libbpf-dev libelf-dev zlib1g-dev libpcap-dev
	  linux-libc-dev python3 bpftool libclang-rt-14-dev clang-format lcov)
missing=()
for p in "${packages[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	if [ "$(id -u)" -ne 0 ]; then
		echo "setup: missing packages (run as root to install them): ${missing[*]}" >&2
		exit 1
	fi
	echo "setup: installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq "${missing[@]}" >/dev/null
fi

make
echo
echo "== The documentation's timer example (examples/seed_timer.bpf.c), as written:"
./build/bpfrun run build/examples/seed_timer.bpf.o --repeat 3
echo
echo "== The same without its bpf_timer_cancel line: the callback runs and prints:"
out=$(./build/bpfrun run build/examples/seed_timer_nocancel.bpf.o)
echo "$out"
if ! grep -q "bpf_trace_printk: Callback was invoked do something useful" <<<"$out"; then
	echo "setup: the callback line is missing: bpfrun does not work here" >&2
	exit 1
fi
