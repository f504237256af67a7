#!/usr/bin/env bash
# Large bios on raid4/5/6. md's raid5_make_request() tracks the stripes of
# one bio in a bitmap of 256 (+1) bits, one per 4 KiB; md's own block
# device limits bios to 1 MiB for it, a dm target must. With chunks of
# 4 MiB and drives that take big requests (vm-run --nvme-opts mdts=0: no
# transfer limit), writes of 4 MiB from a CMB buffer (one contiguous
# range, so a single bio) and from host memory reach raid5 and raid6 as
# bios as large as the mapped device's max_sectors_kb, raised here to
# what the drives take. Each must be written and read back intact, and
# the kernel must log nothing.
. "$(dirname "$0")/../lib.sh"

modprobe dm-raid-p2p || die "cannot load dm-raid-p2p"
BUF="mmapshared:$(rig_p2pmem rp-sw0)/allocate"
CHUNK=8192 # sectors: 4 MiB

hw=$(cat "/sys/block/$(basename "$(rig_dev rp-sw0)")/queue/max_hw_sectors_kb")
[ "$hw" -ge 4096 ] || die "rp-sw0 takes requests of $hw KiB only: boot with vm-run --nvme-opts mdts=0"

declare -A D
for d in sw0 sw1 sw2 sw3; do D[$d]=$(rig_dev "rp-$d"); done
PER=$(($(rig_sectors "${D[sw0]}") / CHUNK * CHUNK))

# big NAME LEVEL DATA_DISKS: create, raise max_sectors_kb, write and
# verify 16 MiB in 4 MiB writes from the CMB and from host memory.
big() {
	local name=$1 dm kb buf
	dm_create "$name" "0 $((PER * $3)) raid-p2p $2 2 $CHUNK nosync 4 - ${D[sw0]} - ${D[sw1]} - ${D[sw2]} - ${D[sw3]}" ||
		die "$name: table refused"
	dm=/sys/block/dm-$(dmsetup info -c --noheadings -o minor "$name")/queue
	cat "$dm/max_hw_sectors_kb" >"$dm/max_sectors_kb" || die "$name: cannot raise max_sectors_kb"
	kb=$(cat "$dm/max_sectors_kb")
	check "$name: the mapped device takes requests of more than 1 MiB ($kb KiB)" test "$kb" -gt 1024
	for buf in p2p host; do
		local io=() off=16M
		[ $buf = p2p ] && io=(--iomem="$BUF") off=0
		check "$name: 4 MiB writes from $buf memory verify" \
			fio --name="$name" --filename="/dev/mapper/$name" --rw=write --bs=4M --size=16M \
			--offset=$off --ioengine=psync --direct=1 "${io[@]}" \
			--verify=crc32c --verify_fatal=1 --do_verify=1 --eta=never --output="/tmp/$name-$buf.fio"
	done
	show_stats "$name"
	check "$name: whole CMB pages went in place (parity_p2p)" test "$(stat "$name" parity_p2p)" -ge $((16 << 20))
	dmsetup remove "$name" || not_ok "$name: remove"
}

before=$(dmsetup ls | sort)
big big-raid5 raid5_ls 3
big big-raid6 raid6_zr 2
expect_torn_down "$before"
finish
