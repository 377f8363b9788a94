#!/usr/bin/env bash
# A link pinned in the runtime: `bpfrun runtime status` names it a link.  A process under
# bpfrun exec (Python, raw bpf() calls through ctypes) loads a raw tracepoint program,
# opens a raw tracepoint link and pins it, then exits; the pin keeps the link alive, and
# `bpfrun runtime fire` runs its program (which returns 7) from another command, and
# bpftool under bpfrun exec lists and shows it.
. "$(dirname "$0")/lib.sh"

pin=/sys/fs/bpf/bpfrun-test-link-$$
run "$bpfrun" exec -- /usr/bin/python3 -c '
import ctypes, struct, sys
libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
NR_BPF = 321  # x86_64
def bpf(cmd, attr):
    buf = ctypes.create_string_buffer(attr.ljust(128, b"\0"), 128)
    ret = libc.syscall(NR_BPF, cmd, buf, 128)
    if ret < 0:
        sys.exit("bpf(%d): errno %d" % (cmd, ctypes.get_errno()))
    return ret
addr = lambda b: ctypes.cast(b, ctypes.c_void_p).value
insns = ctypes.create_string_buffer(bytes.fromhex("b700000007000000" "9500000000000000"))
lic = ctypes.create_string_buffer(b"GPL")
prog = bpf(5, struct.pack("=IIQQ", 17, 2, addr(insns), addr(lic)))  # PROG_LOAD raw_tp
tp = ctypes.create_string_buffer(b"sched_switch")
link = bpf(17, struct.pack("=QI", addr(tp), prog))  # RAW_TRACEPOINT_OPEN
path = ctypes.create_string_buffer(sys.argv[1].encode())
bpf(6, struct.pack("=QI", addr(path), link))  # OBJ_PIN
print("pinned")
' "$pin"
expect_out "a process under bpfrun exec pins a raw tracepoint link" "^pinned"
run "$bpfrun" runtime status
expect_out "runtime status names the pinned link" "^  $pin  link id [0-9]"
expect_out "runtime status counts the link among its objects" "^objects: .*, 1 links$"
if command -v bpftool >/dev/null; then
	run "$bpfrun" exec -- bpftool link list
	expect_out "bpftool under bpfrun exec lists the runtime's link" \
		"^[0-9]+: raw_tracepoint  prog [0-9]+"
	expect_out "with its tracepoint" "tp 'sched_switch'"
	run "$bpfrun" exec -- bpftool link show pinned "$pin"
	expect_out "bpftool shows the pinned link" "^[0-9]+: raw_tracepoint  prog [0-9]+"
fi
run "$bpfrun" runtime fire raw_tp/sched_switch
expect_out "runtime fire runs the pinned link's program" \
	"^fired raw_tp/sched_switch: return value 7$"
expect_error "runtime fire of a hook spelled otherwise" "Invalid argument" \
	"$bpfrun" runtime fire nohook/x
run "$bpfrun" runtime stop
expect_out "the runtime stops" "stopped"
expect_error "runtime fire without a runtime" "no runtime running" \
	"$bpfrun" runtime fire raw_tp/sched_switch
finish
