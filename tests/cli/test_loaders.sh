#!/usr/bin/env bash
# libbpf-bootstrap-style loaders (tests/loaders/), ordinary libbpf programs, run unmodified
# under `bpfrun exec`: each loads and attaches its program (tracepoint, kprobe, fentry,
# uprobe) and the event reaches it through bpfrun's trigger API.
source "$(dirname "$0")/lib.sh"
objdir=${BPFRUN_TEST_OBJDIR:?}
loader=$build/tests/loaders/bootstrap_style

expect_ok minimal "$bpfrun" exec -- "$loader" minimal "$objdir/bootstrap_style.bpf.o"
expect_out minimal-count "^minimal: 1 event\(s\), last argument 1$"
expect_ok kprobe "$bpfrun" exec -- "$loader" kprobe "$objdir/bootstrap_style.bpf.o"
expect_out kprobe-count "^kprobe: 1 event\(s\), last argument -100$"
expect_ok fentry "$bpfrun" exec -- "$loader" fentry "$objdir/bootstrap_style.bpf.o"
expect_out fentry-count "^fentry: 1 event\(s\), last argument -100$"
expect_ok uprobe "$bpfrun" exec -- "$loader" uprobe "$objdir/bootstrap_style.bpf.o"
expect_out uprobe-count "^uprobe: 1 event\(s\), last argument 42$"
finish
