#!/usr/bin/env bash
# Mutated objects (tests/harness/elf_mutate.c: header, section, symbol, relocation and BTF
# fields, byte flips, truncation) through the CLI's open path, elf_open_image(): none may
# kill the process, whatever libbpf does with it.  About 1 in 400 of these mutants crashes
# libbpf 1.1's own open.  A fixed seed, so that a failure reproduces:
#   build/tests/elf_mutate -c -n N -s 1 -o DIR build/examples/*.bpf.o build/tests/bpf/*.bpf.o
source "$(dirname "$0")/lib.sh"

n=2000
[ -n "${BPFRUN_SANITIZE:-}" ] && n=300    # a sanitizer's fork and open are slower
run "$build/tests/elf_mutate" -c -n "$n" -s 1 -o "$work" \
	"$examples"/*.bpf.o "$build"/tests/bpf/*.bpf.o
[ "$rc" -eq 0 ] && pass || fail "elf-mutants: a mutant crashed or hung the CLI's open path"
finish
