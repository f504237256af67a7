#!/usr/bin/env bash
# The gap this project fills, kept as a regression test of the rig: an
# O_DIRECT read into a P2P buffer works on the raw drive but fails with
# EREMOTEIO on dm-linear and on the mainline dm raid target (raid1), on
# every kernel the rig runs; on md raid1 built by mdadm it fails on 6.12
# and works from 7.x on, where md raid0/1/10 advertise P2PDMA
# (p2p-mainline-md.sh compares mainline md and raid-p2p further).
. "$(dirname "$0")/../lib.sh"

sw0=$(rig_dev rp-sw0) sw1=$(rig_dev rp-sw1)
buf=$(rig_bdf rp-sw2)
check "raw sw0: P2P read works" "$P2PIO" -d "$sw0" -p "$buf" -m rw -s 1M -b 1M

dm_create base-linear "0 $(rig_sectors "$sw0") linear $sw0 0"
check "dm-linear: P2P read fails with EREMOTEIO" \
	"$P2PIO" -d /dev/mapper/base-linear -p "$buf" -m read -s 1M -b 1M -e EREMOTEIO
check "dm-linear: host-memory I/O works" \
	"$P2PIO" -d /dev/mapper/base-linear -p host -m rw -s 1M -b 1M
dmsetup remove base-linear

modprobe dm-raid
len=$(rig_sectors "$sw0")
dm_create base-raid1 "0 $len raid raid1 2 0 nosync 2 - $sw0 - $sw1"
check "dm raid raid1: P2P read fails with EREMOTEIO" \
	"$P2PIO" -d /dev/mapper/base-raid1 -p "$buf" -m read -s 1M -b 1M -e EREMOTEIO
check "dm raid raid1: host-memory I/O works" \
	"$P2PIO" -d /dev/mapper/base-raid1 -p host -m rw -s 1M -b 1M
dmsetup remove base-raid1

modprobe md-mod
mdadm --create /dev/md/base --run --level=1 --raid-devices=2 --assume-clean \
	--metadata=1.2 "$sw0" "$sw1" >/dev/null 2>&1 || die "mdadm --create failed"
on_exit "mdadm --stop /dev/md/base"
case "$(uname -r)" in
6.*)
	check "md raid1 on $(uname -r): P2P read fails with EREMOTEIO" \
		"$P2PIO" -d /dev/md/base -p "$buf" -m read -s 1M -b 1M -e EREMOTEIO
	;;
*)
	check "md raid1 on $(uname -r): P2P write and read work" \
		"$P2PIO" -d /dev/md/base -p "$buf" -m rw -s 1M -b 1M
	;;
esac
check "md raid1: host-memory I/O works" \
	"$P2PIO" -d /dev/md/base -p host -m rw -s 1M -b 1M
mdadm --stop /dev/md/base >/dev/null 2>&1
finish
