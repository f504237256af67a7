#!/usr/bin/env bash
# p2praid-tool create / stop / assemble on the rig, in two boots with the
# same disks (tests/vm/tool-arrays-host.sh runs both):
#   tool-arrays.sh first DIR   create raid1 and raid5, and a linear array
#                              with --metadata off (no superblock: only
#                              the tool's record), fio verify, stop,
#                              assemble --scan, fio --verify_only, stop;
#                              the device-mapper UUID after create is the
#                              one after assemble, P2PRAID-<array UUID>
#   tool-arrays.sh second DIR  the udev rule (udevd started, the block
#                              devices' events replayed) assembles all
#                              three with no command typed, the linear
#                              one from its record, data verifies; table
#                              names drives by /dev/disk/by-id; stop;
#                              assemble --scan finds both again with the
#                              same UUIDs, data verifies; with a raid1
#                              member's superblock gone, assemble refuses
#                              naming it, and --degraded starts it; the
#                              data still verifies
. "$(dirname "$0")/../lib.sh"
tool=$RP_BUILD/tools/p2praid-tool
phase=${1:?first or second}
modprobe dm-raid-p2p || die "cannot load dm-raid-p2p"

SW0=$(rig_dev rp-sw0) SW1=$(rig_dev rp-sw1) SW2=$(rig_dev rp-sw2) SW3=$(rig_dev rp-sw3)
FAR=$(rig_dev rp-far0) NOCMB=$(rig_dev rp-nocmb0)

# state NAME: the array's state in assemble's JSON report.
state() { jq -r --arg n "$1" '.arrays[] | select(.name == $n) | .state' /tmp/assemble.json; }

# uuid NAME: the array UUID in assemble's JSON report.
uuid() { jq -r --arg n "$1" '.arrays[] | select(.name == $n) | .uuid' /tmp/assemble.json; }

# dm_uuid NAME: the device-mapper UUID of NAME.
dm_uuid() { dmsetup info -c -o uuid --noheadings "$1"; }

stop_all() { "$tool" stop r1 >/dev/null && "$tool" stop r5 >/dev/null && "$tool" stop lin >/dev/null; }

first() {
	check "create raid1 on two switch drives" \
		"$tool" create r1 --level raid1 "$SW0" "$SW1" --size 8M -y
	check "create raid5 on three drives" \
		"$tool" create r5 --level raid5 "$SW2" "$SW3" "$FAR" --size 8M -y
	check "create a linear array without metadata" \
		"$tool" create lin --level linear "$NOCMB" --size 8M --metadata off -y
	check "the members are partitions of the namespaces" \
		[ "$(dmsetup deps -o devname r1 | grep -o "$(basename "$SW0")p2")" != "" ]
	check "/dev/mapper nodes exist without udev" test -b /dev/mapper/r1 -a -b /dev/mapper/r5
	local r1_uuid r5_uuid
	r1_uuid=$(dm_uuid r1) r5_uuid=$(dm_uuid r5)
	echo "$r1_uuid $r5_uuid" >"$2/uuids"
	dm_uuid lin >"$2/lin-uuid"
	check "create gives r1 a P2PRAID- device-mapper UUID ($r1_uuid)" \
		grep -Eq '^P2PRAID-[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}$' <<<"$r1_uuid"
	check "r1 and r5 have different UUIDs" [ "$r1_uuid" != "$r5_uuid" ]
	"$tool" create r1 --level raid1 "$SW0" "$SW1" </dev/null 2>/tmp/err && rc=0 || rc=$?
	expect_eq "create refuses without -y and without a terminal (exit 5)" "$rc" 5
	check "fio writes and verifies r1" fio_pattern r1 write
	check "fio writes and verifies r5" fio_pattern r5 write
	check "fio writes and verifies lin" fio_pattern lin write
	expect_eq "status shows r1's two members" \
		"$("$tool" --reportformat json status r1 | jq '.members | length')" 2
	"$tool" status r1 >/dev/null && rc=0 || rc=$?
	expect_eq "status of a healthy array exits 0" "$rc" 0
	check "stop r1, r5 and lin" stop_all
	check "assemble --scan" sh -c "'$tool' --reportformat json assemble --scan >/tmp/assemble.json"
	expect_eq "r1 assembled" "$(state r1)" assembled
	expect_eq "r5 assembled" "$(state r5)" assembled
	expect_eq "lin assembled" "$(state lin)" assembled
	expect_eq "lin's device-mapper UUID after assemble is the one after create" \
		"$(dm_uuid lin)" "$(cat "$2/lin-uuid")"
	expect_eq "r1's device-mapper UUID after assemble is the one after create" \
		"$(dm_uuid r1)" "$r1_uuid"
	expect_eq "r5's device-mapper UUID after assemble is the one after create" \
		"$(dm_uuid r5)" "$r5_uuid"
	expect_eq "r1's device-mapper UUID names its array UUID" "$r1_uuid" "P2PRAID-$(uuid r1)"
	check "r1 data verifies after assemble" fio_pattern r1 verify
	check "r5 data verifies after assemble" fio_pattern r5 verify
	check "lin data verifies after assemble" fio_pattern lin verify
	check "stop all three before the reboot" stop_all
	touch "$2/first-done"
}

# udev_boot: what a boot does with our udev rule: systemd-udevd runs and
# replays the "add" events of every block device; the rule runs assemble
# --incremental for each metadata partition. udevd runs on to the end of
# the phase (libdevmapper waits for it once it has seen it run).
udev_boot() {
	mkdir -p /run/udev/rules.d
	sed "s#@P2PRAID_TOOL@#$tool#" "$RP_TOP/udev/69-p2praid.rules.in" \
		>/run/udev/rules.d/69-p2praid.rules
	/lib/systemd/systemd-udevd --daemon || return 1
	udevadm trigger --action=add --subsystem-match=block &&
		udevadm settle --timeout=120
}

second() {
	check "udev starts, replays the block devices' events and settles" udev_boot
	expect_eq "r1 and r5 were assembled by the udev rule, with their UUIDs" \
		"$(dm_uuid r1 2>/dev/null) $(dm_uuid r5 2>/dev/null)" "$(cat "$2/uuids")"
	expect_eq "lin, which has no superblock, was assembled by the udev rule from its record" \
		"$(dm_uuid lin 2>/dev/null)" "$(cat "$2/lin-uuid")"
	expect_eq "r1 is in sync" "$(field r1 3)" AA
	check "r1 data verifies after the udev assembly" fio_pattern r1 verify
	check "r5 data verifies after the udev assembly" fio_pattern r5 verify
	check "lin data verifies after the udev assembly" fio_pattern lin verify
	# udev made /dev/disk/by-id links: tables name drives by them, which
	# stay with the drive, not by /dev/nvmeXnY, given out in probe order.
	local tbl ids
	tbl=$("$tool" table --level raid1 --devices "$SW0" "$SW1" 2>/tmp/err || true)
	ids=$(grep -oE '/dev/disk/by-id/nvme-[^ ]+' <<<"$tbl" | xargs -r readlink -f | xargs)
	expect_eq "with udev's links, table names the members by /dev/disk/by-id" "$ids" "$SW0 $SW1"
	check "stop all three" stop_all
	check "assemble --scan after a reboot" \
		sh -c "'$tool' --reportformat json assemble --scan >/tmp/assemble.json"
	expect_eq "r1 assembled" "$(state r1)" assembled
	expect_eq "r5 assembled" "$(state r5)" assembled
	expect_eq "the device-mapper UUIDs are the ones after create" \
		"$(dm_uuid r1) $(dm_uuid r5)" "$(cat "$2/uuids")"
	check "r1 data verifies after the reboot" fio_pattern r1 verify
	check "r5 data verifies after the reboot" fio_pattern r5 verify
	check "stop r1" "$tool" stop r1
	# Member 1 of r1 loses its superblock: it is missing to assemble.
	dd if=/dev/zero of="$(dirname "$SW1")/$(basename "$SW1")p1" bs=4k count=1 oflag=direct \
		status=none || die "cannot wipe the superblock"
	"$tool" assemble r1 2>/tmp/err && rc=0 || rc=$?
	expect_eq "assemble refuses r1 with a missing member (exit 5)" "$rc" 5
	check "and names the member, its drive and --degraded" \
		grep -q "r1: member 1 (.*serial rp-sw1) of 2 missing.*--degraded" /tmp/err
	check "r1 was not started" sh -c '! dmsetup info r1 >/dev/null 2>&1'
	check "assemble --degraded starts it" "$tool" assemble r1 --degraded
	expect_eq "status shows member 1 missing" \
		"$("$tool" --reportformat json status r1 | jq -r '.members[1].health')" missing
	"$tool" status r1 >/dev/null && rc=0 || rc=$?
	expect_eq "status of a degraded array exits 1" "$rc" 1
	check "r1 data verifies degraded" fio_pattern r1 verify
	check "stop both" stop_all
	udevadm settle --timeout=60
	check "stop systemd-udevd" udevadm control --exit
}

"$phase" "$@"
finish
