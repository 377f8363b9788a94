#!/usr/bin/env bash
# `bpfrun link list|show`: the object's programs attached as its loader would, their links
# printed in bpftool's shapes (tools/bpf/bpftool/link.c), as text and as JSON.
source "$(dirname "$0")/lib.sh"
objdir=${BPFRUN_TEST_OBJDIR:?}
probes=$objdir/link_probes.bpf.o

expect_ok link-list "$bpfrun" link list "$probes"
expect_out link-kprobe-header "^1: perf_event  prog [0-9]*  $"
expect_out link-kprobe "^	kprobe [0-9a-f]* do_nanosleep  $"
expect_out link-kretprobe "^	kretprobe [0-9a-f]* do_nanosleep  $"
expect_out link-tracepoint "^	tracepoint sched_switch  $"
expect_out link-raw-tp "^	tp 'sched_switch'  $"
expect_out link-kprobe-multi "^[0-9]*: kprobe_multi  prog [0-9]*  $"
expect_out link-kprobe-multi-cnt "^	kprobe.multi  func_cnt 1  $"
expect_out link-kprobe-multi-func "^	[0-9a-f]{16} bpf_fentry_test1  $"

expect_ok link-list-json "$bpfrun" link list "$probes" --json
cp "$work/out" "$work/links.json"
run python3 -c 'import json,sys; l=json.load(open(sys.argv[1]))
t={x["type"] for x in l}
k=[x for x in l if x.get("func")=="do_nanosleep"]
assert {"perf_event","raw_tracepoint","kprobe_multi"} <= t, t
assert [x["retprobe"] for x in k] == [False, True], k
assert any(x.get("tracepoint")=="sched_switch" for x in l)
assert any(x.get("tp_name")=="sched_switch" for x in l)
m=[x for x in l if x["type"]=="kprobe_multi"][0]
assert m["func_cnt"]==1 and m["funcs"][0]["func"]=="bpf_fentry_test1", m' "$work/links.json"
[ "$rc" -eq 0 ] && pass || fail "link-list-json: bpftool's keys"

expect_ok link-show "$bpfrun" link show "$probes" id 3
expect_out link-show-tp "^3: perf_event  prog [0-9]*  $"
expect_ok link-show-json "$bpfrun" link show "$probes" id 4 --json
expect_out link-show-json-raw-tp '"type":"raw_tracepoint".*"tp_name":"sched_switch"'

expect_ok link-tracing "$bpfrun" link list "$objdir/tramp_funcs.bpf.o"
expect_out link-tracing-target "^	target_obj_id 1  target_btf_id [0-9]*  $"
expect_out link-tracing-type "^	prog_type tracing  attach_type trace_fentry  $"

# TCX programs (libbpf 1.3's sections) link to the fired tc hook's device, in order
expect_ok fire-tcx "$bpfrun" run "$objdir/link_tcx_sec.bpf.o" --type sched_cls \
	--fire tc/ingress/lo
expect_out fire-tcx-count "link_tcx_sec.bpf.o: 3 programs attached"
expect_out fire-tcx-drop "^fired tc/ingress/lo: return value 2$"

tracing=$objdir/link_tracing.bpf.o # every program attaches: no notes on stderr
expect_error link-show-missing "no link with id 999" "$bpfrun" link show "$tracing" id 999
expect_error link-show-usage "expected id ID or pinned PATH" "$bpfrun" link show "$tracing" name x
expect_error link-list-extra "unexpected argument" "$bpfrun" link list "$tracing" extra
finish
