#!/usr/bin/env bash
# `bpfrun run --routes FILE` gives bpf_fib_lookup routing tables (the fib program of
# tests/bpf/pkt_helpers.bpf.c asks for 10.1.2.3 from lo, res[0..2] its answers without
# flags, DIRECT and OUTPUT).  In a network namespace of its own, with forwarding on: the
# host's devices answer for forwarding.  tests/diff/pkt_fib.c compares with the kernel.
source "$(dirname "$0")/lib.sh"
obj=$build/tests/bpf/pkt_helpers.bpf.o
innetns() {
	unshare -n bash -c 'ip link set lo up && sysctl -qw net.ipv4.conf.lo.forwarding=1 &&
		exec "$@"' innetns "$@"
}
cat >"$work/routes" <<'END'
# a route and its neighbour, as ip route / ip neigh print them
10.1.0.0/16 dev lo metric 3
10.1.2.3 dev lo lladdr 00:00:00:00:00:07 PERMANENT
END
printf '10.1.0.0/16 dev lo\nthis is not a route\n' >"$work/bad"

run innetns "$bpfrun" run "$obj" --prog fib --routes "$work/routes" --keep
expect_out routed "^key: 00 00 00 00  value: 00 00 00 00 00 00 00 00$"
expect_out direct "^key: 01 00 00 00  value: 00 00 00 00 00 00 00 00$"
# without tables: a kernel's empty tables, forwarding off (BPF_FIB_LKUP_RET_FWD_DISABLED)
run innetns "$bpfrun" run "$obj" --prog fib --keep
expect_out no-tables "^key: 00 00 00 00  value: 05 00 00 00 00 00 00 00$"
expect_error bad-line "--routes: .*/bad line 2 is neither a route nor a neighbour" \
	"$bpfrun" run "$obj" --prog fib --routes "$work/bad"
# a line of nothing but a family word once read past the line's words
printf -- '-4\n' >"$work/family-only"
expect_error family-only "--routes: .*/family-only line 1 is neither a route nor a neighbour" \
	"$bpfrun" run "$obj" --prog fib --routes "$work/family-only"
expect_error no-file "/nope: No such file" \
	"$bpfrun" run "$obj" --prog fib --routes "$work/nope"
finish
