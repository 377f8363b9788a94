#!/usr/bin/env bash
# bpftool, unmodified, under `bpfrun exec`: the timer documentation's "loaded by bpftool
# without pinning the map" case.  bpftool closes the map's descriptors after the load, the
# map loses its last user reference, bpf_timer_init returns -EPERM and the program
# returns 1 — as the kernel does (the same commands run there when bpf() is permitted).
. "$(dirname "$0")/lib.sh"

if ! command -v bpftool >/dev/null; then
	echo "SKIP: bpftool is not installed"
	finish
	exit
fi
head -c 64 /dev/zero >"$work/pkt"
cmds() {
	printf '%s\n' "prog load $examples/seed_timer.bpf.o $1" "prog run pinned $1 data_in $work/pkt" >"$work/cmds"
}

# bpfrun's side runs where no bpffs is mounted when the test may arrange it (root: a mount
# namespace of its own), as on a fresh machine: bpftool then asks statfs whether
# /sys/fs/bpf is a BPF filesystem and, told no, mounts one itself.
no_bpffs() {
	if [ "$(id -u)" = 0 ] && unshare -m true 2>/dev/null; then
		unshare -m sh -c 'umount /sys/fs/bpf 2>/dev/null; exec "$@"' sh "$@"
	else
		"$@"
	fi
}
cmds /sys/fs/bpf/bpfrun_test_seed_$$
expect_ok "bpftool batch under bpfrun" no_bpffs "$bpfrun" exec -- bpftool batch file "$work/cmds"
expect_out "the program returns 1 (init got -EPERM)" "^Return value: 1,"

if "$build/tests/bpf_permitted" 2>/dev/null && [ -z "${BPFRUN_SANITIZE:-}" ] &&
   { mount | grep -q " /sys/fs/bpf type bpf " || mount -t bpf bpf /sys/fs/bpf 2>/dev/null; }; then
	pin=/sys/fs/bpf/bpfrun_test_seed_kernel_$$
	cmds "$pin"
	expect_ok "bpftool batch on the kernel" bpftool batch file "$work/cmds"
	expect_out "the kernel's program returns 1 too" "^Return value: 1,"
	rm -f "$pin"
else
	echo "SKIP kernel side: sanitizer build, or bpf() or bpffs not available here"
fi
finish
