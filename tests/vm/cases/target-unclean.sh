#!/usr/bin/env bash
# raid-p2p: the guest half of the unclean-stop test that
# tests/vm/target-unclean-host.sh runs across two boots with the same
# disks (vm-run --keep-disks). Not registered on its own.
#
#   target-unclean.sh crash DIR    make a raid5 with metadata, fill it, then
#                                  reboot the guest at once (sysrq b) while
#                                  writing; DIR/crashing marks the point
#   target-unclean.sh verify DIR   assemble it again: the superblocks say
#                                  dirty, only the dirty regions resync (with
#                                  the resync rate capped at 256 KiB/s a full
#                                  one takes 4 s per MiB of member), the data
#                                  verifies and the parity checks clean
. "$(dirname "$0")/target-lib.sh"

phase=${1:?crash or verify} dir=${2:?directory shared with the host}
S=$TL_SLICE
tl_member_slices
MEMBERS="4 /dev/mapper/tl-m0 /dev/mapper/tl-d0 /dev/mapper/tl-m1 /dev/mapper/tl-d1"
MEMBERS+=" /dev/mapper/tl-m2 /dev/mapper/tl-d2 /dev/mapper/tl-m3 /dev/mapper/tl-d3"
LEN=$((3 * S * MiB))
TABLE="0 $LEN raid-p2p $TL_UNCLEAN_PARAMS $MEMBERS"
PAT=("${TL_PAT[@]}")

case $phase in
crash)
	for i in 0 1 2 3; do dd if=/dev/zero of="/dev/mapper/tl-m$i" bs=1M count=1 oflag=direct status=none; done
	dm_create tl-r5 "0 $LEN raid-p2p raid5_ls 1 64 $MEMBERS"
	tl_fio /dev/mapper/tl-r5 "${PAT[@]}" --rw=write || die "cannot fill the array"
	tl_wait_sync tl-r5 || die "no initial sync"
	dmsetup remove tl-r5
	dm_create tl-r5 "$TABLE"
	sleep 6 # the bitmap daemon (every second) clears the fill's bits
	fio --filename=/dev/mapper/tl-r5 "${PAT[@]}" --rw=randwrite --do_verify=0 \
		--size=1M --time_based --runtime=120 --output=/dev/null &
	sleep 5
	log "status before the crash: $(dmsetup status tl-r5)"
	touch "$dir/crashing"
	sync
	echo 1 >/proc/sys/kernel/sysrq
	echo b >/proc/sysrq-trigger
	sleep 60
	die "still running after sysrq b"
	;;
verify)
	tl_check_unclean_recovery "" tl-r5 "$TABLE"
	finish
	;;
*) die "unknown phase $phase" ;;
esac
