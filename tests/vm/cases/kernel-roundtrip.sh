#!/usr/bin/env bash
# The on-disk format across kernel series: arrays made under one kernel
# assemble and keep their data under the other and back
# (tests/vm/kernel-roundtrip-host.sh boots 6.12, 7.3, then 6.12 again on
# the same disks and runs one phase in each):
#   kernel-roundtrip.sh create DIR   create raid1 and raid5 with metadata,
#                                    write pattern A (host and P2P buffers),
#                                    verify, stop
#   kernel-roundtrip.sh cross DIR    assemble both, A verifies, status is
#                                    healthy, overwrite with pattern B,
#                                    verify, stop
#   kernel-roundtrip.sh back DIR     assemble both, B verifies, status is
#                                    healthy, stop
# Each phase records the kernel release it ran on in DIR, so the host
# script can check that the boots really ran the two series.
. "$(dirname "$0")/target-lib.sh"
tool=$RP_BUILD/tools/p2praid-tool
phase=${1:?create, cross or back}
dir=${2:?DIR}

SW0=$(rig_dev rp-sw0) SW1=$(rig_dev rp-sw1) SW2=$(rig_dev rp-sw2) SW3=$(rig_dev rp-sw3)
FAR=$(rig_dev rp-far0)
BUF=$(rig_bdf rp-sw2)

# healthy NAME MEMBERS: dmsetup status shows every member alive ("A").
healthy() {
	[ "$(tl_field "$1" 3)" = "$(printf 'A%.0s' $(seq "$2"))" ]
}

assemble() {
	"$tool" -o json assemble --scan >/tmp/assemble.json ||
		die "assemble --scan failed: $(cat /tmp/assemble.json)"
	for a in r1 r5; do
		expect_eq "$a assembled on $(uname -r)" \
			"$(jq -r --arg n "$a" '.arrays[] | select(.name == $n) | .state' /tmp/assemble.json)" \
			assembled
	done
	check "r1 is healthy on $(uname -r)" healthy r1 2
	check "r5 is healthy on $(uname -r)" healthy r5 3
	expect_eq "r1 keeps its device-mapper UUID" "$(dmsetup info -c -o uuid --noheadings r1)" \
		"$(sed -n 1p "$dir/uuids")"
	expect_eq "r5 keeps its device-mapper UUID" "$(dmsetup info -c -o uuid --noheadings r5)" \
		"$(sed -n 2p "$dir/uuids")"
}

stop_all() { "$tool" stop r1 >/dev/null && "$tool" stop r5 >/dev/null; }

create() {
	check "create raid1 on two switch drives" \
		"$tool" create r1 --level raid1 "$SW0" "$SW1" --size 8M -y
	check "create raid5 on three drives" \
		"$tool" create r5 --level raid5 "$SW3" "$FAR" "$SW2" --size 8M -y
	{ dmsetup info -c -o uuid --noheadings r1; dmsetup info -c -o uuid --noheadings r5; } \
		>"$dir/uuids"
	check "r1 resyncs" tl_wait_sync r1
	check "r5 resyncs" tl_wait_sync r5
	check "pattern A through P2P buffers on r1" \
		"$P2PIO" -d /dev/mapper/r1 -p "$BUF" -m rw -s 4M -b 64k
	check "pattern A (fio) written and verified on r1" fio_pattern r1 write 1111
	check "pattern A (fio) written and verified on r5" fio_pattern r5 write 1111
	check "stop both" stop_all
}

cross() {
	assemble
	check "pattern A verifies on r1 under $(uname -r)" fio_pattern r1 verify 1111
	check "pattern A verifies on r5 under $(uname -r)" fio_pattern r5 verify 1111
	check "P2P I/O through r1 under $(uname -r)" \
		"$P2PIO" -d /dev/mapper/r1 -p "$BUF" -m rw -s 4M -b 64k
	check "pattern B written and verified on r1" fio_pattern r1 write 2222
	check "pattern B written and verified on r5" fio_pattern r5 write 2222
	check "stop both" stop_all
}

back() {
	assemble
	check "pattern B verifies on r1 back under $(uname -r)" fio_pattern r1 verify 2222
	check "pattern B verifies on r5 back under $(uname -r)" fio_pattern r5 verify 2222
	check "stop both" stop_all
}

"$phase"
uname -r >"$dir/$phase.kernel"
[ "$T_FAILS" -eq 0 ] && touch "$dir/$phase.done"
finish
