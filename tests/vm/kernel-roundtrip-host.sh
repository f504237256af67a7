#!/usr/bin/env bash
# Arrays across kernel series: boot the pinned 6.12 guest, create raid1 and
# raid5 with metadata and write data; boot the 7.3 guest on the same disks,
# assemble, verify, write new data; boot 6.12 again, assemble and verify
# (tests/vm/cases/kernel-roundtrip.sh does each phase in the guest). Runs
# on the host; needs both kernels and the modules for both
# (`make rig-modules` and `RP_KERNEL=7.3 make rig-modules`).
#
#   kernel-roundtrip-host.sh [FROM TO]     series, default 6.12 7.3
set -uo pipefail
here=$(cd "$(dirname "$(readlink -f "$0")")" && pwd)
from=${1:-6.12} to=${2:-7.3}
dir=$(mktemp -d "${TMPDIR:-/tmp}/kernel-roundtrip.XXXXXX")
trap 'rm -rf "$dir"' EXIT

boot() { # SERIES PHASE
	echo "kernel-roundtrip: $2 under Linux $1"
	RP_KERNEL=$1 "$here/vm-run" --keep-disks "$dir/disks" --share "$dir" --timeout 900 -- \
		"$here/cases/kernel-roundtrip.sh" "$2" "$dir" || exit
	[ -e "$dir/$2.done" ] || { echo "kernel-roundtrip: $2 did not finish" >&2; exit 1; }
	case "$(cat "$dir/$2.kernel")" in
	"$1".*) ;;
	*) echo "kernel-roundtrip: $2 ran on $(cat "$dir/$2.kernel"), not Linux $1" >&2; exit 1 ;;
	esac
}

boot "$from" create
boot "$to" cross
boot "$from" back
echo "kernel-roundtrip: arrays made under $from assembled and kept their data under $to and back"
