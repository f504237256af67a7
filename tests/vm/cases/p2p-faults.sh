#!/usr/bin/env bash
# raid-p2p: faults on the P2P path (man/dm-raid-p2p.7, FAULTS).
#
# - A write error on a member that md-p2p bounces to (a dm device: its
#   queue takes no P2P pages), its writes failing (dm-flakey error_writes)
#   while a P2P write goes on: the write succeeds, the member is failed
#   (not kept with bad blocks that raid-p2p cannot store), the next load
#   without "rebuild" refuses it, and after the rebuild it alone holds the
#   new data.
# - raid10 recovery reads through the P2P path: with md-p2p's verdict knob
#   saying no member reaches any provider, a rebuild through a switch
#   drive's CMB bounces its reads as well as its writes (bounce_unreachable
#   at least twice sync_cmb), and the data verifies.
# - A wrong reachability verdict: with the knob saying every member
#   reaches every provider, rp-far0 is sent P2P pages from a switch drive's
#   CMB and refuses them (EREMOTEIO on 6.12, EINVAL on 7.x); writes and
#   reads are retried bounced (bounce_refused moves), no member fails, no
#   read error is "corrected", and the data is right on both members.
# - A write bounced to several members is copied out of P2P memory once:
#   raid1 over two switch drives and raid10 over four, the buffer in
#   rp-far0's CMB that none of them reaches, count each byte written once
#   in bounce_unreachable, though every member gets the data (its write
#   statistics, md's check finds no mismatch, the data reads back); with
#   rp-far0 a mirror too, it takes the buffer straight and the others share
#   the copy; with md-p2p/bounce_reserve each member bounces on its own
#   and is counted so; a write error on one of two members sharing the
#   copy fails that member, and the copy is freed (kmemleak, in vm-run).
# - The bounce path under load: many concurrent P2P bios of more than one
#   bounce bio each, to members that must bounce, with every bounce taken
#   from the reserves (md-p2p/bounce_reserve) and without; fio verifies.
. "$(dirname "$0")/target-lib.sh"

modprobe dm-flakey || die "cannot load dm-flakey"
KNOB=/sys/kernel/debug/md-p2p
[ -w "$KNOB/verdict" ] || die "no $KNOB/verdict"
verdict() { echo "$1" >"$KNOB/verdict"; }
on_exit "echo 0 >$KNOB/verdict; echo N >$KNOB/bounce_reserve"

PART_MIB=16
declare -A P M BDF
for d in sw0 sw1 sw2 sw3 far0; do
	dev=$(rig_dev "rp-$d")
	printf 'size=%sMiB\nsize=4MiB\n' $PART_MIB | sfdisk -q "$dev" >/dev/null ||
		die "sfdisk $dev failed"
	P[$d]=${dev}p1 M[$d]=${dev}p2
	BDF[$d]=$(rig_bdf "rp-$d")
	for _ in $(seq 50); do [ -b "${M[$d]}" ] && break; sleep 0.1; done
	[ -b "${M[$d]}" ] || die "no ${M[$d]}"
done
PER=$(($(blockdev --getsz "${P[sw0]}") / 128 * 128)) # whole 64 KiB chunks

# p2p DEV PROVIDER MODE SEED: p2pio of the first MiB through PROVIDER's CMB.
p2p() { "$P2PIO" -q -d "$1" -p "$2" -m "$3" -S "$4" -s 1M -b 128k; }
# failed NAME POS: md marks member POS failed (soon after the I/O error).
failed() {
	local i h
	for ((i = 0; i < 60; i++)); do
		h=$(tl_field "$1" 3)
		[ "${h:$2:1}" = D ] && return 0
		sleep 0.5
	done
	log "$1: member $2 is not marked failed: $h"
	return 1
}

# --- a write error on a member that md-p2p bounces to ---------------------
# pf-d1: sw1's data partition through dm: no P2PDMA, so P2P writes bounce.
dm_create pf-d1 "0 $PER linear ${P[sw1]} 0"
MEMBERS="2 ${M[sw0]} ${P[sw0]} ${M[sw1]} /dev/mapper/pf-d1"
dm_create pf-w "0 $PER raid-p2p raid1 2 64 nosync $MEMBERS"
check "write error: first write from a CMB" p2p /dev/mapper/pf-w "${BDF[sw2]}" write 1
tl_swap pf-d1 "0 $PER flakey ${P[sw1]} 0 0 3600 1 error_writes"
check "write error: a write from a CMB succeeds" p2p /dev/mapper/pf-w "${BDF[sw2]}" write 2
check "write error: it bounced to the member" test "$(stat pf-w bounce_queue)" -gt 0
check "write error: the member is failed" failed pf-w 1
show_stats pf-w
check "write error: reads give the new data" p2p /dev/mapper/pf-w "${BDF[sw2]}" read 2
dmsetup remove pf-w
tl_swap pf-d1 "0 $PER linear ${P[sw1]} 0"
expect_refused "write error: the next load" "use 'rebuild 1'" \
	"0 $PER raid-p2p raid1 2 64 nosync $MEMBERS"
if try "write error: load with rebuild 1" dm_create pf-w \
	"0 $PER raid-p2p raid1 3 64 rebuild 1 $MEMBERS"; then
	check "write error: rebuild" tl_wait_sync pf-w 300
	expect_eq "write error: healthy after the rebuild" "$(tl_field pf-w 3)" AA
	dmsetup remove pf-w
fi
dm_create pf-one "0 $PER raid-p2p raid1 2 64 nosync 2 - - - /dev/mapper/pf-d1"
check "write error: the rebuilt member alone has the new data" \
	p2p /dev/mapper/pf-one "${BDF[sw2]}" read 2
dmsetup remove pf-one
dmsetup remove pf-d1

# --- raid10 recovery reads go through the P2P path -------------------------
JOB=(--name=fill --ioengine=libaio --direct=1 --iodepth=8 --bs=64k --rw=write
	--verify=crc32c --verify_fatal=1 --eta=never)
len=$((PER / 128 * 3 / 2 * 128))
R10="raid-p2p raid10"
dm_create pf-r10 "0 $len $R10 2 64 nosync 3 - ${P[sw0]} - ${P[sw1]} - ${P[sw2]}"
check "raid10 recovery: fill" tl_fio /dev/mapper/pf-r10 "${JOB[@]}" --do_verify=0
dmsetup remove pf-r10
verdict 2
if try "raid10 recovery: load with rebuild 2" dm_create pf-r10 \
	"0 $len $R10 5 64 rebuild 2 p2p_provider auto 3 - ${P[sw0]} - ${P[sw1]} - ${P[sw3]}"; then
	check "raid10 recovery: done" tl_wait_sync pf-r10 300
	show_stats pf-r10
	prov=$(tl_field pf-r10 11) cmb=$(stat pf-r10 sync_cmb)
	check "raid10 recovery: through a CMB ($prov)" test "$prov" != none
	expect_eq "raid10 recovery: rebuilt bytes from the CMB" "$cmb" $((PER * 512))
	check "raid10 recovery: reads bounced as well as writes" \
		test "$(stat pf-r10 bounce_unreachable)" -ge $((2 * cmb))
	expect_eq "raid10 recovery: healthy" "$(tl_field pf-r10 3)" AAA
	check "raid10 recovery: data verifies" tl_fio /dev/mapper/pf-r10 "${JOB[@]}" --verify_only
	dmsetup remove pf-r10
fi
verdict 0

# --- a wrong verdict: the member refuses P2P pages -------------------------
before=$(dmesg | wc -l)
verdict 1
dm_create pf-far "0 $PER raid-p2p raid1 2 64 nosync 2 - ${P[sw0]} - ${P[far0]}"
check "refused: a write from sw1's CMB succeeds" p2p /dev/mapper/pf-far "${BDF[sw1]}" write 3
r=$(stat pf-far bounce_refused)
check "refused: writes retried bounced ($r bytes)" test "$r" -gt 0
verdict 1 # drop the corrected verdicts: rp-far0 is the nearest mirror again
check "refused: a read into sw1's CMB verifies" p2p /dev/mapper/pf-far "${BDF[sw1]}" read 3
show_stats pf-far
check "refused: reads retried bounced" test "$(stat pf-far bounce_refused)" -gt "$r"
expect_eq "refused: no member failed" "$(tl_field pf-far 3)" AA
check "refused: logged" bash -c "dmesg | tail -n +$((before + 1)) | grep -q 'refused P2P memory'"
check "refused: no read error taken for a media error" \
	bash -c "! dmesg | tail -n +$((before + 1)) | grep -Eq 'read error corrected|redirecting sector|Disk failure'"
dmsetup remove pf-far
verdict 0
for d in sw0 far0; do
	dm_create pf-one "0 $PER raid-p2p raid1 2 64 nosync 2 - ${P[$d]} - -"
	check "refused: $d holds the data" "$P2PIO" -q -d /dev/mapper/pf-one -p host -m read -S 3 -s 1M
	dmsetup remove pf-one
done

# --- a write bounced to several members is copied once ---------------------
# rp-far0 is on the other root port: no switch drive reaches its CMB. The
# members that must bounce a write share one host copy of it, so the CPU
# reads the (uncached) CMB once per write, and the counter says so.
SHARE_MIB=4
SHARE=$((SHARE_MIB * 1024 * 1024))
# wrote DRIVE: sectors written to DRIVE's data partition so far.
wrote() { awk '{ print $7 }' "/sys/class/block/${P[$1]##*/}/stat"; }
# far_io NAME MODE [ARGS]: p2pio of SHARE_MIB through rp-far0's CMB, 1 MiB bios.
far_io() {
	"$P2PIO" -q -d "/dev/mapper/$1" -p "${BDF[far0]}" -m "$2" -S 5 -s ${SHARE_MIB}M -b 1M "${@:3}"
}
# share_case NAME TABLE EACH DRIVE...: a write from rp-far0's CMB over
# the whole array (SHARE bytes) is counted once in bounce_unreachable,
# each DRIVE is written at least EACH bytes, md's check finds the copies
# equal and the data reads back.
SHARE_LEN=$((SHARE / 512))
share_case() {
	local name=$1 tbl=$2 each=$3 d
	local -A w0
	shift 3
	try "share, $name: table" dm_create "$name" "$tbl" || return 0
	dmsetup message "$name" 0 p2p_reset_counters
	for d in "$@"; do w0[$d]=$(wrote "$d"); done
	check "share, $name: a write from rp-far0's CMB" far_io "$name" write
	show_stats "$name"
	expect_eq "share, $name: user P2P writes" "$(stat "$name" user_write)" $SHARE
	expect_eq "share, $name: copied out of P2P memory once" \
		"$(stat "$name" bounce_unreachable)" $SHARE
	for d in "$@"; do
		check "share, $name: $d written ($(($(wrote "$d") - ${w0[$d]})) sectors)" \
			test $((($(wrote "$d") - ${w0[$d]}) * 512)) -ge "$each"
	done
	check "share, $name: check" dmsetup message "$name" 0 check
	check "share, $name: check done" tl_wait_sync "$name" 300
	expect_eq "share, $name: the copies are equal" "$(tl_field "$name" 6)" 0
	check "share, $name: reads back through rp-far0's CMB" far_io "$name" read
	dmsetup remove "$name"
}
share_case ps-r1 "0 $SHARE_LEN raid-p2p raid1 2 64 nosync 2 - ${P[sw0]} - ${P[sw1]}" \
	$SHARE sw0 sw1
share_case ps-r10 "0 $SHARE_LEN raid-p2p raid10 2 64 nosync 4 - ${P[sw0]} - ${P[sw1]} - ${P[sw2]} - ${P[sw3]}" \
	$((SHARE / 2)) sw0 sw1 sw2 sw3
# rp-far0 takes its own CMB straight; sw0 and sw1 share the copy.
share_case ps-r1far "0 $SHARE_LEN raid-p2p raid1 2 64 nosync 3 - ${P[sw0]} - ${P[sw1]} - ${P[far0]}" \
	$SHARE sw0 sw1 far0

# From the reserves each member bounces, and is counted, on its own.
dm_create ps-res "0 $PER raid-p2p raid1 2 64 nosync 2 - ${P[sw0]} - ${P[sw1]}"
echo Y >"$KNOB/bounce_reserve"
check "share, reserves only: a write from rp-far0's CMB" far_io ps-res write -S 6
echo N >"$KNOB/bounce_reserve"
expect_eq "share, reserves only: copied once per member" \
	"$(stat ps-res bounce_unreachable)" $((2 * SHARE))
check "share, reserves only: reads back" far_io ps-res read -S 6
dmsetup remove ps-res

# A write error on one of two members that share the copy: dm devices
# (no P2PDMA) over sw0 and sw1, the second failing writes.
dm_create ps-d0 "0 $PER linear ${P[sw0]} 0"
dm_create ps-d1 "0 $PER linear ${P[sw1]} 0"
dm_create ps-err "0 $PER raid-p2p raid1 2 64 nosync 2 - /dev/mapper/ps-d0 - /dev/mapper/ps-d1"
tl_swap ps-d1 "0 $PER flakey ${P[sw1]} 0 0 3600 1 error_writes"
check "share, write error: a write from a CMB succeeds" p2p /dev/mapper/ps-err "${BDF[sw2]}" write 7
check "share, write error: the member is failed" failed ps-err 1
show_stats ps-err
expect_eq "share, write error: copied out of P2P memory once" \
	"$(stat ps-err bounce_queue)" $((1024 * 1024))
check "share, write error: reads give the new data" p2p /dev/mapper/ps-err "${BDF[sw2]}" read 7
dmsetup remove ps-err
dmsetup remove ps-d1
dmsetup remove ps-d0

# --- the bounce path under load -------------------------------------------
# raid1 over two dm-linear slices (no P2PDMA: everything bounces), no
# metadata, so no region split: 1280 KiB bios are two bounce bios each.
dm_create pf-s0 "0 $PER linear ${P[sw2]} 0"
dm_create pf-s1 "0 $PER linear ${P[sw3]} 0"
dm_create pf-st "0 $PER raid-p2p raid1 2 64 nosync 2 - /dev/mapper/pf-s0 - /dev/mapper/pf-s1"
STRESS=(--name=stress --ioengine=libaio --direct=1 --iodepth=4 --numjobs=4 --bs=1280k
	--size=3840k --offset_increment=4m --rw=randwrite --verify=crc32c --verify_fatal=1
	--do_verify=1 --eta=never --group_reporting
	--iomem="mmapshared:$(rig_p2pmem rp-sw0)/allocate")
for reserve in Y N; do
	echo $reserve >"$KNOB/bounce_reserve"
	dmsetup message pf-st 0 p2p_reset_counters
	check "load, reserves only=$reserve: fio writes and verifies" \
		tl_fio /dev/mapper/pf-st "${STRESS[@]}" --randseed=$RANDOM
	show_stats pf-st
	# 4 jobs x 3 blocks x 1280 KiB written and read back: with the
	# reserves each mirror bounces every write on its own, else the two
	# share one copy of it; the reads bounce once.
	check "load, reserves only=$reserve: all bounced" \
		test "$(stat pf-st bounce_queue)" -ge $((2 * 4 * 3840 * 1024))
done
expect_eq "load: healthy" "$(tl_field pf-st 3)" AA
finish
