#!/usr/bin/env bash
# raid-p2p across power cuts (tests/vm/cases/power-cut.sh does the guest's
# part): four arrays (raid1, raid10, raid5, raid6, with metadata) on the
# switch4ns rig are written by pcut while vm-run cuts the power; each boot
# after a cut reassembles them with p2praid-tool, checks that only the
# dirty regions resync, that every acknowledged write reads back and that
# md's check finds no mismatch, then writes again and cuts again.
#
# RP_PCUT_CUTS (default 2) cuts while writing, run 0 from P2P memory, run 1
# from host memory, and so on; RP_PCUT_EXTRA="resync rebuild" adds a cut
# during a resync and one during a rebuild, in that order (the boot after
# a cut during a rebuild finishes it at full speed, checking it; a resync
# boot would slow it down instead). RP_PCUT_SEED picks the moments.
# Runs on the host; not a vm-run case.
set -uo pipefail
here=$(cd "$(dirname "$(readlink -f "$0")")" && pwd)
dir=$(mktemp -d "${TMPDIR:-/tmp}/power-cut.XXXXXX")
trap 'rm -rf "$dir"' EXIT
cuts=${RP_PCUT_CUTS:-2}
extra=${RP_PCUT_EXTRA:-}
[[ $cuts =~ ^[1-9][0-9]*$ ]] || { echo "power-cut: RP_PCUT_CUTS must be at least 1" >&2; exit 1; }

# The boots in order, as PHASE.RUN: run 0 creates the arrays, the runs
# up to RP_PCUT_CUTS write, the extra phases follow, and the final boot
# (no run) only checks. Each boot but the last ends in a power cut, and
# each learns from DIR/next which phase the next boot is: the cut before
# the resync phase leaves more dirty regions than the others.
phases=(create.0)
for ((r = 1; r < cuts; r++)); do phases+=("write.$r"); done
for e in $extra; do phases+=("$e.$r") && r=$((r + 1)); done
phases+=(final.)

boot() { # PHASE RUN NEXT
	echo "$3" >"$dir/next"
	"$here/vm-run" --topology switch4ns --power-cut --keep-disks "$dir/disks" --share "$dir" \
		--timeout 900 -- "$here/cases/power-cut.sh" "$1" "$dir" "$2"
}

# cut_boot PHASE RUN NEXT: a boot that must end in a power cut during run RUN.
cut_boot() {
	local st
	boot "$1" "$2" "$3"
	st=$?
	if [ ! -e "$dir/cut-$2" ]; then
		echo "power-cut: the $1 boot of run $2 ended without a cut (status $st)" >&2
		exit 1
	fi
	[ "$st" -eq 0 ] || { echo "power-cut: vm-run ended run $2 with $st, expected 0" >&2; exit 1; }
	echo "power-cut: cut $(($2 + 1)) done, during run $2 ($1)"
}

start=$(date +%s)
n=${#phases[@]}
for ((i = 0; i + 1 < n; i++)); do
	cut_boot "${phases[i]%.*}" "${phases[i]#*.}" "${phases[i + 1]%.*}"
done
boot final "" ""
st=$?
echo "power-cut: $((n - 1)) cuts, $n boots, $(($(date +%s) - start)) s"
exit "$st"
