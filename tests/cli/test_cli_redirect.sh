#!/usr/bin/env bash
# `bpfrun run` tells where redirected packets went: the device, the CPU or the AF_XDP
# socket the redirect helpers named when the verdict was a redirect.
source "$(dirname "$0")/lib.sh"
obj=$build/tests/bpf/maps_redirect.bpf.o

run "$bpfrun" run "$obj" --prog xdp_redirect --repeat 3
expect_out xdp-redirect "^xdp_redirect: redirected to: device 0 \(no such device\) x3$"
run "$bpfrun" run "$obj" --prog tc_redirect_peer
expect_out tc-peer "^tc_redirect_peer: redirected to: peer of device 0 "
# cfg is all zero: key 0 of an empty devmap, no redirect
run "$bpfrun" run "$obj" --prog to_devmap
expect_out devmap-verdict "^to_devmap: 1 run, return values: 0 x1$"
expect_no_out devmap-empty "redirected"
finish
