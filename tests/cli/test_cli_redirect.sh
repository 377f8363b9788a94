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
# a map entry: the device, and the map and key that named it, in text and JSON
run "$bpfrun" run "$obj" --prog to_devmap --map devmap "0 0 0 0" "1 0 0 0" --repeat 2
expect_out devmap-text "^to_devmap: redirected to: device 1 \(lo\) via map [0-9]+ \(devmap\) key 0 x2$"
run "$bpfrun" run "$obj" --prog to_cpumap --map cpumap "0 0 0 0" "1 0 0 0" --json
expect_out cpumap-json '"redirects":\[\{"to":"cpu","cpu":0,"map_id":[0-9]+,"map_name":"cpumap","map_type":16,"key":0,"flags":0,"action":4,"count":1\}\]'
run "$bpfrun" run "$obj" --prog xdp_redirect --json
expect_out xdp-json '"redirects":\[\{"to":"device","ifindex":0,"device":"no such device","flags":0,"action":4,"count":1\}\]'
finish
