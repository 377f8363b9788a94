#!/usr/bin/env bash
# On a fresh machine neither bpffs nor tracefs is mounted: the tests set up what their
# kernel side needs themselves.  Here the pinning diff tests run in a mount namespace of
# their own with /sys/fs/bpf unmounted (never in the main one: other tests use it).
source "$(dirname "$0")/lib.sh"

if ! unshare -m true 2>/dev/null; then
	echo "SKIP: no mount namespaces here"
	finish
	exit
fi
for t in core_libbpf_object timers_lifetime; do
	run unshare -m bash -c 'while umount /sys/fs/bpf 2>/dev/null; do :; done
		if grep -q " /sys/fs/bpf bpf " /proc/mounts; then echo "bpffs still mounted"; exit 1; fi
		"$1" "$2"' _ "$here/../harness/compare.sh" "$build/tests/diff_$t"
	[ "$rc" -eq 0 ] && pass || fail "$t: without bpffs mounted"
done
finish
