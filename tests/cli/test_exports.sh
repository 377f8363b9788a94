#!/usr/bin/env bash
# libbpfrun.so exports exactly the API of include/bpfrun.h and the bridge's interposers:
# preloaded into an application (bpfrun exec), any other exported name (map_create,
# copy_to_user, vlog...) would take the place of the application's own function.
source "$(dirname "$0")/lib.sh"

interposers="syscall close close_range dup dup2 dup3 fcntl fcntl64 statfs statfs64 fstatfs
	fstatfs64 mkdir mkdirat rmdir unlink unlinkat remove access mmap mmap64 munmap
	ioctl fopen fopen64 epoll_ctl epoll_wait epoll_pwait epoll_pwait2"
api=$(grep -oE '\bbpfrun_[a-z0-9_]+\(' "$here/../../include/bpfrun.h" | tr -d '(')
printf '%s\n' $interposers $api | sort -u >"$work/expected"
nm -D --defined-only "$build/libbpfrun.so" | awk '{ sub(/@.*/, "", $3); print $3 }' |
	sort -u >"$work/exported"

run diff "$work/expected" "$work/exported"
[ "$rc" -eq 0 ] && pass || fail "exports: '<' expected but missing, '>' exported but not API"
[ "$(wc -l <"$work/expected")" -ge 30 ] && pass || fail "exports: the expected list is short"
finish
