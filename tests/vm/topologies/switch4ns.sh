# switch4ns: switch4's four switch drives (rp-sw0..rp-sw3, 64 MiB CMBs,
# P2P-reachable from each other) with four namespaces each, so that several
# arrays, each on its own drives' namespaces, live side by side; and
# rp-nocmb0 (one namespace, no CMB) on its own root port. The power-cut
# test runs on it.
#   pcie.0 -- rp1 -- x3130-upstream -- 4 x xio3130-downstream -- NVMe
#   pcie.0 -- rp3 -- NVMe rp-nocmb0
# shellcheck shell=bash
TOPO_DISKS=(sw0-1 sw0-2 sw0-3 sw0-4 sw1-1 sw1-2 sw1-3 sw1-4 sw2-1 sw2-2 sw2-3 sw2-4
	sw3-1 sw3-2 sw3-3 sw3-4 nocmb0)

topology_args() { # $1: disk image dir
	local d=$1 i n img
	qarg -device pcie-root-port,id=rp1,bus=pcie.0,chassis=1,slot=1
	qarg -device x3130-upstream,id=up1,bus=rp1
	for i in 0 1 2 3; do
		qarg -device "xio3130-downstream,id=dn$i,bus=up1,chassis=$((10 + i)),slot=0"
		qarg -device "nvme,id=nvme-sw$i,serial=rp-sw$i,bus=dn$i,cmb_size_mb=64"
		for n in 1 2 3 4; do
			img="$d/sw$i-$n.img"
			[ -e "$img" ] || truncate -s "$disk_size" "$img"
			qarg -drive "file=$img,if=none,id=drv-sw$i-$n,format=raw,cache=none,aio=threads"
			qarg -device "nvme-ns,drive=drv-sw$i-$n,bus=nvme-sw$i,nsid=$n"
		done
	done
	qarg -device pcie-root-port,id=rp3,bus=pcie.0,chassis=3,slot=3
	qnvme "$d" nocmb0 rp3 0
}
