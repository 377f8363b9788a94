#!/usr/bin/env bash
# Dependencies between the folders of src/ point one way (scripts/layers): no #include and
# no symbol of this build reaches a higher layer.
exec "$(dirname "$0")/../../scripts/layers" check "${BPFRUN_BUILD:?}"
