#!/usr/bin/env bash
# Tests of vm-run itself, run on the host: the command's exit status, output
# streams, working directory and shares pass through; a kernel WARN during
# the run gives 120; a run past --timeout gives 124.
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

[ "$fails" -eq 0 ] || { echo "selftest-vm-run: $fails check(s) failed"; exit 1; }
echo "selftest-vm-run: all checks passed"
