#!/usr/bin/env bash
# Dependencies between the folders of src/ point one way (scripts/layers): no #include and
# no symbol of this build reaches a higher layer; and docs/ARCHITECTURE.md shows the graph
# the code has.
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
status=0
"$root/scripts/layers" check "${BPFRUN_BUILD:?}" || status=1
doc=$(awk '/^<!-- scripts\/layers graph -->$/ { getline; on = 1; next }
	   on && /^```$/ { exit } on' "$root/docs/ARCHITECTURE.md")
if [ "$doc" != "$("$root/scripts/layers" graph)" ]; then
	echo "docs/ARCHITECTURE.md's graph differs from scripts/layers graph:"
	diff <(echo "$doc") <("$root/scripts/layers" graph)
	status=1
fi
exit $status
