#!/usr/bin/env bash
# fsx -Z (O_DIRECT) and fsstress from xfstests (upstream, unmodified;
# tests/suites/suites.pin) on filesystems on raid-p2p: xfs on a raid5 of
# the four switch drives, ext4 on a raid1 of two (other partitions). On each: fsx with
# O_DIRECT (-Z, 4 KiB aligned) and RP_FSX_OPS operations (default 20000),
# then fsstress with 4 processes and RP_FSSTRESS_OPS operations each
# (default 2000), then an unmount, the filesystem's own check (xfs_repair
# -n, e2fsck -fn) and md's "check" of the array.
#
# Each shows: fsx and fsstress exit 0 (fsx compares every read with its
# model of the file, so a lost or misplaced write fails it); the
# filesystem checks clean; md's check finds no mismatch (the arrays start
# on zeroed drives with nosync, which is consistent, so any mismatch was
# written); the array stays healthy. vm-run fails the run on any WARN,
# BUG or oops.
#
# Run by tests/suites/suite-host.sh, which builds the suite on the host.
# Suites: xfstests
. "$(dirname "$0")/../lib.sh"

XFST=${RP_SUITE_XFSTESTS:?run me through tests/suites/suite-host.sh}
OUT=${RP_SUITE_RESULTS:-/tmp}
FSX_OPS=${RP_FSX_OPS:-20000}
FSSTRESS_OPS=${RP_FSSTRESS_OPS:-2000}
modprobe dm-raid-p2p || die "cannot load dm-raid-p2p"
before=$(dmsetup ls | sort)

rig_switch_partitions 120

# fs_case NAME FSTYPE TABLE
fs_case() {
	local name=$1 fs=$2 mnt=/mnt/$1 p="$1 ($2): " rc t0
	dm_create "$name" "$3" || { not_ok "${p}table refused"; return; }
	case $fs in
	xfs) mkfs.xfs -q -f "/dev/mapper/$name" ;;
	ext4) mkfs.ext4 -q -F "/dev/mapper/$name" ;;
	esac || { not_ok "${p}mkfs"; return; }
	mkdir -p "$mnt"
	mount "/dev/mapper/$name" "$mnt" || { not_ok "${p}mount"; return; }
	on_exit "umount $mnt"

	t0=$SECONDS
	"$XFST/ltp/fsx" -Z -r 4096 -w 4096 -t 4096 -N "$FSX_OPS" -S 1 -l 8388608 \
		-P "$OUT" "$mnt/fsx.$name" >"$OUT/fsx.$name.out" 2>&1 && rc=0 || rc=$?
	tail -n 3 "$OUT/fsx.$name.out" | sed 's/^/  fsx| /'
	expect_eq "${p}fsx -Z, $FSX_OPS operations, exits 0 ($((SECONDS - t0)) s)" "$rc" 0

	t0=$SECONDS
	mkdir -p "$mnt/stress"
	"$XFST/ltp/fsstress" -d "$mnt/stress" -p 4 -n "$FSSTRESS_OPS" -s 1 \
		>"$OUT/fsstress.$name.out" 2>&1 && rc=0 || rc=$?
	tail -n 3 "$OUT/fsstress.$name.out" | sed 's/^/  fsstress| /'
	expect_eq "${p}fsstress, 4 x $FSSTRESS_OPS operations, exits 0 ($((SECONDS - t0)) s)" "$rc" 0

	check "${p}unmount" umount "$mnt"
	case $fs in
	xfs) xfs_repair -n "/dev/mapper/$name" ;;
	ext4) e2fsck -fn "/dev/mapper/$name" ;;
	esac >"$OUT/fsck.$name.out" 2>&1 && rc=0 || rc=$?
	[ "$rc" = 0 ] || tail -n 20 "$OUT/fsck.$name.out" | sed 's/^/  fsck| /'
	expect_eq "${p}the filesystem checks clean ($fs)" "$rc" 0

	t0=$SECONDS
	dmsetup message "$name" 0 check
	for _ in $(seq 50); do [ "$(field "$name" 5)" = check ] && break; sleep 0.1; done
	expect_eq "${p}md check runs" "$(field "$name" 5)" check
	wait_sync "$name"
	show_stats "$name"
	expect_eq "${p}md check: no mismatch ($((SECONDS - t0)) s)" "$(field "$name" 6)" 0
	check "${p}every member healthy" grep -Eqx 'A+' <<<"$(field "$name" 3)"
	dmsetup remove "$name"
}

fs_case fx-r5 xfs "0 $((PER * 3)) raid-p2p raid5_ls 2 64 nosync 4 - ${P[sw0]} - ${P[sw1]} - ${P[sw2]} - ${P[sw3]}"
fs_case fx-r1 ext4 "0 $PER raid-p2p raid1 2 64 nosync 2 - ${P[sw2.2]} - ${P[sw3.2]}"
expect_torn_down "$before"
finish
