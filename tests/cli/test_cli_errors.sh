#!/usr/bin/env bash
# bpfrun's error paths: each gives one clear line on stderr and a non-zero exit, never a
# crash.  Malformed objects are made here from a good one.
source "$(dirname "$0")/lib.sh"
seed=$examples/seed_timer.bpf.o

# put_bytes FILE OFFSET HEXBYTES: overwrite bytes in place ("ff ff" ...).
put_bytes() {
	local bytes
	bytes=$(for b in $3; do printf '\\x%s' "$b"; done)
	printf "$bytes" | dd of="$1" bs=1 seek="$2" conv=notrunc status=none
}
# u64 at OFFSET of FILE (little-endian).
u64_at() { od -An -t u8 -j "$2" -N 8 "$1" | tr -d ' '; }
# put_u64 FILE OFFSET VALUE: overwrite a little-endian u64.
put_u64() { put_bytes "$1" "$2" "$(for i in 0 1 2 3 4 5 6 7; do printf '%02x ' $(($3 >> 8 * i & 255)); done)"; }
mutated() { cp "$seed" "$work/$1.o"; echo "$work/$1.o"; }

# ---- files that are not BPF objects
expect_error missing "No such file" "$bpfrun" run "$work/absent.o"
echo "hello" >"$work/text.o"
expect_error not-elf "not an ELF file" "$bpfrun" run "$work/text.o"
: >"$work/empty.o"
expect_error empty "empty file" "$bpfrun" run "$work/empty.o"
expect_error directory "not a regular file" "$bpfrun" run "$work"
mkfifo "$work/fifo.o"
expect_error fifo "not a regular file" timeout 20 "$bpfrun" run "$work/fifo.o"

size=$(stat -c %s "$seed")
head -c 40 "$seed" >"$work/short.o"
expect_error truncated-header "truncated" "$bpfrun" run "$work/short.o"
head -c $((size - 100)) "$seed" >"$work/cut.o"
expect_error truncated-tail "truncated" "$bpfrun" run "$work/cut.o"

f=$(mutated shoff); put_bytes "$f" 40 "00 00 00 00 00 00 01 00"
expect_error corrupt-section-table "section table" "$bpfrun" run "$f"
f=$(mutated secoff)
shoff=$(u64_at "$f" 40)
put_bytes "$f" $((shoff + 64 + 24)) "00 00 00 00 00 01 00 00"
expect_error corrupt-section "section 1 lies past" "$bpfrun" run "$f"
f=$(mutated shnum); put_bytes "$f" 62 "ff ff"
expect_error corrupt-shstrndx "corrupt ELF header" "$bpfrun" run "$f"

# The section table at an odd offset (one byte inserted before it): a valid object, read
# without misaligned accesses (UBSan in the asan build).
shoff=$(u64_at "$seed" 40)
{ head -c "$shoff" "$seed"; printf '\0'; tail -c +$((shoff + 1)) "$seed"; } >"$work/odd.o"
put_u64 "$work/odd.o" 40 $((shoff + 1))
expect_ok odd-section-table "$bpfrun" run "$work/odd.o"
expect_out odd-section-table "bpf_prog1: 1 run"

# Objects that pass the ELF checks but on which libbpf 1.1's open dies (SIGSEGV): one byte
# of .BTF changed in tests/bpf/prog_refusals.bpf.o, so that a map definition's `type`
# member, its `max_entries` member, or a map variable names a type past the last one.
for f in btf-map-type-past-last btf-map-max-entries-past-last btf-var-type-past-last; do
	expect_error "libbpf-crash-$f" "$f.o: corrupt BPF object: libbpf crashes" \
		"$bpfrun" run "$here/objects/$f.o"
	[ "$(wc -l <"$work/err")" -eq 1 ] && pass || fail "libbpf-crash-$f: one line"
done
expect_error libbpf-crash-map-list "corrupt BPF object" \
	"$bpfrun" map list "$here/objects/btf-var-type-past-last.o"
expect_error libbpf-crash-prog-show "corrupt BPF object" \
	"$bpfrun" prog show "$here/objects/btf-var-type-past-last.o" name x

f=$(mutated class32); put_bytes "$f" 4 "01"
expect_error elf32 "32-bit" "$bpfrun" run "$f"
f=$(mutated bigendian); put_bytes "$f" 5 "02"
expect_error big-endian "big-endian" "$bpfrun" run "$f"
f=$(mutated exec); put_bytes "$f" 16 "02 00"
expect_error not-relocatable "not a relocatable object" "$bpfrun" run "$f"
f=$(mutated arm); put_bytes "$f" 18 "b7 00"
expect_error wrong-arch-aarch64 "aarch64, not BPF" "$bpfrun" run "$f"
echo 'int f(void) { return 1; }' >"$work/host.c"
cc -c "$work/host.c" -o "$work/host.o"
expect_error wrong-arch-host "x86-64, not BPF" "$bpfrun" run "$work/host.o"
expect_error wrong-arch-map "not BPF" "$bpfrun" map list "$work/host.o"

# ---- a program the loader refuses: the reason, then the loader's log
clang -O2 -g -target bpf -D__x86_64__ -I/usr/include/x86_64-linux-gnu \
	-c "$here/bad_helper.bpf.c" -o "$work/bad_helper.bpf.o"
expect_error load-failure "bad_helper.bpf.o: loading failed" "$bpfrun" run "$work/bad_helper.bpf.o"
grep -q "loader log:" "$work/err" && grep -q "calls_nothing" "$work/err" && pass ||
	fail "load-failure: the loader's log names the program"

# ---- names that are not in the object
expect_error unknown-prog "no program named 'nope' \(it has: bpf_prog1\)" "$bpfrun" run "$seed" --prog nope
expect_error unknown-section "no program in section 'xdp'" "$bpfrun" run "$seed" --section xdp
expect_error unknown-map "no map named 'nope'" "$bpfrun" map dump "$seed" name nope
expect_error unknown-map-id "no map with id 99999" "$bpfrun" map dump "$seed" id 99999
expect_error unknown-prog-show "no program named 'nope'" "$bpfrun" prog show "$seed" name nope
expect_error unpinned "No such file" "$bpfrun" map dump "$seed" pinned /sys/fs/bpf/bpfrun-none/hmap

# ---- inputs
expect_error missing-pcap "No such file" "$bpfrun" run "$seed" --pcap "$work/absent.pcap"
expect_error not-pcap "not a readable capture" "$bpfrun" run "$seed" --pcap "$work/text.o"
expect_error elf-as-pcap "not a readable capture" "$bpfrun" run "$seed" --pcap "$seed"
head -c 110 "$examples/flow_idle.pcap" >"$work/cut.pcap"
expect_error truncated-pcap "cut.pcap: .*truncated" "$bpfrun" run "$examples/flow_idle.bpf.o" --pcap "$work/cut.pcap"
expect_error missing-data "absent.bin: No such file" "$bpfrun" run "$seed" --data "$work/absent.bin"

# ---- command lines
expect_error no-command "unknown command 'frobnicate'" "$bpfrun" frobnicate
expect_error no-object "which object" "$bpfrun" run
expect_error bad-option "unexpected argument '--frob'" "$bpfrun" run "$seed" --frob
expect_error bad-duration "'soon' is not a duration" "$bpfrun" run "$seed" --for soon
expect_error bad-clock "neither real nor virtual" "$bpfrun" run "$seed" --clock sideways
expect_error bad-repeat "not a number" "$bpfrun" run "$seed" --repeat 0
expect_error missing-value "--pcap needs a value" "$bpfrun" run "$seed" --pcap
expect_error exclusive-inputs "exclusive" "$bpfrun" run "$seed" --data "$seed" --pcap "$seed"
expect_error bad-prog-sub "unknown command 'frob'" "$bpfrun" prog frob
expect_error bad-map-sub "unknown command 'frob'" "$bpfrun" map frob
expect_error bad-key-size "key: 2 bytes given" "$bpfrun" map lookup "$seed" name hmap key 0 0
expect_error bad-byte "'300' is not a byte" "$bpfrun" map lookup "$seed" name hmap key 300 0 0 0
expect_error lookup-missing "lookup failed" "$bpfrun" map lookup "$examples/flow_idle.bpf.o" \
	name flows key hex 0a 00 00 01 0a 00 00 64 03 e9 00 35 11 00 00 00
expect_error bad-update-flag "unknown flag" "$bpfrun" map update "$seed" name hmap \
	key 0 0 0 0 value 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 sometimes
expect_error extra-key-byte "unexpected argument '0'" "$bpfrun" map lookup "$seed" name hmap key 0 0 0 0 0
expect_error version-args "unexpected argument" "$bpfrun" version extra

finish
