#!/usr/bin/env bash
# In the rig: load the seven modules that DKMS built (tests/packaging/deb-test.sh)
# from DIR, not the ones `make modules` built, and use them: a raid1 of two
# switch drives takes 4 MiB of P2P writes and reads, verified.
#
#   tests/vm/vm-run --share DIR -- tests/packaging/dkms-load.sh DIR
. "$(dirname "$0")/../vm/lib.sh"

dir=${1:?usage: dkms-load.sh DIR}
mods=(md-p2p linear-p2p raid0-p2p raid1-p2p raid10-p2p raid456-p2p dm-raid-p2p)

for m in "${mods[@]}"; do
	ko=$dir/$m.ko
	[ -f "$ko" ] || die "no $ko"
	# The kernel's modules ours need (raid456-p2p: async_tx, raid6_pq, ...).
	for d in $(modinfo -F depends "$ko" | tr , ' '); do
		case " ${mods[*]} " in *" $d "*) ;; *) modprobe "$d" ;; esac
	done
	# Not loaded yet, so insmod loads this file, not the one in extra/.
	check "$m not loaded before" test ! -d "/sys/module/${m//-/_}"
	check "insmod $m.ko" insmod "$ko"
done
check "dmsetup targets lists raid-p2p" sh -c 'dmsetup targets | grep -q "^raid-p2p "'

sw0=$(rig_dev rp-sw0) sw1=$(rig_dev rp-sw1)
size=$(($(rig_sectors "$sw0") / 2048 * 2048))
check "create a raid1 of rp-sw0 and rp-sw1" dm_create dkms-r1 \
	"0 $size raid-p2p raid1 2 64 nosync 2 - $sw0 - $sw1"
check "4 MiB through rp-sw2's CMB, written and read verified" \
	"$P2PIO" -d /dev/mapper/dkms-r1 -p "$(rig_bdf rp-sw2)" -m rw -s 4M -b 1M
check "remove the raid1" dmsetup remove --retry dkms-r1
for ((i = ${#mods[@]} - 1; i >= 0; i--)); do
	check "rmmod ${mods[i]}" rmmod "${mods[i]}"
done
finish
