# minimal: two NVMe drives with 64 MiB CMBs behind one switch (rp-sw0,
# rp-sw1). For quick experiments; tests use switch4.
# shellcheck shell=bash
TOPO_DISKS=(sw0 sw1)

topology_args() { # $1: disk image dir
	local d=$1 i
	qarg -device pcie-root-port,id=rp1,bus=pcie.0,chassis=1,slot=1
	qarg -device x3130-upstream,id=up1,bus=rp1
	for i in 0 1; do
		qarg -device "xio3130-downstream,id=dn$i,bus=up1,chassis=$((10 + i)),slot=0"
		qnvme "$d" "sw$i" "dn$i" 64
	done
}
