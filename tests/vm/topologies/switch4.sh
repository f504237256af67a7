# switch4: the default rig.
#   pcie.0 (q35 host bridge; not on the kernel's P2PDMA host-bridge whitelist)
#   +- rp1 pcie-root-port
#   |   +- x3130-upstream switch port
#   |       +- 4 x xio3130-downstream port, each with one NVMe (serial
#   |          rp-sw0..rp-sw3), 64 MiB CMB: P2P-reachable from each other
#   +- rp2 pcie-root-port: one NVMe (rp-far0) with a 64 MiB CMB, unreachable
#   |   from the switch group (no common upstream bridge)
#   +- rp3 pcie-root-port: one NVMe (rp-nocmb0) without a CMB
# shellcheck shell=bash
TOPO_DISKS=(sw0 sw1 sw2 sw3 far0 nocmb0)

topology_args() { # $1: disk image dir
	local d=$1 i
	qarg -device pcie-root-port,id=rp1,bus=pcie.0,chassis=1,slot=1
	qarg -device x3130-upstream,id=up1,bus=rp1
	for i in 0 1 2 3; do
		qarg -device "xio3130-downstream,id=dn$i,bus=up1,chassis=$((10 + i)),slot=0"
		qnvme "$d" "sw$i" "dn$i" 64
	done
	qarg -device pcie-root-port,id=rp2,bus=pcie.0,chassis=2,slot=2
	qnvme "$d" far0 rp2 64
	qarg -device pcie-root-port,id=rp3,bus=pcie.0,chassis=3,slot=3
	qnvme "$d" nocmb0 rp3 0
}
