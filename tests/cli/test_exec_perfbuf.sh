#!/usr/bin/env bash
# libbpf's perf_buffer under `bpfrun exec`, served by the per-user runtime and with
# --in-process: an ordinary libbpf consumer (tests/loaders/perfbuf_consumer.c) receives
# every record a program writes with bpf_perf_event_output on each CPU, unmodified, while
# it polls, and the lost counts of rings that fill up are the outputs that failed (the
# kernel prints the same lines).  Under the runtime the rings' descriptors reach epoll
# through libbpfrun-client.so's stand-ins (BPFRUN_BPF_POLL); before them
# perf_buffer__new failed with EPERM at epoll_ctl.
source "$(dirname "$0")/lib.sh"
objdir=${BPFRUN_TEST_OBJDIR:?}
consumer=$build/tests/loaders/perfbuf_consumer

for mode in --in-process ""; do
	expect_ok "perfbuf ${mode:-runtime}" "$bpfrun" exec $mode -- "$consumer" \
		"$objdir/maps_perfbuf.bpf.o"
	expect_out "all-records ${mode:-runtime}" \
		"^all records: ([0-9]+) of \\1 records, 0 bad, 0 duplicated, lost 0 "
	lost='lost ([1-9][0-9]*) \(expected \2\)$'
	expect_out "lost-counts ${mode:-runtime}" \
		"^one page per CPU: ([0-9]+) of \\1 records, 0 bad, 0 duplicated, $lost"
done
finish
