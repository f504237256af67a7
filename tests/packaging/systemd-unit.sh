#!/usr/bin/env bash
# The systemd units in systemd/: systemd-analyze verify takes each (with
# ExecStart on the built tool), and a typo in one is refused (the check can
# fail); the tool takes the command lines they run.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
tool=$(realpath "${RP_BUILD:?}/tools/p2praid-tool")
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
fails=0
pass() { echo "ok - $*"; }
fail() { echo "not ok - $*"; fails=1; }

for unit in "$top"/systemd/*.service "$top"/systemd/*.timer; do
	name=${unit##*/}
	sed "s#/usr/bin/p2praid-tool#$tool#" "$unit" >"$dir/$name"
done
# verify checks a timer's service too: check each unit alone.
for unit in "$dir"/*; do
	name=${unit##*/}
	if systemd-analyze verify --man=no "$unit"; then pass "$name: systemd-analyze verify"
	else fail "$name: systemd-analyze verify"; fi
done
for unit in "$top"/systemd/*.service; do
	name=${unit##*/}
	cmd=$(sed -n 's#^ExecStart=/usr/bin/p2praid-tool ##p' "$unit")
	[ -n "$cmd" ] || { fail "$name: ExecStart runs /usr/bin/p2praid-tool"; continue; }
	# The command line parses (its options and arguments, with --help).
	# shellcheck disable=SC2086 # the unit's words, as systemd splits them
	if "$tool" ${cmd//\$P2PRAID_MONITOR_ARGS/} --help >/dev/null; then pass "$name: the tool takes '$cmd'"
	else fail "$name: the tool takes '$cmd'"; fi
done
sed -i 's/^ExecStart=/ExecStrat=/' "$dir/p2praid-monitor.service"
if systemd-analyze verify --man=no "$dir/p2praid-monitor.service" 2>/dev/null; then
	fail "a unit without ExecStart is refused"
else
	pass "a unit without ExecStart is refused"
fi
exit "$fails"
