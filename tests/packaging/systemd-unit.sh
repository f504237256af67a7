#!/usr/bin/env bash
# systemd/p2praid-monitor.service: systemd-analyze verify takes it (with
# ExecStart on the built tool), and a typo in it is refused (the check can
# fail); the tool takes the command line it runs.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
tool=$(realpath "${RP_BUILD:?}/tools/p2praid-tool")
unit=$top/systemd/p2praid-monitor.service
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
fails=0

grep -q '^ExecStart=/usr/bin/p2praid-tool monitor ' "$unit" ||
	{ echo "not ok - ExecStart runs /usr/bin/p2praid-tool monitor"; fails=1; }
sed "s#/usr/bin/p2praid-tool#$tool#" "$unit" >"$dir/p2praid-monitor.service"
if systemd-analyze verify --man=no "$dir/p2praid-monitor.service"; then
	echo "ok - systemd-analyze verify"
else
	echo "not ok - systemd-analyze verify"; fails=1
fi
sed -i 's/^ExecStart=/ExecStrat=/' "$dir/p2praid-monitor.service"
if systemd-analyze verify --man=no "$dir/p2praid-monitor.service" 2>/dev/null; then
	echo "not ok - a unit without ExecStart is refused"; fails=1
else
	echo "ok - a unit without ExecStart is refused"
fi
if "$tool" monitor --help >/dev/null; then
	echo "ok - the tool takes 'monitor'"
else
	echo "not ok - the tool takes 'monitor'"; fails=1
fi
exit "$fails"
