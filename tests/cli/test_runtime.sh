#!/usr/bin/env bash
# The per-user runtime behind `bpfrun exec`, side by side with the kernel: unmodified
# bpftool in separate invocations (prog loadall, prog run pinned, map dump pinned), a
# statically linked libbpf loader and a Go cilium/ebpf loader, each of which pins a timer
# map and exits; the timers keep firing while a later command reads the map through the
# pin, and stop when the pin is removed.  Each side's transcript must be the same, none
# of bpfrun's objects may reach the kernel, and the runtime must go once nothing is left.
# Meanwhile `bpfrun timer list --runtime` lists the timer the runtime keeps armed.
. "$(dirname "$0")/lib.sh"

obj=$build/tests/procs/solo.bpf.o
head -c 64 /dev/zero >"$work/pkt"
kernel=no
if "$build/tests/bpf_permitted" 2>/dev/null && [ -z "${BPFRUN_SANITIZE:-}" ] &&
	{ mount | grep -q " /sys/fs/bpf type bpf " || mount -t bpf bpf /sys/fs/bpf 2>/dev/null; }; then
	kernel=yes
fi

# side NAME: runs the rest of the line on that side ("kernel": as is; "bpfrun": under
# bpfrun exec), output appended to the side's transcript, errors to its log.
side() {
	local s=$1; shift
	if [ "$s" = bpfrun ]; then set -- "$bpfrun" exec -- "$@"; fi
	"$@" >>"$work/$s.txt" 2>>"$work/$s.log"
}

# count SIDE PIN: the callbacks counted so far, read through the pinned count map.
count() {
	local s=$1 pin=$2
	if [ "$s" = bpfrun ]; then set -- "$bpfrun" exec --; else set --; fi
	"$@" bpftool -j map lookup pinned "$pin" key 0 0 0 0 2>>"$work/$s.log" |
		python3 -c 'import json,sys; v=json.load(sys.stdin)["value"]
print(v if isinstance(v, int) else int.from_bytes(bytes(int(b, 16) for b in v), "little"))'
}

# timers SIDE DIR: the pinned timer map DIR/solo_tmap keeps firing; removing its pin
# stops it (the programs, still pinned or armed, hold the map but no user reference).
timers() {
	local s=$1 dir=$2 c1 c2 c3 c4
	sleep 0.3
	c1=$(count "$s" "$dir/solo_count")
	sleep 0.3
	c2=$(count "$s" "$dir/solo_count")
	echo "keeps firing after the loader exited: $([ "${c1:-0}" -gt 0 ] && [ "${c2:-0}" -gt "$c1" ] && echo yes)" >>"$work/$s.txt"
	# the first time: `bpfrun timer list --runtime` shows the runtime's timer
	if [ "$s" = bpfrun ] && [ -z "${listed_runtime:-}" ]; then
		listed_runtime=1
		run "$bpfrun" timer list --runtime --json
		expect_json "timer list --runtime lists the runtime's armed timer" \
			"any(t['map']['name'] == 'solo_tmap' and t['state'] in ('armed', 'running') for t in j)"
	fi
	side "$s" rm "$dir/solo_tmap"
	sleep 0.3 # a callback running at the removal may still count once
	c3=$(count "$s" "$dir/solo_count")
	sleep 0.3
	c4=$(count "$s" "$dir/solo_count")
	echo "stops once unpinned: $([ -n "$c3" ] && [ "$c3" = "$c4" ] && echo yes)" >>"$work/$s.txt"
}

bpftool_steps() {
	local s=$1 d=/sys/fs/bpf/solo_$1_$$
	echo "## bpftool, one command per process" >>"$work/$s.txt"
	side "$s" mkdir "${d}_maps"
	side "$s" bpftool prog loadall "$obj" "$d" pinmaps "${d}_maps"
	side "$s" bpftool prog run pinned "$d/solo_arm" data_in "$work/pkt"
	side "$s" bpftool prog run pinned "$d/solo_init" data_in "$work/pkt"
	timers "$s" "${d}_maps"
	side "$s" bpftool prog run pinned "$d/solo_init" data_in "$work/pkt"
	side "$s" bpftool map dump pinned "${d}_maps/solo_tmap" # gone: an error
	echo "map dump of the removed pin: $?" >>"$work/$s.txt"
	side "$s" rm "$d/solo_arm" "$d/solo_init" "${d}_maps/solo_count"
	side "$s" rmdir "$d" "${d}_maps"
}

loader_steps() { # SIDE NAME BINARY
	local s=$1 d=/sys/fs/bpf/solo_$1_$2_$$
	echo "## $2 loader" >>"$work/$s.txt"
	side "$s" mkdir "$d"
	side "$s" "$3" "$obj" "$d"
	timers "$s" "$d"
	side "$s" rm "$d/solo_count"
	side "$s" rmdir "$d"
}

# no_kernel_objects NAME: the kernel holds none of the test object's programs or maps.
no_kernel_objects() {
	if [ "$kernel" = yes ] && bpftool -j prog show | grep -q '"name":"solo_' ||
		{ [ "$kernel" = yes ] && bpftool -j map show | grep -q '"name":"solo_'; }; then
		fail "$1: bpfrun's objects reached the kernel"
	else
		pass
	fi
}

go_loader=""
if command -v go >/dev/null && [ -d /usr/share/gocode/src/github.com/cilium/ebpf ]; then
	mkdir "$work/go"
	cp "$here/../procs/loader.go" "$work/go/"
	if (cd "$work/go" && GO111MODULE=off GOPATH=/usr/share/gocode GOCACHE="$work/gocache" \
		GOFLAGS= nice go build -o loader loader.go) >"$work/go.log" 2>&1; then
		go_loader=$work/go/loader
	else
		echo "SKIP Go loader: build failed"; cat "$work/go.log"
	fi
else
	echo "SKIP Go loader: golang-go and golang-github-cilium-ebpf-dev are not installed"
fi
static_loader=$build/tests/procs_static_loader
[ -x "$static_loader" ] || { echo "SKIP static loader: not built (sanitizer build)"; static_loader=""; }

sides="bpfrun"
[ "$kernel" = yes ] && sides="bpfrun kernel" || echo "SKIP kernel side: bpf() or bpffs not available"
for s in $sides; do
	if command -v bpftool >/dev/null; then bpftool_steps "$s"; fi
	if [ -n "$static_loader" ]; then loader_steps "$s" static "$static_loader"; fi
	if [ -n "$go_loader" ]; then loader_steps "$s" go "$go_loader"; fi
	[ "$s" = bpfrun ] && no_kernel_objects "every loader under bpfrun exec"
done

sed -i 's/duration: [0-9]*ns/duration: N/' "$work"/*.txt
rc=0
cp "$work/bpfrun.txt" "$work/out"
expect_count "the timers keep firing after each loader" \
	$(grep -c '^## ' "$work/out") "keeps firing after the loader exited: yes"
expect_count "and stop once the timer map's pin is removed" \
	$(grep -c '^## ' "$work/out") "stops once unpinned: yes"
if command -v bpftool >/dev/null; then
	expect_out "bpftool arms the timer in a separate process" "^Return value: 0,"
	expect_out "a later bpftool sees it alive (EBUSY)" "^Return value: 16,"
	expect_out "and without a user reference (EPERM)" "^Return value: 1,"
fi
if [ "$kernel" = yes ]; then
	run diff -u "$work/kernel.txt" "$work/bpfrun.txt"
	[ "$rc" -eq 0 ] && pass || fail "kernel and bpfrun transcripts differ"
fi
# Nothing left: the runtime has gone by itself.
for _ in 1 2 3 4 5 6 7 8 9 10; do
	run "$bpfrun" runtime status
	[ "$rc" -ne 0 ] && break
	sleep 0.2
done
expect_out "the runtime stops once no pin, descriptor or command is left" "no runtime running"
cat "$work/bpfrun.txt"
[ "$failed" -eq 0 ] || { echo "--- bpfrun log"; tail -n 20 "$work/bpfrun.log"; }
finish
