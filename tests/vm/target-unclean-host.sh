#!/usr/bin/env bash
# raid-p2p unclean stop, for real: boot the rig, write to a raid5 with
# metadata devices and reboot the guest mid-write (sysrq b); boot again
# with the same disks and check that only the dirty regions resync and
# that data and parity are right (tests/vm/cases/target-unclean.sh does
# both halves in the guest). Runs on the host; not a vm-run case.
set -uo pipefail
here=$(cd "$(dirname "$(readlink -f "$0")")" && pwd)
dir=$(mktemp -d "${TMPDIR:-/tmp}/target-unclean.XXXXXX")
trap 'rm -rf "$dir"' EXIT

"$here/vm-run" --keep-disks "$dir/disks" --share "$dir" --timeout 600 -- \
	"$here/cases/target-unclean.sh" crash "$dir"
st=$?
if [ ! -e "$dir/crashing" ]; then
	echo "target-unclean: the first boot failed before the crash (status $st)" >&2
	exit 1
fi
# vm-run says 120, "the guest died while running the command": that is the crash.
[ "$st" -eq 120 ] || echo "target-unclean: first boot ended with $st, expected 120" >&2
"$here/vm-run" --keep-disks "$dir/disks" --share "$dir" --timeout 600 -- \
	"$here/cases/target-unclean.sh" verify "$dir"
