#!/usr/bin/env bash
# A command tree's own settings, under one runtime: the runtime is started by an exec
# with BPFRUN_RUN_BUDGET and BPFRUN_JIT=0 in its environment, yet a later exec without
# them runs with the defaults (a program of 20000 instructions finishes, and is
# JIT-compiled), and a later exec that sets them gets them (the same run faults over its
# budget; its program is interpreted).  Before, the first exec's environment held for all.
. "$(dirname "$0")/lib.sh"

pin=/sys/fs/bpf/bpfrun-test-settings-$$
# Loads an XDP program that counts to 10000 (a bounded loop), test-runs it, prints the
# run's result and whether the program was JIT-compiled; pins it when given a path.
loop_run() {
	/usr/bin/python3 -c '
import ctypes, struct, sys
libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
def bpf(cmd, attr):
    buf = ctypes.create_string_buffer(attr.ljust(128, b"\0"), 128)
    return libc.syscall(321, cmd, buf, 128), buf
addr = lambda b: ctypes.cast(b, ctypes.c_void_p).value
insns = ctypes.create_string_buffer(bytes.fromhex(
    "b700000000000000" "0700000001000000" "a500feff10270000" "9500000000000000"))
lic = ctypes.create_string_buffer(b"GPL")
fd, _ = bpf(5, struct.pack("=IIQQ", 6, 4, addr(insns), addr(lic)))  # PROG_LOAD xdp
if fd < 0:
    sys.exit("load: errno %d" % ctypes.get_errno())
pkt = ctypes.create_string_buffer(64)
ret, attr = bpf(10, struct.pack("=IIIIQQ", fd, 0, 64, 0, addr(pkt), 0))  # PROG_TEST_RUN
err = ctypes.get_errno()
info = ctypes.create_string_buffer(256)
bpf(15, struct.pack("=IIQ", fd, 256, addr(info)))  # OBJ_GET_INFO_BY_FD
jited = struct.unpack_from("=I", info, 16)[0] > 0
print("run:", "retval %d" % struct.unpack_from("=I", attr, 4)[0] if ret == 0 else
      "errno %d" % err, "jited" if jited else "interpreted")
if len(sys.argv) > 1:
    bpf(6, struct.pack("=QI", addr(ctypes.create_string_buffer(sys.argv[1].encode())), fd))
' "$@"
}

run env BPFRUN_RUN_BUDGET=1000 BPFRUN_JIT=0 "$bpfrun" exec -- bash -c "$(declare -f loop_run); loop_run $pin"
expect_out "the first exec's budget and JIT setting hold for its own calls" \
	"^run: errno 14 interpreted$"
# (the suite also runs with BPFRUN_JIT=0 set: this exec must be without it)
run env -u BPFRUN_JIT -u BPFRUN_RUN_BUDGET "$bpfrun" exec -- bash -c \
	"$(declare -f loop_run); loop_run"
expect_out "a later exec without them runs with the defaults" "^run: retval 10000 jited$"
run env BPFRUN_RUN_BUDGET=1000 BPFRUN_JIT=0 "$bpfrun" exec -- bash -c \
	"$(declare -f loop_run); loop_run"
expect_out "a later exec that sets them gets them" "^run: errno 14 interpreted$"
run "$bpfrun" exec -- rm "$pin"
run "$bpfrun" runtime stop
finish
