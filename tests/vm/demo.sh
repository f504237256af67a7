#!/usr/bin/env bash
# The demo, run in the rig by `make demo`: the emulated PCIe topology with its
# P2P providers, then P2P O_DIRECT I/O on raw drives and on the stacked block
# devices of Linux 6.12 (dm-linear, the mainline dm raid target, md raid1).
. "$(dirname "$0")/lib.sh"
trap run_cleanup EXIT

echo "== Emulated PCIe topology ($(uname -r)) =="
printf '%-7s %-10s %-13s %-30s %-9s %8s %7s %s\n' \
	CTRL SERIAL PCI "ATTACHED TO" BLOCK SIZE CMB PUBLISHED
for c in /sys/class/nvme/nvme*; do
	n=$(basename "$c") pci=$(readlink -f "$c/device")
	bdf=$(basename "$pci") port=$(dirname "$pci")
	up=$(dirname "$port")
	# A port whose parent is another bridge is a switch downstream port.
	if [[ $(basename "$up") == pci* ]]; then
		at="root port ${port##*/0000:}"
	else
		at="switch ${up##*/0000:}, port ${port##*/0000:}"
	fi
	size=$(($(cat "/sys/block/${n}n1/size") / 2048))
	if [ -d "$pci/p2pmem" ]; then
		cmb="$(($(cat "$pci/p2pmem/size") >> 20)) MiB" pub=$(cat "$pci/p2pmem/published")
	else
		cmb=none pub=-
	fi
	printf '%-7s %-10s %-13s %-30s %-9s %4s MiB %7s %s\n' "$n" "$(xargs <"$c/serial")" \
		"$bdf" "$at" "${n}n1" "$size" "$cmb" "$pub"
done
echo
echo "P2P providers: $(for c in /sys/bus/pci/devices/*/p2pmem; do basename "$(dirname "$c")"; done | xargs)"
echo

# row DEVICE-LABEL BUFFER-LABEL DEV PROVIDER
row() {
	local out rc res speed
	out=$("$P2PIO" -d "$3" -p "$4" -m rw -s 8M -b 1M 2>&1) && rc=0 || rc=$?
	if [ $rc -eq 0 ]; then
		res=ok speed=$(sed -n 's/.*read \([0-9.]*\) MiB\/s.*/\1/p' <<<"$out")
	else
		res=$(grep -o '([A-Z]*, errno [0-9]*)' <<<"$out" | head -1 | tr -d '()' | cut -d, -f1)
		res=${res:-failed} speed=-
	fi
	printf '%-36s %-22s %-10s %10s\n' "$1" "$2" "$res" "$speed"
}

sw0=$(rig_dev rp-sw0) sw1=$(rig_dev rp-sw1) far=$(rig_dev rp-far0)
echo "== P2P O_DIRECT write+read of 8 MiB, verified byte for byte =="
printf '%-36s %-22s %-10s %10s\n' DEVICE BUFFER RESULT "READ MiB/s"
row "nvme rp-sw0 (raw)" "host memory" "$sw0" host
row "nvme rp-sw0 (raw)" "CMB of rp-sw0 (own)" "$sw0" "$(rig_bdf rp-sw0)"
row "nvme rp-sw0 (raw)" "CMB of rp-sw1 (peer)" "$sw0" "$(rig_bdf rp-sw1)"
row "nvme rp-far0 (raw, other root port)" "CMB of rp-sw1" "$far" "$(rig_bdf rp-sw1)"

dm_create demo-linear "0 $(rig_sectors "$sw0") linear $sw0 0" >/dev/null
row "dm linear over rp-sw0" "CMB of rp-sw1" /dev/mapper/demo-linear "$(rig_bdf rp-sw1)"
dmsetup remove demo-linear

modprobe dm-raid
dm_create demo-raid1 "0 $(rig_sectors "$sw0") raid raid1 2 0 nosync 2 - $sw0 - $sw1" >/dev/null
row "dm raid raid1 (rp-sw0, rp-sw1)" "host memory" /dev/mapper/demo-raid1 host
row "dm raid raid1 (rp-sw0, rp-sw1)" "CMB of rp-sw2" /dev/mapper/demo-raid1 "$(rig_bdf rp-sw2)"
dmsetup remove demo-raid1

modprobe md-mod
mdadm --create /dev/md/demo --run --level=1 --raid-devices=2 --assume-clean \
	--metadata=1.2 "$sw0" "$sw1" >/dev/null 2>&1
on_exit "mdadm --stop /dev/md/demo"
row "md raid1 (rp-sw0, rp-sw1)" "CMB of rp-sw2" /dev/md/demo "$(rig_bdf rp-sw2)"
mdadm --stop /dev/md/demo >/dev/null 2>&1
echo
echo "EREMOTEIO on the stacked devices is the Linux 6.12 gap that raid-p2p closes."
