#!/usr/bin/env bash
# The DMA meter agrees with raid-p2p's counters: one boot traced with
# vm-run --dma-trace runs tests/vm/cases/dma-meter.sh, which writes what
# the counters say the drives moved per phase; tests/vm/dma-meter reads
# what QEMU says they moved and checks each phase within 2% of its user
# bytes. Runs on the host; not a vm-run case. Its arguments go to vm-run
# (--debug-kernel, say). RP_DMA_KEEP=DIR keeps the trace and the
# expectations there.
set -uo pipefail
here=$(cd "$(dirname "$(readlink -f "$0")")" && pwd)
dir=$(mktemp -d "${TMPDIR:-/tmp}/dma-meter.XXXXXX")
trap 'rm -rf "$dir"' EXIT

RP_DMA_EXPECT="$dir/expect" "$here/vm-run" --dma-trace "$dir/trace" --share "$dir" \
	--timeout 1800 "$@" -- "$here/cases/dma-meter.sh" || exit
[ -n "${RP_DMA_KEEP:-}" ] && mkdir -p "$RP_DMA_KEEP" && cp "$dir"/* "$RP_DMA_KEEP/"
"$here/dma-meter" "$dir/trace" || exit
[ -s "$dir/expect" ] || { echo "dma-meter: the guest wrote no expectations" >&2; exit 1; }
"$here/dma-meter" --check "$dir/expect" --tolerance 2 "$dir/trace"
