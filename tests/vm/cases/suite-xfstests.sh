#!/usr/bin/env bash
# xfstests (fstests; upstream, unmodified; tests/suites/suites.pin) on
# raid-p2p: TEST_DEV on a raid5 of the four switch drives, SCRATCH_DEV on a
# raid1 of two (other partitions), for each filesystem in
# RP_XFSTESTS_FS (default "ext4 xfs"), running check with the arguments in
# RP_XFSTESTS_ARGS (default "-g quick"; docs/external-suites.md says what
# the registered tests run, and why).
#
# Shows, per filesystem: check exits 0 and reports no failure (a failing
# test is a finding: docs/external-suites.md says how to tell a rig limit
# from a raid-p2p bug); at least one test passed (the devices were really
# under test); the arrays stay healthy. Results: RP_SUITE_RESULTS/xfstests-
# <fs>.out (check's list) and RP_SUITE_RESULTS/xfstests/<fs>/ (its logs).
#
# Run by tests/suites/suite-host.sh, which builds the suite on the host.
# Suites: xfstests
. "$(dirname "$0")/../lib.sh"

XFST=${RP_SUITE_XFSTESTS:?run me through tests/suites/suite-host.sh}
OUT=${RP_SUITE_RESULTS:-/tmp}
FSLIST=${RP_XFSTESTS_FS:-ext4 xfs}
ARGS=${RP_XFSTESTS_ARGS:--g quick}
modprobe dm-raid-p2p || die "cannot load dm-raid-p2p"
before=$(dmsetup ls | sort)

# Partitions of half a switch drive each (less 2 MiB for the partition
# table): with the 256 MiB drives of a plain rig, 126 MiB, on which
# fsstress-based tests (generic/013, 014, 018, 020) run out of space;
# long.suite-xfstests boots with --disk-size 2G, for 1022 MiB.
rig_suite_arrays xf $(($(blockdev --getsize64 "$(rig_dev rp-sw0)") / 2 / 1048576 - 2))

# The users and group fstests' permission tests ask for.
groupadd fsgqa 2>/dev/null
useradd -g fsgqa fsgqa 2>/dev/null
useradd 123456-fsgqa 2>/dev/null
mkdir -p /mnt/test /mnt/scratch
# e4defrag (generic/018) finds the mount point through /etc/mtab, which
# the rig's root does not have (no systemd-tmpfiles); the root is a
# per-boot overlay.
[ -e /etc/mtab ] || ln -s ../proc/self/mounts /etc/mtab

# fstests waits for the nodes of the dm devices it makes (dm-flakey in
# generic/034 and others) with `udevadm wait`: udev runs for check only.
rig_udev_start
for fs in $FSLIST; do
	cfg=/tmp/xfstests.$fs.config
	mkdir -p "$OUT/xfstests/$fs"
	cat >"$cfg" <<EOF
export FSTYP=$fs
export TEST_DEV=/dev/mapper/xf-r5
export TEST_DIR=/mnt/test
export SCRATCH_DEV=/dev/mapper/xf-r1
export SCRATCH_MNT=/mnt/scratch
export RESULT_BASE=$OUT/xfstests/$fs
EOF
	case $fs in
	xfs) mkfs.xfs -q -f /dev/mapper/xf-r5 ;;
	ext4) mkfs.ext4 -q -F /dev/mapper/xf-r5 ;;
	esac || { not_ok "$fs: mkfs on TEST_DEV"; continue; }
	t0=$SECONDS
	# shellcheck disable=SC2086
	(cd "$XFST" && HOST_OPTIONS=$cfg ./check $ARGS) >"$OUT/xfstests-$fs.out" 2>&1 && rc=0 || rc=$?
	# check leaves TEST_DEV mounted, and SCRATCH_DEV as its last test did.
	for m in /mnt/test /mnt/scratch; do
		! mountpoint -q "$m" || umount "$m" || not_ok "$fs: umount $m"
	done
	sed 's/^/  xfstests| /' "$OUT/xfstests-$fs.out" | grep -Ev '^  xfstests\| +[0-9]+s$' | tail -n 40
	log "$fs: check $ARGS took $((SECONDS - t0)) s"
	expect_eq "xfstests $fs ($ARGS): check exits 0" "$rc" 0
	check "xfstests $fs: no failures" bash -c '! grep -q "^Failures:" "$1"' - "$OUT/xfstests-$fs.out"
	check "xfstests $fs: some test passed" grep -q '^Passed all\|^Ran:' "$OUT/xfstests-$fs.out"
	for a in xf-r5 xf-r1; do
		check "$fs: $a healthy" grep -Eqx 'A+' <<<"$(field "$a" 3)"
	done
done
rig_udev_stop
dmsetup remove xf-r5 && dmsetup remove xf-r1
expect_torn_down "$before"
finish
