#!/usr/bin/env bash
# p2praid-tool arrays across a reboot: the first boot creates, verifies,
# stops and assembles raid1 and raid5 arrays; the second boot, with the
# same disks, assembles them again and checks a missing member
# (tests/vm/cases/tool-arrays.sh does both halves in the guest). Runs on
# the host; not a vm-run case.
set -uo pipefail
here=$(cd "$(dirname "$(readlink -f "$0")")" && pwd)
dir=$(mktemp -d "${TMPDIR:-/tmp}/tool-arrays.XXXXXX")
trap 'rm -rf "$dir"' EXIT

"$here/vm-run" --keep-disks "$dir/disks" --share "$dir" --timeout 900 -- \
	"$here/cases/tool-arrays.sh" first "$dir" || exit
[ -e "$dir/first-done" ] || { echo "tool-arrays: the first boot did not finish" >&2; exit 1; }
"$here/vm-run" --keep-disks "$dir/disks" --share "$dir" --timeout 900 -- \
	"$here/cases/tool-arrays.sh" second "$dir"
