#!/usr/bin/env bash
# The runtime serves its own user only: another user's `bpfrun` refuses a runtime directory
# it does not own, and a connection from another user that reaches the socket anyway (the
# directory opened up for the test) is closed unanswered (SO_PEERCRED).
. "$(dirname "$0")/lib.sh"

if [ "$(id -u)" -ne 0 ] || ! command -v setpriv >/dev/null; then
	echo "SKIP: needs root and setpriv to act as another user"
	finish
	exit
fi
as_nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }

"$bpfrun" exec -- sleep 3 & # a command under it keeps the runtime up
for _ in $(seq 50); do [ -S "$BPFRUN_RUNTIME_DIR/sock" ] && break; sleep 0.1; done
run "$bpfrun" runtime status
expect_out "the owner sees the runtime" "^runtime: pid"

run as_nobody env BPFRUN_RUNTIME_DIR="$BPFRUN_RUNTIME_DIR" "$bpfrun" runtime status
[ "$rc" -ne 0 ] && grep -q -E "must be a directory of user 65534|Permission denied" "$work/err" &&
	pass || fail "another user's bpfrun refuses the directory"

chmod 0711 "$work" "$BPFRUN_RUNTIME_DIR"
chmod 0777 "$BPFRUN_RUNTIME_DIR/sock"
run as_nobody /usr/bin/python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
s.connect(sys.argv[1])
s.settimeout(5)
try:
    s.send(b"status\0")
    print("answer: %r" % s.recv(65536))
except OSError as e:
    print("error: %s" % e)
' "$BPFRUN_RUNTIME_DIR/sock"
chmod 0700 "$work" "$BPFRUN_RUNTIME_DIR"
expect_no_out "another user's connection gets no answer" "runtime: pid"
expect_out "it is closed" "answer: b''|error"
run "$bpfrun" runtime stop
expect_out "the owner stops it" "stopped"
wait
finish
