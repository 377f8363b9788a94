#!/usr/bin/env bash
# The examples driven by their captures on the virtual clock: the idle-timeout example
# must expire exactly the flows the capture's timestamps say (and in that order), the
# rate limiter must pass and drop what its token bucket allows.  The expectations are
# those measured on the kernel, replaying the same captures in real time.
source "$(dirname "$0")/lib.sh"
idle=$examples/flow_idle.bpf.o
flows=$examples/flow_idle.pcap
# Flows from 10.0.0.<n>:<1000+n>; trace lines carry "<saddr hex>:<sport> after <packets>".
A="a000001:1001"; B="a000002:1002"; C="a000003:1003"; D="a000004:1004"

expired() { grep -o -E "flow expired: [0-9a-f]+:[0-9]+ after [0-9]+ packets" "$work/out" | sed 's/flow expired: //'; }
# expect_expired NAME "FLOW PACKETS" ...: the expirations, in order.
expect_expired() {
	local name=$1; shift
	local want got
	want=$(printf '%s\n' "$@" | sed 's/ / after /; s/$/ packets/')
	got=$(expired)
	[ "$got" == "$want" ] && pass || fail "$name: expired flows were [$got], expected [$want]"
}

# Up to the capture's last packet (9.0 s): B went quiet at 1.0 s and C at 3.0 s.
expect_ok idle-at-end "$bpfrun" run "$idle" --pcap "$flows" --clock virtual --for 0 --keep --json
expect_expired idle-at-end "$B 1" "$C 1"
expect_json idle-at-end "j['timers'] == {'armed': 7, 'fired': 2, 'cancelled': 0, 'pending': 3}"
# the maps after the run: A, C (back at 8.5 s) and D remain; 2 expirations counted
keep_json
expect_json idle-maps "sorted((e['key'][3], e['formatted']['value']['packets']) for m in j if m['name'] == 'flows' for e in m['elements']) == [('0x01', 3), ('0x03', 1), ('0x04', 1)]"
expect_json idle-counter "[m['elements'][0]['value'][0] for m in j if m['name'] == 'expired'] == ['0x02']"

# Three more seconds (12.0 s): A, last seen at 6.5 s, goes too.
expect_ok idle-for "$bpfrun" run "$idle" --pcap "$flows" --clock virtual --for 3s
expect_expired idle-for "$B 1" "$C 1" "$A 3"

# Until no timer is armed: every flow, the last one (D) at 14.0 s.
expect_ok idle-drain "$bpfrun" run "$idle" --pcap "$flows" --clock virtual
expect_expired idle-drain "$B 1" "$C 1" "$A 3" "$C 1" "$D 1"
expect_out idle-drain "^timers: armed 7, fired 5, cancelled 0, pending 0$"
expect_out idle-drain "\(virtual clock: 14\.000 s\)$"
expect_out idle-drain "^track_flows: 7 runs, return values: 2 x7$"

# The token bucket (4, +2 every 100 ms): 6 packets at 0 ms, 3 at 150 ms, 5 at 550 ms.
expect_ok rate-limit "$bpfrun" run "$examples/rate_limit.bpf.o" --pcap "$examples/rate_limit.pcap" \
	--clock virtual --for 0 --keep --json
expect_json rate-limit "[(r['value'], r['count']) for r in j['programs'][0]['retvals']] == [(2, 10), (1, 4)]"
keep_json
# struct bucket: timer (16 bytes), tokens, passed, dropped, refills (8 bytes each)
expect_json rate-limit-counters "[(int(m['elements'][0]['value'][24], 16), int(m['elements'][0]['value'][32], 16)) for m in j if m['name'] == 'buckets'] == [(10, 4)]"

# The documentation's example is the shared original, unchanged.
if [ -n "${BPFRUN_SHARED:-}" ] && [ -f "$BPFRUN_SHARED/examples/seed_timer.bpf.c" ]; then
	cmp -s "$here/../../examples/seed_timer.bpf.c" "$BPFRUN_SHARED/examples/seed_timer.bpf.c" && pass ||
		fail "examples/seed_timer.bpf.c differs from $BPFRUN_SHARED/examples/seed_timer.bpf.c"
fi

finish
