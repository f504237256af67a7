#!/usr/bin/env bash
# The systemd units and the udev rule, as the build configures them from
# systemd/*.in and udev/*.in: they run the tool where make install puts it
# (CMAKE_INSTALL_PREFIX/bin), systemd-analyze verify takes each unit (with
# ExecStart on the built tool), and a typo in one is refused (the check can
# fail); the tool takes the command lines they run.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
tool=$(realpath "${RP_BUILD:?}/tools/p2praid-tool")
prefix=$(sed -n 's/^CMAKE_INSTALL_PREFIX:PATH=//p' "$RP_BUILD/CMakeCache.txt")
installed=$prefix/bin/p2praid-tool
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
fails=0
pass() { echo "ok - $*"; }
fail() { echo "not ok - $*"; fails=1; }

for f in "$top"/systemd/*.in "$top"/udev/*.in; do
	f=${f#"$top"/}
	f=${f%.in}
	[ -f "$RP_BUILD/$f" ] || { fail "$f: configured in the build"; continue; }
	if grep -q @ "$RP_BUILD/$f"; then fail "$f: no @VARIABLE@ left"; else pass "$f: no @VARIABLE@ left"; fi
	case $f in *.timer) continue ;; esac
	if grep -q -E "(ExecStart=|RUN\+=\")$installed " "$RP_BUILD/$f"; then
		pass "$f: runs $installed"
	else
		fail "$f: runs $installed: $(grep -E 'ExecStart=|RUN' "$RP_BUILD/$f")"
	fi
done
for unit in "$RP_BUILD"/systemd/*.service "$RP_BUILD"/systemd/*.timer; do
	name=${unit##*/}
	sed "s#$installed#$tool#" "$unit" >"$dir/$name"
done
# verify checks a timer's service too: check each unit alone.
for unit in "$dir"/*; do
	name=${unit##*/}
	if systemd-analyze verify --man=no "$unit"; then pass "$name: systemd-analyze verify"
	else fail "$name: systemd-analyze verify"; fi
done
for unit in "$RP_BUILD"/systemd/*.service; do
	name=${unit##*/}
	cmd=$(sed -n "s#^ExecStart=$installed ##p" "$unit")
	[ -n "$cmd" ] || { fail "$name: ExecStart runs $installed"; continue; }
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
