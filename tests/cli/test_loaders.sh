#!/usr/bin/env bash
# libbpf-bootstrap-style loaders (tests/loaders/), ordinary libbpf programs, run unmodified
# under `bpfrun exec --in-process`: each loads and attaches its program (tracepoint,
# kprobe, fentry, uprobe) and the event reaches it through bpfrun's trigger API, which
# lives in the process (the shared runtime of plain `bpfrun exec` does not route
# perf_event_open and its ioctls yet).
source "$(dirname "$0")/lib.sh"
objdir=${BPFRUN_TEST_OBJDIR:?}
loader=$build/tests/loaders/bootstrap_style

# --in-process: attaching goes through the preloaded bridge's perf_event_open and ioctl
# interposers, which the per-user runtime does not route (docs/ARCHITECTURE.md).
expect_ok minimal "$bpfrun" exec --in-process -- "$loader" minimal "$objdir/bootstrap_style.bpf.o"
expect_out minimal-count "^minimal: 1 event\(s\), last argument 1$"
expect_ok kprobe "$bpfrun" exec --in-process -- "$loader" kprobe "$objdir/bootstrap_style.bpf.o"
expect_out kprobe-count "^kprobe: 1 event\(s\), last argument -100$"
expect_ok fentry "$bpfrun" exec --in-process -- "$loader" fentry "$objdir/bootstrap_style.bpf.o"
expect_out fentry-count "^fentry: 1 event\(s\), last argument -100$"
expect_ok uprobe "$bpfrun" exec --in-process -- "$loader" uprobe "$objdir/bootstrap_style.bpf.o"
expect_out uprobe-count "^uprobe: 1 event\(s\), last argument 42$"
finish
