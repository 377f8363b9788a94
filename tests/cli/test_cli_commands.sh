#!/usr/bin/env bash
# Every bpfrun command on the documentation's example: run (inputs, selection, repeat,
# trace lines, summary), prog list/show, map list/dump/lookup/update/delete, --json in
# bpftool's shape, --keep, --pin-maps, version and --help.
source "$(dirname "$0")/lib.sh"
seed=$examples/seed_timer.bpf.o
nocancel=$examples/seed_timer_nocancel.bpf.o
callback_line='^ +.+-[0-9]+ +\[[0-9]{3}\] .{4,5} +[0-9]+\.[0-9]{6}: bpf_trace_printk: Callback was invoked do something useful$'

# ---- version and help
expect_ok version "$bpfrun" version
expect_out version "^bpfrun [0-9]+\.[0-9]+\.[0-9]+ \(libbpf v?[0-9.]+\)$"
for cmd in "" run prog map version exec; do
	expect_ok "help $cmd" "$bpfrun" $cmd --help
	expect_out "help $cmd" "[Uu]sage"
done

# ---- run: the documentation's example, as written and without its cancel
expect_ok run-seed "$bpfrun" run "$seed" --repeat 3
expect_out run-seed "^bpf_prog1: 3 runs, return values: 0 x3$"
expect_out run-seed "^timers: armed 3, fired 0, cancelled 3, pending 0$"
expect_count run-seed-no-callback 0 "Callback was invoked"
expect_ok run-nocancel "$bpfrun" run "$nocancel" --repeat 3
expect_count run-nocancel-callbacks 3 "$callback_line"
expect_out run-nocancel "^timers: armed 3, fired 3, cancelled 0, pending 0$"
expect_ok run-nocancel-virtual "$bpfrun" run "$nocancel" --clock virtual
expect_count run-nocancel-virtual 1 "$callback_line"
expect_ok run-nocancel-env env BPFRUN_CLOCK=virtual "$bpfrun" run "$nocancel" --repeat 2
expect_count run-nocancel-env 2 "$callback_line"
expect_out run-nocancel-env "virtual clock"

# ---- run: inputs and program selection
head -c 100 /dev/zero >"$work/zeros.bin"
expect_ok run-data "$bpfrun" run "$seed" --data "$work/zeros.bin"
expect_out run-data "^--- .*: 1 run over 1 input$"
expect_ok run-packet-size "$bpfrun" run "$seed" --packet-size 1500 --repeat 2
expect_out run-packet-size "^bpf_prog1: 2 runs"
expect_ok run-pcap "$bpfrun" run "$seed" --pcap "$examples/flow_idle.pcap"
expect_out run-pcap "^--- .*: 7 runs over 7 inputs$"
expect_ok run-prog "$bpfrun" run "$seed" --prog bpf_prog1
expect_ok run-section "$bpfrun" run "$seed" --section cgroup_skb/egress
expect_out run-section "^bpf_prog1: 1 run, return values: 0 x1$"
expect_ok run-for "$bpfrun" run "$nocancel" --for 50ms
expect_count run-for 1 "$callback_line"

# ---- prog list / show
expect_ok prog-list "$bpfrun" prog list "$seed"
expect_out prog-list "^[0-9]+: cgroup_skb  name bpf_prog1  tag [0-9a-f]{16}  gpl$"
expect_ok prog-list-json "$bpfrun" prog list "$seed" --json
expect_json prog-list-json "[p['name'] for p in j] == ['bpf_prog1'] and j[0]['type'] == 'cgroup_skb' and len(j[0]['map_ids']) >= 1 and j[0]['gpl_compatible'] is True"
expect_ok prog-show "$bpfrun" prog show "$seed" name bpf_prog1 --json --repeat 4
expect_json prog-show "j['name'] == 'bpf_prog1' and isinstance(j['id'], int) and len(j['tag']) == 16"
id=$("$bpfrun" prog list "$seed" --json | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["id"])')
expect_ok prog-show-id "$bpfrun" prog show "$seed" id "$id"
expect_out prog-show-id "^$id: cgroup_skb  name bpf_prog1"

# ---- map list / dump / lookup / update / delete
expect_ok map-list "$bpfrun" map list "$seed" --json
expect_json map-list "any(m['name'] == 'hmap' and m['type'] == 'array' and m['bytes_key'] == 4 and m['bytes_value'] == 16 and m['max_entries'] == 1 for m in j)"
expect_ok map-list-plain "$bpfrun" map list "$seed"
expect_out map-list-plain "^[0-9]+: array  name hmap  flags 0x0$"
expect_ok map-dump "$bpfrun" map dump "$seed" name hmap --repeat 2
expect_out map-dump "^key: 00 00 00 00  value: (00 ?){16}$"
expect_out map-dump "^Found 1 element$"
grep -q "^bpf_prog1: 2 runs" "$work/err" && pass || fail "map-dump: the run's summary goes to stderr"
expect_ok map-dump-json "$bpfrun" map dump "$seed" name hmap --json
# bpftool's shape, "formatted" through the BTF included (the timer's bytes read as zeros)
expect_json map-dump-json "j == [{'key': ['0x00'] * 4, 'value': ['0x00'] * 16, 'formatted': {'key': 0, 'value': {'t': {}}}}]"
expect_ok map-lookup "$bpfrun" map lookup "$seed" name hmap key 0 0 0 0 --json
expect_json map-lookup "j['key'] == ['0x00'] * 4 and len(j['value']) == 16"
ex=$examples/flow_idle.bpf.o
expect_ok map-update-keep "$bpfrun" map update "$ex" name expired key 0 0 0 0 value hex 2a 0 0 0 0 0 0 0 --keep --json
expect_json map-update-keep "[[e['formatted'] for e in m['elements']] for m in j if m['name'] == 'expired'] == [[{'key': 0, 'value': 42}]]"
flowkey="hex 0a 00 00 01 0a 00 00 64 03 e9 00 35 11 00 00 00"
expect_ok map-update-hash "$bpfrun" map update "$ex" name flows key $flowkey value $(printf '0 %.0s' $(seq 32)) noexist --keep
expect_out map-update-hash "^key: 0a 00 00 01 0a 00 00 64 03 e9 00 35 11 00 00 00  value:"
expect_ok map-delete "$bpfrun" map delete "$ex" name flows key $flowkey --pcap "$examples/flow_idle.pcap" --for 0 --clock virtual --keep
expect_out map-delete "^Found 2 elements$"
expect_error map-delete-missing "delete failed: No such file" "$bpfrun" map delete "$ex" name flows key $flowkey

# ---- run --keep and --pin-maps
expect_ok run-keep "$bpfrun" run "$seed" --keep
expect_out run-keep "^map hmap \(id [0-9]+\):$"
pins=/sys/fs/bpf/bpfrun-cli-test-$$
expect_ok pin-maps "$bpfrun" map dump "$seed" pinned "$pins/hmap" --pin-maps "$pins" --json
expect_json pin-maps "len(j) == 1"
rm -rf "$pins"  # only exists if this ran against the kernel: bpfrun's pins are its own
expect_error pin-outside-bpffs "pins go under /sys/fs/bpf" "$bpfrun" run "$seed" --pin-maps "$work/pins"

finish
