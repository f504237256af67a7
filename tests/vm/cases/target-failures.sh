#!/usr/bin/env bash
# raid-p2p stage C: failed members. raid1, raid10, raid5 and raid6 with
# metadata devices, members on dm-linear slices. While fio writes and
# verifies, a member's slice is switched to the error target: md marks it
# failed ('D' in status) and fio goes on without an error. raid6 then
# loses a second member and still serves writes. A new table that puts
# fresh devices in the failed positions with "rebuild" rebuilds them
# (loaded live, with dmsetup reload); the data verifies, parity checks
# clean, and the array comes back from its superblocks after removal.
. "$(dirname "$0")/target-lib.sh"

SLICE=$TL_SLICE
S=$SLICE
tl_member_slices
# Fresh devices for the rebuilds, on the drive outside the switch.
tl_slice tl-ms0 "$TL_FAR" 0 4
tl_slice tl-ds0 "$TL_FAR" 4 "$S"
tl_slice tl-ms1 "$TL_FAR" $((8 + S)) 4
tl_slice tl-ds1 "$TL_FAR" $((12 + S)) "$S"
declare -A SAVED
for s in tl-m0 tl-d0 tl-m1 tl-d1 tl-m2 tl-d2 tl-m3 tl-d3; do SAVED[$s]=$(dmsetup table "$s"); done

# Positions of the array: tl-N stands for tl-mN/tl-dN, tl-sN for the
# fresh tl-msN/tl-dsN.
declare -a POS
pair() { echo "/dev/mapper/${POS[$1]/tl-/tl-m} /dev/mapper/${POS[$1]/tl-/tl-d}"; }

wipe() {
	local s
	for s in "$@"; do dd if=/dev/zero of="/dev/mapper/$s" bs=1M count=1 oflag=direct status=none; done
}

# table LEN TYPE CHUNK N [PARAMS...]: table over positions POS[0..N-1].
table() {
	local len=$1 type=$2 chunk=$3 n=$4 params=("${@:5}") i out
	out="0 $len raid-p2p $type $((1 + ${#params[@]})) $chunk ${params[*]} $n"
	for ((i = 0; i < n; i++)); do out+=" $(pair "$i")"; done
	echo "$out"
}

health() { tl_field tl-arr 3; }

# written NAME: sectors written to dm device NAME since it was created.
written() {
	local minor
	minor=$(dmsetup info -c --noheadings -o minor "$1" | tr -d ' ')
	awk '{ print $7 }' "/sys/block/dm-$minor/stat"
}

# fail_during_fio NAME SLICE...: fail the slices once fio has written the
# whole array once, in the middle of five write-and-verify passes, which
# must succeed. A fixed delay is not enough: on a fast run fio could finish
# before the failure, and then no write ever reaches the failed member.
fail_during_fio() {
	local name=$1 s writer start len i
	shift
	len=$(blockdev --getsz /dev/mapper/tl-arr)
	start=$(written tl-arr)
	tl_write_verify /dev/mapper/tl-arr --verify_backlog=128 --loops=5 &
	writer=$!
	for ((i = 0; i < 1200; i++)); do
		[ $(($(written tl-arr) - start)) -ge "$len" ] && break
		kill -0 "$writer" 2>/dev/null || break
		sleep 0.05
	done
	check "$name: fio is still writing when the member fails" kill -0 "$writer"
	for s in "$@"; do check "$name: fail $s" tl_fail "$s"; done
	check "$name: fio keeps writing and verifying" wait "$writer"
}

# failed POS: md marks position POS failed (soon after an I/O error).
failed() {
	local i h
	for ((i = 0; i < 60; i++)); do
		h=$(health)
		[ "${h:$1:1}" = D ] && return 0
		sleep 0.5
	done
	log "member $1 is not marked failed: $h"
	return 1
}

# scenario NAME N LEN_MIB TYPE CHUNK FAIL_POS...
scenario() {
	local name=$1 n=$2 len=$(($3 * MiB)) type=$4 chunk=$5 fail=("${@:6}")
	local i p rebuild=() spares=(tl-s0 tl-s1) k=0
	POS=(tl-0 tl-1 tl-2 tl-3)
	log "--- $name: fail position(s) ${fail[*]}"
	wipe tl-m0 tl-m1 tl-m2 tl-m3 tl-ms0 tl-ms1
	try "$name: create" dm_create tl-arr "$(table "$len" "$type" "$chunk" "$n")" || return 0
	check "$name: initial sync" tl_wait_sync tl-arr

	fail_during_fio "$name" "tl-d${fail[0]}"
	check "$name: member ${fail[0]} is failed" failed "${fail[0]}"
	if [ ${#fail[@]} -gt 1 ]; then
		fail_during_fio "$name (second failure)" "tl-d${fail[1]}"
		check "$name: member ${fail[1]} is failed too" failed "${fail[1]}"
	fi
	log "$name: health $(health)"
	check "$name: the degraded array still verifies" tl_verify /dev/mapper/tl-arr

	# Fresh devices in the failed positions, rebuilt; the table is
	# loaded into the live device (the superblocks are clean by then).
	sleep 1
	for p in "${fail[@]}"; do
		POS[p]=${spares[k]}
		rebuild+=(rebuild "$p")
		k=$((k + 1))
	done
	try "$name: reload with ${rebuild[*]}" dmsetup reload tl-arr \
		--table "$(table "$len" "$type" "$chunk" "$n" "${rebuild[@]}")" || return 0
	check "$name: resume the new table" dmsetup resume tl-arr
	check "$name: rebuild finishes" tl_wait_sync tl-arr
	expect_eq "$name: all members healthy" "$(health)" "$(printf 'A%.0s' $(seq "$n"))"
	check "$name: data verifies after the rebuild" tl_verify /dev/mapper/tl-arr
	if [ "$type" != raid1 ] && [ "$type" != raid10 ]; then
		check "$name: parity check" dmsetup message tl-arr 0 check
		check "$name: check done" tl_wait_sync tl-arr
		expect_eq "$name: no mismatches" "$(tl_field tl-arr 6)" 0
	fi
	check "$name: remove" dmsetup remove tl-arr
	try "$name: comes back from its superblocks" dm_create tl-arr \
		"$(table "$len" "$type" "$chunk" "$n")" &&
		check "$name: in sync at once" tl_in_sync tl-arr &&
		check "$name: data verifies after re-create" tl_verify /dev/mapper/tl-arr
	check "$name: remove again" dmsetup remove tl-arr

	for i in "${fail[@]}"; do tl_swap "tl-d$i" "${SAVED[tl-d$i]}"; done
}

scenario raid1 2 "$S" raid1 0 1
scenario raid10 4 $((2 * S)) raid10 64 2
scenario raid5 4 $((3 * S)) raid5_ls 64 0
scenario raid6 4 $((2 * S)) raid6_zr 64 1 3
finish
