#!/usr/bin/env bash
# `bpfrun run --fire HOOK`: the object's programs attach as a loader would attach them and
# HOOK fires with the context --data gives.
source "$(dirname "$0")/lib.sh"
objdir=${BPFRUN_TEST_OBJDIR:?}

# raw_tp args[1] = 9, fired twice: the raw tracepoint program adds 9 to slot 3 each time
printf '\0\0\0\0\0\0\0\0\x09\0\0\0\0\0\0\0' >"$work/ctx"
expect_ok fire-raw-tp "$bpfrun" run "$objdir/link_probes.bpf.o" --fire raw_tp/sched_switch \
	--data "$work/ctx" --repeat 2 --keep
expect_count fire-raw-tp-twice 2 "^fired raw_tp/sched_switch: return value 0"
expect_out fire-raw-tp-sum "key: 03 00 00 00  value: 12 00 00 00 00 00 00 00"

# kprobe: pt_regs->di (offset 112) = 5
head -c 112 /dev/zero >"$work/regs"
printf '\x05\0\0\0\0\0\0\0' >>"$work/regs"
head -c 48 /dev/zero >>"$work/regs"
expect_ok fire-kprobe "$bpfrun" run "$objdir/link_probes.bpf.o" --fire kprobe/do_nanosleep \
	--data "$work/regs" --keep
expect_out fire-kprobe-arg "key: 00 00 00 00  value: 05 00 00 00 00 00 00 00"

expect_error fire-bad-hook "--fire nonsense: Invalid argument" "$bpfrun" run \
	"$objdir/link_probes.bpf.o" --fire nonsense
finish
