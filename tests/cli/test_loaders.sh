#!/usr/bin/env bash
# libbpf-bootstrap-style loaders (tests/loaders/), ordinary libbpf programs, run unmodified
# under plain `bpfrun exec` (the per-user runtime: perf_event_open, the perf ioctls, the
# modelled kprobe PMU and rtnetlink are served by it, bpfrun_fire comes from the
# preloaded libbpfrun-client.so) and under `bpfrun exec --in-process` (the preloaded
# bridge): each loads and attaches its program (tracepoint, kprobe, fentry, uprobe, tc on
# lo through bpf_tc_hook_create and bpf_tc_attach, and bootstrap's exec tracepoint whose
# records libbpf's ring_buffer reads), the event reaches it through the trigger API, and
# both ways print the same.  The host's lo never gets a clsact qdisc.
source "$(dirname "$0")/lib.sh"
objdir=${BPFRUN_TEST_OBJDIR:?}
loader=$build/tests/loaders/bootstrap_style

declare -A want=(
	[minimal]="^minimal: 1 event\(s\), last argument 1$"
	[kprobe]="^kprobe: 1 event\(s\), last argument -100$"
	[fentry]="^fentry: 1 event\(s\), last argument -100$"
	[uprobe]="^uprobe: 1 event\(s\), last argument 42$"
	[tc]="^tc: 1 event\(s\), last argument 64$"
	[bootstrap]="^bootstrap: 1 event\(s\), last argument 4242$"
)
for mode in minimal kprobe fentry uprobe tc bootstrap; do
	expect_ok "$mode in process" "$bpfrun" exec --in-process -- "$loader" $mode \
		"$objdir/bootstrap_style.bpf.o"
	expect_out "$mode in process: count" "${want[$mode]}"
	cp "$work/out" "$work/in-process.out"
	expect_ok "$mode under the runtime" "$bpfrun" exec -- "$loader" $mode \
		"$objdir/bootstrap_style.bpf.o"
	expect_out "$mode under the runtime: count" "${want[$mode]}"
	if [ $mode = bootstrap ]; then
		expect_out "bootstrap under the runtime: libbpf's ring_buffer read the record" \
			"^bootstrap: ring buffer: 1 record\(s\), pid 4242, filename /bin/true$"
	fi
	cmp -s "$work/out" "$work/in-process.out" && pass ||
		fail "$mode: the runtime's output differs from the in-process one"
done

if command -v tc >/dev/null; then
	run tc qdisc show dev lo
	expect_no_out "the host's lo is untouched" "clsact"
fi
finish
