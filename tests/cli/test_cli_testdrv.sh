#!/usr/bin/env bash
# bpfrun as a test driver (issue 15): raw_tp and syscall runs with --data as context,
# one JSON document, set-up before the run (--type, --set, --map, program arrays by
# name), --seed and --cpu, --pcap-out, coverage of the idle-timeout example rendered by
# genhtml, fault injection into bpf_timer_init, `bpfrun test` and its TAP, and the error
# naming an unsupported map type.
source "$(dirname "$0")/lib.sh"
cc_bpf() { clang -O2 -g -mcpu=v3 -target bpf -D__x86_64__ -I/usr/include/x86_64-linux-gnu \
	-I"$here/../../include" -c "$here/$1.bpf.c" -o "$work/$1.bpf.o"; }
for o in testdrv_progs testdrv_unsupported_map testdrv_suite testdrv_core testdrv_badptr; do
	cc_bpf $o
done
progs=$work/testdrv_progs.bpf.o
idle=$examples/flow_idle.bpf.o
flows=$examples/flow_idle.pcap
src=$(cd "$here/../../examples" && pwd)/flow_idle.bpf.c

# raw_tp: --data is the argument array (5 + 3); syscall: the context, written back (21 * 2)
printf '\x05\0\0\0\0\0\0\0\x03\0\0\0\0\0\0\0' >"$work/args"
expect_ok raw-tp "$bpfrun" run "$progs" --prog raw_args --data "$work/args"
expect_out raw-tp "^raw_args: 1 run, return values: 8 x1$"
printf '\x15\0\0\0' >"$work/four"
expect_ok syscall "$bpfrun" run "$progs" --prog sys_double --data "$work/four" --json
expect_json syscall "j['programs'][0]['retvals'] == [{'value': 7, 'count': 1}] and j['programs'][0]['ctx_out'] == ['0x2a', '0x00', '0x00', '0x00']"

# an unknown section: refused without --type, named
expect_error no-type "libbpf does not know section 'xdp_patch_ports': give its type with --type" \
	"$bpfrun" run "$progs"
# --type, --set on .rodata, --map (bpftool words), --seed, --cpu; the packet out in hex
run_patch() { "$bpfrun" run "$progs" --type xdp --prog patch_ports --set new_port=0x1234 \
	--map cfg "0 0 0 0" "hex 29 00 00 00" --seed 5 --cpu 1 --keep --json "$@"; }
run run_patch
expect_json set-map "j['programs'][0]['retvals'] == [{'value': 42, 'count': 1}]"
expect_json set-port "j['programs'][0]['data_out'][36:38] == ['0x12', '0x34']"
expect_json cpu "[v for m in j['maps'] if m['name'].endswith('.bss') for v in m['elements'][0]['formatted']['value']['.bss'] if 'last_cpu' in v] == [{'last_cpu': 1}]"
rnd() { python3 -c "import json,sys; j=json.load(open(sys.argv[1])); print([v for m in j['maps'] if m['name'].endswith('.bss') for v in m['elements'][0]['formatted']['value']['.bss'] if 'last_random' in v])" "$work/out"; }
first=$(rnd); run run_patch; [ "$(rnd)" == "$first" ] && pass || fail "seed: $(rnd) != $first"
run run_patch --seed 6; [ "$(rnd)" != "$first" ] && pass || fail "seed 6 draws as seed 5"
# a program array slot by program name
expect_ok prog-array "$bpfrun" run "$progs" --prog jumper --map jmp "1 0 0 0" tail_target
expect_out prog-array "^jumper: 1 run, return values: 42 x1$"
# --map NAME FILE: a bpftool JSON dump
echo '[{"key":["0x00","0x00","0x00","0x00"],"value":["0x09","0x00","0x00","0x00"]}]' >"$work/cfg.json"
expect_ok map-file "$bpfrun" run "$progs" --type xdp --prog patch_ports --map cfg "$work/cfg.json"
expect_out map-file "^patch_ports: 1 run, return values: 10 x1$"
expect_error map-name "no map named 'nope'" "$bpfrun" run "$progs" --type xdp --map nope "0" "0"
expect_error set-name "no global variable 'nope'" "$bpfrun" run "$progs" --type xdp --set nope=1

# --json is one document on every command
expect_ok json-run "$bpfrun" run "$idle" --pcap "$flows" --clock virtual --json
expect_json json-run "j['timers']['fired'] == 5 and len(j['trace']) == 5"

# --pcap-out: 7 packets, each with its verdict; libpcap reads the file back
expect_ok pcap-out "$bpfrun" run "$idle" --pcap "$flows" --clock virtual --pcap-out "$work/out.pcapng"
[ "$(grep -c -a 'track_flows: verdict 2' "$work/out.pcapng")" -ge 1 ] && pass || fail "pcap-out: no verdict comment"
expect_ok pcap-reread "$bpfrun" run "$idle" --pcap "$work/out.pcapng" --clock virtual
expect_out pcap-reread "^track_flows: 7 runs, return values: 2 x7$"

# coverage of the idle-timeout example over its capture: 7 packets, 5 new flows (A, B,
# C, D, C again), 5 expirations; genhtml renders it
expect_ok coverage "$bpfrun" run "$idle" --pcap "$flows" --clock virtual --coverage "$work/idle.info"
cov() { grep -c -x -F "$1" "$work/idle.info"; }
for want in "SF:$src" "DA:89,7" "DA:71,5" "DA:76,5" "DA:52,5" "DA:58,5" "FNDA:7,track_flows" \
	"FNDA:5,flow_idle" "LH:29"; do
	[ "$(cov "$want")" -eq 1 ] && pass || fail "coverage: no line '$want'"
done
# html_line INFO N CLASS: genhtml's page of the example shows line N as CLASS (lineCov:
# ran, lineNoCov: did not).
html_line() {
	command -v genhtml >/dev/null || return 0 # lcov not installed: scripts/setup.sh adds it
	rm -rf "$work/html"
	genhtml -q --branch-coverage -o "$work/html" "$1" >"$work/genhtml.log" 2>&1 || {
		fail "genhtml: $(head -3 "$work/genhtml.log")"; return; }
	local page
	page=$(find "$work/html" -name 'flow_idle.bpf.c.gcov.html')
	grep -q -E "lineNum\"> +$2 </span>.*<span class=\"$3\"" "$page" && pass ||
		fail "genhtml: line $2 of the example is not $3"
}
html_line "$work/idle.info" 76 lineCov
html_line "$work/idle.info" 58 lineCov
# -ENOMEM from bpf_timer_init: the example's error path, no callback set, no timer armed
expect_ok fail-timer "$bpfrun" run "$idle" --pcap "$flows" --clock virtual \
	--fail bpf_timer_init=ENOMEM --coverage "$work/fail.info"
expect_out fail-timer "^timers: armed 0, fired 0, cancelled 0, pending 0$"
expect_out fail-timer-count "^faults: bpf_timer_init failed 4 of 4 calls$"
expect_no_out fail-timer "flow expired"
# 4 new flows now (C's entry never expires, so it is not created again)
for want in "DA:75,4" "DA:76,0" "DA:52,0" "FNDA:0,flow_idle"; do
	grep -q -x -F "$want" "$work/fail.info" && pass || fail "fail-timer coverage: no '$want'"
done
html_line "$work/fail.info" 75 lineCov
html_line "$work/fail.info" 76 lineNoCov
html_line "$work/fail.info" 58 lineNoCov
# the 2nd call only: one flow (B, the 2nd new one) never expires
expect_ok fail-nth "$bpfrun" run "$idle" --pcap "$flows" --clock virtual --fail bpf_timer_init=-12@2
expect_out fail-nth "^timers: armed 6, fired 4, cancelled 0, pending 0$"
expect_out fail-nth-count "^faults: bpf_timer_init failed 1 of 5 calls$"
# kfuncs too: bpf_dynptr_from_xdp fails with -EINVAL (100 - 22), a pointer one takes NULL
expect_ok fail-kfunc "$bpfrun" run "$progs" --prog dynptr --fail bpf_dynptr_from_xdp=EINVAL
expect_out fail-kfunc "^dynptr: 1 run, return values: 78 x1$"
expect_ok kfunc "$bpfrun" run "$progs" --prog dynptr
expect_out kfunc "^dynptr: 1 run, return values: 1 x1$"
expect_error fail-kfunc-ptr "returns a pointer" "$bpfrun" run "$progs" --prog dynptr \
	--fail bpf_dynptr_slice=ENOMEM
expect_error fail-name "no helper or kfunc 'bpf_nope'" "$bpfrun" run "$idle" --fail bpf_nope=ENOMEM
expect_error fail-ptr "returns a pointer" "$bpfrun" run "$idle" --fail bpf_map_lookup_elem=ENOMEM
expect_error fail-errno "is not an errno" "$bpfrun" run "$idle" --fail bpf_timer_init=EWHAT

# bpfrun test: TAP, exit status, --set before the tests, --fail in the diagnostics
run "$bpfrun" test "$work/testdrv_suite.bpf.o"
[ "$rc" -eq 1 ] && pass || fail "test: exit $rc with a failing test"
expect_out test-plan "^1\.\.3$"
expect_out test-ok "^ok 1 - new_flow_passes_and_is_tracked$"
expect_out test-ok2 "^ok 2 - second_packet_counts$"
expect_out test-notok "^not ok 3 - fails_on_purpose$"
expect_out test-retval "^  # returned 7$"
expect_ok test-pass "$bpfrun" test "$work/testdrv_suite.bpf.o" --set expect_fail=0 --json
expect_json test-json "[t['ok'] for t in j['tests']] == [True, True, True]"
run "$bpfrun" test "$work/testdrv_suite.bpf.o" --fail bpf_map_update_elem=ENOMEM
expect_out test-fault "^not ok 1 - new_flow_passes_and_is_tracked$"
expect_out test-fault-diag "^  # bpf_map_update_elem: 1 of 1 call failed$"
expect_count test-fault-diag2 2 "^  # bpf_map_update_elem: 1 of 1 call failed$"

# the example's own suite passes
expect_ok example-suite "$bpfrun" test "$examples/flow_idle_test.bpf.o"
expect_count example-suite 3 "^ok [1-3] - "

# bpf_sys_bpf checks the attr's pointers against the run's memory; nesting is bounded
run "$bpfrun" test "$work/testdrv_badptr.bpf.o"
[ "$rc" -eq 1 ] && pass || fail "badptr: exit $rc"
expect_out badptr-host "^not ok 1 - host_address$"
expect_count badptr-fault 2 "^  # test run failed: Bad address$"
grep -q "helper argument: invalid read of size 64 at 0x400000" "$work/err" && pass ||
	fail "badptr: the fault is not reported"
expect_out badptr-size "^ok 3 - data_out_needs_a_size$"
expect_out badptr-recurse "^  # returned 16$" # EBUSY past 4 nested runs

# --btf: CO-RE where /sys/kernel/btf/vmlinux is missing (hidden in a mount namespace)
core=$work/testdrv_core.bpf.o
if [ -r /sys/kernel/btf/vmlinux ]; then
	cp /sys/kernel/btf/vmlinux "$work/vmlinux.btf"
	nobtf() { unshare -m bash -c 'mount -t tmpfs none /sys/kernel/btf && exec "$@"' nobtf "$@"; }
	expect_error no-btf "loading failed" nobtf "$bpfrun" run "$core" --pin-root /sys/fs/bpf/td
	expect_ok btf nobtf "$bpfrun" run "$core" --btf "$work/vmlinux.btf" --pin-root /sys/fs/bpf/td
	expect_out btf "^core_len: 1 run, return values: 4 x1$"
fi
expect_error btf-missing "--btf $work/nope: No such file" "$bpfrun" run "$core" --btf "$work/nope"
# --pin-root: the map pinned by name goes there (bpfrun's pins, in this process)
expect_ok pin-root "$bpfrun" map dump "$core" pinned /sys/fs/bpf/td/pinned_cfg --pin-root /sys/fs/bpf/td
expect_out pin-root "^Found 1 element$"
# --ctx beside the packet: __sk_buff's mark goes in and comes out
python3 -c "import sys; sys.stdout.buffer.write(bytes(8) + (5).to_bytes(4, 'little') + bytes(180))" >"$work/skb"
expect_ok ctx "$bpfrun" run "$progs" --prog mark --ctx "$work/skb" --json
expect_json ctx "j['programs'][0]['retvals'] == [{'value': 6, 'count': 1}] and j['programs'][0]['ctx_out'][8:12] == ['0x06', '0x00', '0x00', '0x00']"
expect_ok lookup-keep-json "$bpfrun" map lookup "$idle" name expired key 0 0 0 0 --keep --json
expect_json lookup-keep-json "j['result']['formatted'] == {'key': 0, 'value': 0} and len(j['maps']) >= 2"
expect_ok version-json "$bpfrun" version --json
expect_json version-json "j['version'] and j['libbpf']"

# a map type bpfrun does not serve is named
expect_error unsupported_map "loading failed" "$bpfrun" run "$work/testdrv_unsupported_map.bpf.o"
grep -q "map 'socks': bpfrun does not support map type reuseport_sockarray" "$work/err" && pass ||
	fail "unsupported_map: the map type is not named"

finish
