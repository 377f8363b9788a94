#!/usr/bin/env bash
# libbpf's perf_buffer under `bpfrun exec --in-process`: an ordinary libbpf consumer
# (tests/loaders/perfbuf_consumer.c) receives every record a program writes with
# bpf_perf_event_output on each CPU, unmodified, while it polls, and the lost counts of
# rings that fill up are the outputs that failed (the kernel prints the same lines).
# --in-process: the per-user runtime of plain `bpfrun exec` does not route perf_event_open,
# its ioctls and epoll (docs/ARCHITECTURE.md).
source "$(dirname "$0")/lib.sh"
objdir=${BPFRUN_TEST_OBJDIR:?}
consumer=$build/tests/loaders/perfbuf_consumer

expect_ok perfbuf "$bpfrun" exec --in-process -- "$consumer" "$objdir/maps_perfbuf.bpf.o"
expect_out all-records "^all records: ([0-9]+) of \1 records, 0 bad, 0 duplicated, lost 0 "
lost='lost ([1-9][0-9]*) \(expected \2\)$'
expect_out lost-counts "^one page per CPU: ([0-9]+) of \1 records, 0 bad, 0 duplicated, $lost"
finish
