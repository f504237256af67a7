#!/usr/bin/env bash
# p2praid-tool monitor on the rig: a spare put in with no command typed.
# A raid1 made by create on rp-sw0 and rp-sw1; the config's POLICY
# allocate offers rp-far0 and rp-sw2 as spares (rp-sw3 matches no path).
# monitor runs in the background with --program. While fio writes and
# verifies, rp-sw1 is hot-removed from the PCI bus. Then:
#   - fio finishes without an error;
#   - monitor reports Fail for member 1, and puts in rp-sw2, the spare
#     under the same switch as rp-sw0, not rp-far0, which P2P cannot reach
#     (MoveSpare), and the rebuild starts and ends (RebuildStarted,
#     RebuildFinished, SpareActive); --program ran for each event;
#   - the array is healthy on rp-sw0 and rp-sw2, its data verifies, status
#     exits 0, and md's check finds no mismatch;
#   - rp-sw3 and rp-far0 were not touched (no partitions);
#   - SIGTERM ends monitor with exit 0.
. "$(dirname "$0")/../lib.sh"
tool=$RP_BUILD/tools/p2praid-tool
modprobe dm-raid-p2p || die "cannot load dm-raid-p2p"

SW0=$(rig_dev rp-sw0) SW1=$(rig_dev rp-sw1) SW2=$(rig_dev rp-sw2) SW3=$(rig_dev rp-sw3)
FAR=$(rig_dev rp-far0)
SW1_BDF=$(rig_bdf rp-sw1)

check "create raid1 on rp-sw0 and rp-sw1" "$tool" create r1 --level raid1 "$SW0" "$SW1" \
	--size 16M -y
check "initial sync" wait_sync r1
check "fio writes and verifies r1" fio_pattern r1 write

uuid=$(dmsetup info -c --noheadings -o uuid r1)
uuid=${uuid#P2PRAID-}
cat >/tmp/p2praid.conf <<EOF
ARRAY r1 uuid=$uuid spare-group=pool
POLICY action=allocate spare-group=pool path=$FAR,$SW2
EOF
cat >/tmp/hook <<'EOF'
#!/bin/sh
echo "$*" >>/tmp/hook.log
EOF
chmod +x /tmp/hook

"$tool" --config /tmp/p2praid.conf monitor --program /tmp/hook --delay 5 \
	>/tmp/monitor.out 2>/tmp/monitor.err &
monitor=$!
sleep 1
check "monitor is running" kill -0 "$monitor"

# Five passes of write and verify; rp-sw1 goes away during the second.
fio --name=r1 --filename=/dev/mapper/r1 --rw=randwrite --bs=64k --direct=1 \
	--ioengine=libaio --iodepth=4 --randrepeat=1 --verify=crc32c --verify_fatal=1 \
	--do_verify=1 --verify_backlog=64 --loops=5 --output=/tmp/r1-fail.fio >/dev/null 2>&1 &
writer=$!
sleep 2
check "fio is still writing when rp-sw1 goes" kill -0 "$writer"
echo 1 >"/sys/bus/pci/devices/$SW1_BDF/remove"
check "fio keeps writing and verifying" wait "$writer"

# healthy_on_sw2: r1 is in sync, and its member 1 is on rp-sw2.
healthy_on_sw2() {
	[ "$(field r1 3)" = AA ] && in_sync r1 &&
		dmsetup deps -o devname r1 | grep -q "$(basename "$SW2")p2"
}
ok_by=0
for _ in $(seq 240); do
	healthy_on_sw2 && { ok_by=1; break; }
	sleep 0.5
done
expect_eq "r1 is rebuilt on rp-sw2 with no command typed" "$ok_by" 1
# The events come a little after the state they report.
for _ in $(seq 20); do grep -q '^SpareActive' /tmp/monitor.out && break; sleep 0.5; done
log "monitor said:"
sed 's/^/  | /' /tmp/monitor.out /tmp/monitor.err
check "Fail for member 1" grep -q "^Fail r1 .*: member 1 failed" /tmp/monitor.out
check "MoveSpare to rp-sw2, the nearer spare" grep -q "^MoveSpare r1 $SW2: member 1 " /tmp/monitor.out
check "RebuildStarted" grep -q "^RebuildStarted r1: recover" /tmp/monitor.out
check "RebuildFinished" grep -q "^RebuildFinished r1: recover ended" /tmp/monitor.out
check "SpareActive for rp-sw2" grep -q "^SpareActive r1 ${SW2}p2: member 1 is in sync" \
	/tmp/monitor.out
# Fail, then MoveSpare, then the rebuild's three in an order that depends
# on when monitor looks; each event once.
events=$(cut -d' ' -f1 /tmp/monitor.out | xargs)
expect_eq "Fail, then MoveSpare" "$(cut -d' ' -f1-2 <<<"$events")" "Fail MoveSpare"
expect_eq "then the rebuild's events, once each" "$(cut -d' ' -f3- <<<"$events" | xargs -n1 | sort | xargs)" \
	"RebuildFinished RebuildStarted SpareActive"
expect_eq "--program ran for each event, with the event and the array" \
	"$(cut -d' ' -f1-2 /tmp/hook.log | xargs)" "$(sed 's/^\([^ ]*\) \([^ :]*\).*/\1 \2/' /tmp/monitor.out | xargs)"
check "no warning or error from monitor" test ! -s /tmp/monitor.err
check "r1 data verifies after the rebuild" fio --name=r1 --filename=/dev/mapper/r1 \
	--rw=randwrite --bs=64k --direct=1 --ioengine=libaio --iodepth=4 --randrepeat=1 \
	--verify=crc32c --verify_fatal=1 --verify_only --output=/tmp/r1-verify.fio
"$tool" status r1 >/dev/null && rc=0 || rc=$?
expect_eq "status of r1 exits 0" "$rc" 0
check "md's check" dmsetup message r1 0 check
check "check done" wait_sync r1
expect_eq "no mismatches" "$(field r1 6)" 0
check "rp-sw3 was not touched" test ! -e "${SW3}p1"
check "rp-far0 was not touched" test ! -e "${FAR}p1"

kill -TERM "$monitor"
wait "$monitor" && rc=0 || rc=$?
expect_eq "SIGTERM ends monitor with exit 0" "$rc" 0
check "remove r1" dmsetup remove r1
finish
