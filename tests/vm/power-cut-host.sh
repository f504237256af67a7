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

boot() { # PHASE [RUN]
	echo "${next[$1.${2:-}]:-}" >"$dir/next"
	"$here/vm-run" --topology switch4ns --power-cut --keep-disks "$dir/disks" --share "$dir" \
		--timeout 900 -- "$here/cases/power-cut.sh" "$1" "$dir" "${2:-}"
}

# cut_boot PHASE RUN: a boot that must end in a power cut during run RUN.
cut_boot() {
	local st
	boot "$1" "$2"
	st=$?
	if [ ! -e "$dir/cut-$2" ]; then
		echo "power-cut: the $1 boot of run $2 ended without a cut (status $st)" >&2
		exit 1
	fi
	[ "$st" -eq 0 ] || { echo "power-cut: vm-run ended run $2 with $st, expected 0" >&2; exit 1; }
	echo "power-cut: cut $(($2 + 1)) done, during run $2 ($1)"
}

# The phase of the boot after each (DIR/next tells the guest): the cut
# before the resync phase leaves more dirty regions than the others.
declare -A next=()
phases=(create.0)
for ((r = 1; r < cuts; r++)); do phases+=("write.$r"); done
r=$cuts
for e in $extra; do phases+=("$e.$r") && r=$((r + 1)); done
phases+=(final.)
for ((i = 0; i + 1 < ${#phases[@]}; i++)); do next[${phases[i]}]=${phases[i + 1]%.*}; done

start=$(date +%s)
cut_boot create 0
run=1
for ((; run < cuts; run++)); do cut_boot write "$run"; done
for e in $extra; do
	cut_boot "$e" "$run"
	run=$((run + 1))
done
boot final
st=$?
echo "power-cut: $run cuts, $((run + 1)) boots, $(($(date +%s) - start)) s"
exit "$st"
