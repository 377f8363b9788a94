#!/usr/bin/env bash
# bpfrun timer list: the armed timers of an object after a run (virtual clock: exact
# expiries), as text and JSON; of a process started with `bpfrun exec` (--pid, real
# clock, generous times); and `bpfrun run --timeline`, the firings in order.
source "$(dirname "$0")/lib.sh"
idle=$examples/flow_idle.bpf.o
flows=$examples/flow_idle.pcap

# 1 s after the capture's last packet (at 9.0 s): A, C and D are armed, in firing order.
expect_ok list "$bpfrun" timer list "$idle" --pcap "$flows" --clock virtual --for 1s
expect_count list 3 '^timer  map [0-9]+ "flows"  key 0a 00 00 0[134] .* prog [0-9]+ "track_flows"  callback flow_idle$'
expect_out list '^       clock monotonic  expires 1011\.500000000 \(in 1\.500000000 s\)  flags 0  cpu [0-9]+  armed$'
first_keys=$(grep -o -E 'key 0a 00 00 0[0-9]' "$work/out" | tr '\n' ' ')
[ "$first_keys" == "key 0a 00 00 01 key 0a 00 00 03 key 0a 00 00 04 " ] && pass ||
	fail "list: firing order A, C, D; got $first_keys"

expect_ok list-json "$bpfrun" timer list "$idle" --pcap "$flows" --clock virtual --for 1s --json
expect_json list-json "[(t['key'][3], t['remaining_ns'], t['callback'], t['clock'], t['state']) for t in j] == [('0x01', 1500000000, 'flow_idle', 'monotonic', 'armed'), ('0x03', 3500000000, 'flow_idle', 'monotonic', 'armed'), ('0x04', 4000000000, 'flow_idle', 'monotonic', 'armed')]"
# one newline ends the document, as bpftool -j and the other commands' --json end it
[ "$(tail -c 2 "$work/out" | od -An -tx1 | tr -d ' ')" = 5d0a ] && pass ||
	fail "list-json: the document does not end with exactly ']\\n'"
expect_json list-json-map "all(t['map']['name'] == 'flows' and t['prog']['name'] == 'track_flows' and t['flags'] == [] for t in j)"

expect_ok list-none "$bpfrun" timer list "$idle" --pcap "$flows" --clock virtual
expect_out list-none '^no timer armed$'
expect_error list-no-object 'which object' "$bpfrun" timer list
expect_error list-pid-bad 'not a process id' "$bpfrun" timer list --pid x
expect_error list-pid-none 'does not answer' "$bpfrun" timer list --pid 1

# --timeline: every firing, at its virtual instant, in order.
expect_ok timeline "$bpfrun" run "$idle" --pcap "$flows" --clock virtual --timeline
expect_count timeline 5 '^timeline \+[0-9.]+ s  cpu [0-9]+  map "flows" key .*  track_flows/flow_idle$'
when=$(grep -o -E '^timeline \+[0-9.]+' "$work/out" | cut -c11- | tr '\n' ' ')
[ "$when" == "6.000000000 8.000000000 11.500000000 13.500000000 14.000000000 " ] && pass ||
	fail "timeline: instants $when"

# A process started with `bpfrun exec` answers: the CLI itself, running the example on
# the real clock, whose flows stay armed 5 s after their packets.
BPFRUN_TRACE=/dev/null "$bpfrun" exec -- "$bpfrun" run "$idle" --pcap "$flows" --for 20s \
	>/dev/null 2>&1 &
pid=$!
listed=0
for _ in $(seq 50); do
	run "$bpfrun" timer list --pid "$pid" --json
	if [ "$rc" -eq 0 ] && grep -q flow_idle "$work/out"; then listed=1; break; fi
	sleep 0.1
done
[ $listed -eq 1 ] && pass || fail "pid: the exec'd process lists its timers"
expect_json pid-json "len(j) == 4 and all(t['callback'] == 'flow_idle' and 0 < t['remaining_ns'] <= 5000000000 for t in j)"
kill "$pid" 2>/dev/null
wait "$pid" 2>/dev/null
finish
