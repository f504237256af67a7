#!/usr/bin/env bash
# shellcheck disable=SC2015,SC2016 # ok || not_ok; the guest expands the script
# Tests of the debug guest kernel (make rig-debug), run on the host through
# vm-run --debug-kernel: it is the -rpdebug build, with lockdep running and
# the fault injectors in debugfs; and a KASAN report (an out-of-bounds
# write provoked by LKDTM) fails the run with 120 and is printed.
set -uo pipefail
vmrun=$(cd "$(dirname "$0")" && pwd)/vm-run
fails=0
ok() { echo "ok - $*"; }
not_ok() { echo "not ok - $*"; fails=$((fails + 1)); }
expect() { if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1 (got '$2', want '$3')"; fi; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

"$vmrun" --debug-kernel -- bash -c '
	echo "flavour=$RP_KFLAVOUR"
	echo "release=$(uname -r)"
	echo "debug_locks=$(awk "/debug_locks:/ { print \$2 }" /proc/lockdep_stats)"
	for f in fail_make_request failslab fail_page_alloc; do
		[ -e /sys/kernel/debug/$f/probability ] && echo "$f=yes"
	done
	[ -e /sys/kernel/debug/kasan ] || grep -q "KernelAddressSanitizer initialized" <(dmesg) && echo kasan=yes
	exit 0' >"$tmp/out" 2>"$tmp/err"
expect "boots, exit status 0" "$?" 0
expect "the command sees RP_KFLAVOUR=debug" "$(grep '^flavour=' "$tmp/out")" flavour=debug
grep -q '^release=.*-rpdebug$' "$tmp/out" && ok "kernel release ends in -rpdebug" ||
	not_ok "kernel release ends in -rpdebug: $(grep '^release=' "$tmp/out")"
expect "lockdep is on" "$(grep '^debug_locks=' "$tmp/out")" debug_locks=1
for f in fail_make_request failslab fail_page_alloc kasan; do
	grep -qx "$f=yes" "$tmp/out" && ok "$f is there" || not_ok "$f is there"
done

"$vmrun" --debug-kernel -- bash -c \
	'modprobe lkdtm && echo SLAB_LINEAR_OVERFLOW >/sys/kernel/debug/provoke-crash/DIRECT; exit 0' \
	>"$tmp/out" 2>"$tmp/err"
expect "a KASAN report during the run gives 120" "$?" 120
grep -q 'KASAN:' "$tmp/err" && ok "the KASAN report is printed" || not_ok "the KASAN report is printed"

[ "$fails" -eq 0 ] || { echo "selftest-debug-kernel: $fails check(s) failed"; exit 1; }
echo "selftest-debug-kernel: all checks passed"
