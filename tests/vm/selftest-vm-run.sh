#!/usr/bin/env bash
# Tests of vm-run itself, run on the host: the command's exit status, output
# streams, working directory and shares pass through; a kernel WARN during
# the run gives 120; a run past --timeout gives 124; --power-cut cuts
# without a flush, and --keep-disks boots on the same disks.
set -uo pipefail
vmrun=$(cd "$(dirname "$0")" && pwd)/vm-run
fails=0
ok() { echo "ok - $*"; }
not_ok() { echo "not ok - $*"; fails=$((fails + 1)); }
expect() { if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1 (got '$2', want '$3')"; fi; }

tmp=$(mktemp -d) share=$(mktemp -d)
trap 'rm -rf "$tmp" "$share"' EXIT

cd "$tmp"
"$vmrun" --share "$share" -- bash -c \
	"pwd; echo to-stdout; echo to-stderr >&2; echo guest >$share/marker; echo here >cwd-file; exit 7" \
	>"$tmp/out" 2>"$tmp/err"
expect "exit status passes through" "$?" 7
expect "cwd in the guest is the host cwd" "$(head -1 "$tmp/out")" "$tmp"
expect "stdout streams" "$(sed -n 2p "$tmp/out")" to-stdout
grep -qx to-stderr "$tmp/err" && ok "stderr streams" || not_ok "stderr streams: $(cat "$tmp/err")"
expect "--share is writable at the same path" "$(cat "$share/marker" 2>/dev/null)" guest
expect "cwd is writable" "$(cat "$tmp/cwd-file" 2>/dev/null)" here

"$vmrun" -- bash -c 'modprobe lkdtm && echo WARNING >/sys/kernel/debug/provoke-crash/DIRECT; exit 0' \
	>"$tmp/out" 2>"$tmp/err"
expect "a kernel WARN during the run gives 120" "$?" 120
grep -q 'WARNING:' "$tmp/err" && ok "the WARN is printed" || not_ok "the WARN is printed"

"$vmrun" --timeout 30 -- sleep 300 >"$tmp/out" 2>"$tmp/err"
expect "a run past --timeout gives 124" "$?" 124

# --power-cut: a write that reached the drive survives the cut, one still
# in the guest's page cache does not (no flush); the next boot on the same
# disks sees that; a WARN before the cut still gives 120.
"$vmrun" --power-cut --keep-disks "$tmp/disks" -- bash -c '
	. "$RP_TOP/tests/vm/lib.sh"; d=$(rig_dev rp-sw0)
	echo durable | dd of=$d bs=4096 conv=sync oflag=direct status=none
	exec 5<"$d" # the last close of a block device writes its cache out
	echo cached | dd of=$d bs=4096 seek=1 conv=sync status=none
	power_cut' >"$tmp/out" 2>"$tmp/err"
expect "a power cut the command asked for gives 0" "$?" 0
grep -q 'power cut, as the command asked' "$tmp/err" && ok "the cut is reported" ||
	not_ok "the cut is reported: $(cat "$tmp/err")"
# (What the guest read goes to the share, which 9p writes through at
# once; its stdout might still be on the way when QEMU dies.)
"$vmrun" --power-cut --keep-disks "$tmp/disks" --share "$share" -- bash -c '
	. "$RP_TOP/tests/vm/lib.sh"
	dd if=$(rig_dev rp-sw0) bs=4096 count=2 iflag=direct status=none | tr -d "\\0" >'"$share/readback"'
	modprobe lkdtm && echo WARNING >/sys/kernel/debug/provoke-crash/DIRECT
	power_cut' >"$tmp/out" 2>"$tmp/err"
expect "a kernel WARN before the cut gives 120" "$?" 120
expect "after the cut the drive holds what was written through, not what was cached" \
	"$(cat "$share/readback" 2>/dev/null)" durable

[ "$fails" -eq 0 ] || { echo "selftest-vm-run: $fails check(s) failed"; exit 1; }
echo "selftest-vm-run: all checks passed"
