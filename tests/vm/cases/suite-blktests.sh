#!/usr/bin/env bash
# blktests (upstream, unmodified; tests/suites/suites.pin), groups block and
# dm, with TEST_DEVS set to two raid-p2p arrays: a raid5 of the four switch
# drives and a raid1 of two (other partitions). Tests that need a test
# device run on each; the others (null_blk, scsi_debug, ...) test the rig's
# kernel, not raid-p2p, and run once. TIMEOUT=$RP_BLKTESTS_TIMEOUT (default
# 30 s) caps the tests that honour it (fio run times), for TCG.
#
# Shows: blktests' check exits 0 (no test failed); at least one test ran
# on each array (the arrays were really under test); the arrays stay
# healthy. Every test's result goes to RP_SUITE_RESULTS/blktests.out (the
# list) and RP_SUITE_RESULTS/blktests/ (blktests' own logs).
#
# Run by tests/suites/suite-host.sh, which builds the suite on the host.
# Suites: blktests
. "$(dirname "$0")/../lib.sh"

BT=${RP_SUITE_BLKTESTS:?run me through tests/suites/suite-host.sh}
OUT=${RP_SUITE_RESULTS:-/tmp}
GROUPS_=${RP_BLKTESTS_GROUPS:-block dm}
modprobe dm-raid-p2p || die "cannot load dm-raid-p2p"
before=$(dmsetup ls | sort)

rig_suite_arrays bt 64

# blktests expects a udev-managed /dev: dm/002 creates a dm-dust device
# and writes to its /dev/mapper node, which without udev does not exist
# (dd then writes a regular file, and the test fails as if dm-dust had
# not seen the writes). udev runs for check only.
# null_blk's tests set it up through configfs, where a booted system has it.
findmnt -t configfs /sys/kernel/config >/dev/null ||
	mount -t configfs configfs /sys/kernel/config || die "cannot mount configfs"
rig_udev_start

cfg=/tmp/blktests.config
cat >"$cfg" <<EOF
TEST_DEVS=(/dev/mapper/bt-r5 /dev/mapper/bt-r1)
TIMEOUT=${RP_BLKTESTS_TIMEOUT:-30}
EOF
mkdir -p "$OUT/blktests"
# shellcheck disable=SC2086
(cd "$BT" && ./check -c "$cfg" -o "$OUT/blktests" $GROUPS_) >"$OUT/blktests.out" 2>&1 && rc=0 || rc=$?
rig_udev_stop
# The results, one line per test: "block/003 => bt-r5 (desc) [passed]".
sed -n 's/\x1b\[[0-9;]*[A-Za-z]//g; /\[\(passed\|not run\|failed\)\]/p' "$OUT/blktests.out" |
	tr -s ' ' | sed 's/^/  blktests| /'
{ grep -A 20 -E '\[failed\]' "$OUT/blktests.out" || true; } | head -n 60 | sed 's/^/  blktests| /'
expect_eq "blktests $GROUPS_: check exits 0" "$rc" 0
for a in bt-r5 bt-r1; do
	check "blktests ran a test on $a" \
		grep -Eq "=> $a.*\[passed\]|=> $a.*\[failed\]" "$OUT/blktests.out"
	check "$a healthy after blktests" grep -Eqx 'A+' <<<"$(field "$a" 3)"
done
dmsetup remove bt-r5 && dmsetup remove bt-r1
expect_torn_down "$before"
finish
