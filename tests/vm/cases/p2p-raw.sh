#!/usr/bin/env bash
# P2P O_DIRECT I/O on raw NVMe namespaces: through a peer switch drive's CMB
# and through the drive's own CMB it works and verifies byte for byte; from a
# drive with no common upstream bridge it fails, with EREMOTEIO on 6.12 and
# EINVAL from 7.x on (RIG_UNREACHABLE_ERRNO).
. "$(dirname "$0")/../lib.sh"

sw0=$(rig_dev rp-sw0)
check "sw0 <- sw1 CMB: 16 MiB write+read verified" \
	"$P2PIO" -d "$sw0" -p "$(rig_bdf rp-sw1)" -m rw -s 16M -b 1M
check "sw0 <- own CMB: 16 MiB write+read verified" \
	"$P2PIO" -d "$sw0" -p "$(rig_bdf rp-sw0)" -m rw -s 16M -b 1M -o 16M -S 2
check "sw0 <- host memory: 16 MiB write+read verified" \
	"$P2PIO" -d "$sw0" -p host -m rw -s 16M -b 1M -o 32M -S 3
check "sw2 <- sw3 CMB, 4 KiB blocks verified" \
	"$P2PIO" -d "$(rig_dev rp-sw2)" -p "$(rig_bdf rp-sw3)" -m rw -s 1M -b 4k
# Data written through one CMB reads back through another.
check "read through sw2 CMB what was written through sw1 CMB" \
	"$P2PIO" -d "$sw0" -p "$(rig_bdf rp-sw2)" -m read -s 16M -b 1M
check "far0 <- sw1 CMB fails with $RIG_UNREACHABLE_ERRNO (no common upstream bridge)" \
	"$P2PIO" -d "$(rig_dev rp-far0)" -p "$(rig_bdf rp-sw1)" -m read -s 1M -e "$RIG_UNREACHABLE_ERRNO"
finish
