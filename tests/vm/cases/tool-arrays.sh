#!/usr/bin/env bash
# p2praid-tool create / stop / assemble on the rig, in two boots with the
# same disks (tests/vm/tool-arrays-host.sh runs both):
#   tool-arrays.sh first DIR   create raid1 and raid5, fio verify, stop,
#                              assemble --scan, fio --verify_only, stop
#   tool-arrays.sh second DIR  assemble --scan finds both again, data
#                              verifies; with a raid1 member's superblock
#                              gone, assemble refuses naming it, and
#                              --degraded starts it; the data still verifies
. "$(dirname "$0")/../lib.sh"
tool=$RP_BUILD/tools/p2praid-tool
phase=${1:?first or second}
modprobe dm-raid-p2p || die "cannot load dm-raid-p2p"

SW0=$(rig_dev rp-sw0) SW1=$(rig_dev rp-sw1) SW2=$(rig_dev rp-sw2) SW3=$(rig_dev rp-sw3)
FAR=$(rig_dev rp-far0)

# fio_pass NAME MODE: write and verify (write) or only verify (verify) the
# whole array with a pattern fio can check later.
fio_pass() {
	local extra=()
	[ "$2" = verify ] && extra=(--verify_only)
	fio --name="$1" --filename="/dev/mapper/$1" --rw=write --bs=64k --direct=1 \
		--ioengine=psync --verify=crc32c --verify_fatal=1 --do_verify=1 \
		--randseed=1234 "${extra[@]}" --output="/tmp/$1.fio" >/dev/null 2>&1
}

# state NAME: the array's state in assemble's JSON report.
state() { jq -r --arg n "$1" '.arrays[] | select(.name == $n) | .state' /tmp/assemble.json; }

stop_all() { "$tool" stop r1 >/dev/null; "$tool" stop r5 >/dev/null; }

first() {
	check "create raid1 on two switch drives" \
		"$tool" create r1 --level raid1 "$SW0" "$SW1" --size 8M -y
	check "create raid5 on three drives" \
		"$tool" create r5 --level raid5 "$SW2" "$SW3" "$FAR" --size 8M -y
	check "the members are partitions of the namespaces" \
		[ "$(dmsetup deps -o devname r1 | grep -o "$(basename "$SW0")p2")" != "" ]
	check "/dev/mapper nodes exist without udev" test -b /dev/mapper/r1 -a -b /dev/mapper/r5
	"$tool" create r1 --level raid1 "$SW0" "$SW1" </dev/null 2>/tmp/err && rc=0 || rc=$?
	expect_eq "create refuses without -y and without a terminal (exit 5)" "$rc" 5
	check "fio writes and verifies r1" fio_pass r1 write
	check "fio writes and verifies r5" fio_pass r5 write
	expect_eq "status shows r1's two members" \
		"$("$tool" -o json status r1 | jq '.members | length')" 2
	check "stop r1 and r5" stop_all
	check "assemble --scan" sh -c "'$tool' -o json assemble --scan >/tmp/assemble.json"
	expect_eq "r1 assembled" "$(state r1)" assembled
	expect_eq "r5 assembled" "$(state r5)" assembled
	check "r1 data verifies after assemble" fio_pass r1 verify
	check "r5 data verifies after assemble" fio_pass r5 verify
	check "stop both before the reboot" stop_all
	touch "$2/first-done"
}

second() {
	check "assemble --scan after a reboot" \
		sh -c "'$tool' -o json assemble --scan >/tmp/assemble.json"
	expect_eq "r1 assembled" "$(state r1)" assembled
	expect_eq "r5 assembled" "$(state r5)" assembled
	check "r1 data verifies after the reboot" fio_pass r1 verify
	check "r5 data verifies after the reboot" fio_pass r5 verify
	check "stop r1" "$tool" stop r1
	# Member 1 of r1 loses its superblock: it is missing to assemble.
	dd if=/dev/zero of="$(dirname "$SW1")/$(basename "$SW1")p1" bs=4k count=1 oflag=direct \
		status=none || die "cannot wipe the superblock"
	"$tool" assemble r1 2>/tmp/err && rc=0 || rc=$?
	expect_eq "assemble refuses r1 with a missing member (exit 5)" "$rc" 5
	check "and names the member and --degraded" grep -q "r1: member 1 of 2 missing.*--degraded" /tmp/err
	check "r1 was not started" sh -c '! dmsetup info r1 >/dev/null 2>&1'
	check "assemble --degraded starts it" "$tool" assemble r1 --degraded
	expect_eq "status shows member 1 missing" \
		"$("$tool" -o json status r1 | jq -r '.members[1].health')" missing
	check "r1 data verifies degraded" fio_pass r1 verify
	check "stop both" stop_all
}

"$phase" "$@"
finish
