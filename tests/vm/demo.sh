#!/usr/bin/env bash
# The demo, run in the rig by `make demo`: the emulated PCIe topology with its
# P2P providers, then raid1 and raid5 arrays of raid-p2p and of the mainline
# dm raid target on partitions of the switch drives, and a short fio
# (sequential 1 MiB writes, then reads) on each with host buffers and with
# P2P buffers in rp-sw0's CMB: the table shows MiB/s or the error, and
# raid-p2p's counters show where the P2P data went.
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

sw=(sw0 sw1 sw2)
declare -A DEV
for d in "${sw[@]}"; do
	DEV[$d]=$(rig_dev "rp-$d")
	printf 'label: gpt\nsize=24MiB\nsize=24MiB\nsize=24MiB\nsize=24MiB\n' |
		sfdisk -q "${DEV[$d]}" >/dev/null || die "sfdisk ${DEV[$d]} failed"
	for _ in $(seq 50); do [ -b "${DEV[$d]}p4" ] && break; sleep 0.1; done
done
PER=$(($(blockdev --getsz "${DEV[sw0]}p1") / 128 * 128))
members() { # PARTITION N: "- dev" for the first N switch drives
	local i out=""
	for ((i = 0; i < $2; i++)); do out+=" - ${DEV[${sw[i]}]}p$1"; done
	echo "$2$out"
}
modprobe dm-raid-p2p
modprobe dm-raid
dm_create demo-p2p-r1 "0 $PER raid-p2p raid1 2 64 nosync $(members 1 2)"
dm_create demo-p2p-r5 "0 $((PER * 2)) raid-p2p raid5_ls 2 64 nosync $(members 2 3)"
dm_create demo-dm-r1 "0 $PER raid raid1 2 0 nosync $(members 3 2)"
dm_create demo-dm-r5 "0 $((PER * 2)) raid raid5_ls 2 64 nosync $(members 4 3)"
for a in demo-p2p-r1 demo-p2p-r5; do dmsetup message $a 0 p2p_reset_counters; done

PROV=$(rig_bdf rp-sw0)
echo "== fio, 1 MiB O_DIRECT, queue depth 8, 2 s each: sequential write, then read =="
echo "   (P2P buffers: --iomem=mmapshared:/sys/bus/pci/devices/$PROV/p2pmem/allocate, the CMB of rp-sw0)"
"$RP_TOP/tests/bench/p2p-bench" run -o /tmp/demo.json -n 1 -t 2 -r 0 -w seq-write,seq-read \
	-p "$PROV" -T switch4 "raid-p2p:raid1:/dev/mapper/demo-p2p-r1" \
	"raid-p2p:raid5:/dev/mapper/demo-p2p-r5" "dm-raid:raid1:/dev/mapper/demo-dm-r1" \
	"dm-raid:raid5:/dev/mapper/demo-dm-r5" 2>/dev/null || die "p2p-bench failed"
echo
printf '%-30s %-13s %12s %12s\n' DEVICE BUFFER "WRITE MiB/s" "READ MiB/s"
jq -r '
	def show: if . == null then "-" elif .error then .error else .mib_s * 10 | round / 10 | tostring end;
	. as $r | .runs | map([.target != "raid-p2p", .level, .target]) | unique[] as [$_, $l, $t]
	| ("host", "p2p") as $b
	| [$r.runs[] | select(.target == $t and .level == $l and .buffer == $b)] as $c
	| [({"dm-raid": "mainline dm raid", "md": "md"}[$t] // $t) + " " + $l,
	   (if $b == "p2p" then "P2P (CMB)" else "host memory" end),
	   ([$c[] | select(.workload == "seq-write")][0] | show),
	   ([$c[] | select(.workload == "seq-read")][0] | show)] | @tsv' /tmp/demo.json |
	while IFS=$'\t' read -r dev buf w r; do
		printf '%-30s %-13s %12s %12s\n' "$dev" "$buf" "$w" "$r"
	done
echo
echo "== raid-p2p counters: P2P data moved and what went through host memory (MiB) =="
printf '%-12s %9s %9s %11s %9s %9s %9s\n' ARRAY P2P-READ P2P-WRITE UNREACHABLE QUEUE PARITY COPY
for a in demo-p2p-r1 demo-p2p-r5; do
	# INFO status: user_read is field 12 of the target's, $15 of the line.
	dmsetup status $a | awk -v a="$a" '{
		printf "%-12s", a
		for (i = 15; i <= 20; i++) {
			fmt = i == 17 ? " %11.1f" : " %9.1f"
			printf fmt, $i / 1048576
		}
		printf "\n" }'
done
echo
echo "raid-p2p takes the P2P buffers: raid1 sends them straight to the members (nothing"
echo "bounced), raid5 copies writes through its stripe cache for parity (PARITY) and"
echo "reads straight from the members. The mainline dm raid target refuses them with"
echo "EREMOTEIO, as dm-linear and md do on Linux 6.12. Speeds under emulation say"
echo "little; see make bench for repeated runs."
