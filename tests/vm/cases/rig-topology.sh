#!/usr/bin/env bash
# The switch4 rig is what the README says: four switch drives with published
# 64 MiB CMBs, one far drive with a CMB, one drive without.
. "$(dirname "$0")/../lib.sh"

expect_eq "six NVMe controllers" "$(ls -d /sys/class/nvme/nvme* | wc -l)" 6
for s in rp-sw0 rp-sw1 rp-sw2 rp-sw3 rp-far0; do
	m=$(rig_p2pmem "$s")
	expect_eq "$s p2pmem size is 64 MiB" "$(cat "$m/size" 2>/dev/null)" $((64 << 20))
	expect_eq "$s p2pmem is published" "$(cat "$m/published" 2>/dev/null)" 1
done
check "rp-nocmb0 has no p2pmem" test ! -e "$(rig_p2pmem rp-nocmb0)"

# The four switch drives share one upstream switch port; the far drive does not.
upstream() { basename "$(dirname "$(dirname "$(readlink -f "/sys/bus/pci/devices/$(rig_bdf "$1")")")")"; }
u0=$(upstream rp-sw0)
for s in rp-sw1 rp-sw2 rp-sw3; do
	expect_eq "$s is behind the same switch as rp-sw0" "$(upstream "$s")" "$u0"
done
check "rp-far0 is not behind the switch" test "$(upstream rp-far0)" != "$u0"
check "every controller logged its P2P memory" \
	test "$(dmesg | grep -c 'added peer-to-peer DMA memory')" -eq 5
finish
