#!/usr/bin/env bash
# raid-p2p stage B: metadata devices. Every level with a superblock (and a
# write-intent bitmap where there is redundancy) per member: create,
# write, remove, re-create: in sync at once and the data verifies.
# Superblocks that do not fit are refused with an error that names the
# member, or rebuilt when the table says so. An unclean stop (all drives
# cut at once, like a power failure) resyncs only the dirty regions.
. "$(dirname "$0")/target-lib.sh"

SLICE=$TL_SLICE
tl_member_slices
# A second array's members, for foreign superblocks.
tl_slice tl-xm0 "$TL_FAR" 0 4
tl_slice tl-xd0 "$TL_FAR" 4 "$SLICE"
tl_slice tl-xm1 "$TL_NOCMB" 0 4
tl_slice tl-xd1 "$TL_NOCMB" 4 "$SLICE"
M=(/dev/mapper/tl-m0 /dev/mapper/tl-m1 /dev/mapper/tl-m2 /dev/mapper/tl-m3)
D=(/dev/mapper/tl-d0 /dev/mapper/tl-d1 /dev/mapper/tl-d2 /dev/mapper/tl-d3)
S=$SLICE

# members N [ORDER...]: "N m d ..." with metadata, members in ORDER.
members() {
	local n=$1 i out=$1 order=("${@:2}")
	[ ${#order[@]} -gt 0 ] || mapfile -t order < <(seq 0 $((n - 1)))
	for i in "${order[@]}"; do out+=" ${M[$i]} ${D[$i]}"; done
	echo "$out"
}

# wipe_meta I...: zero the superblocks of members I.
wipe_meta() {
	local i
	for i in "$@"; do dd if=/dev/zero of="${M[$i]}" bs=1M count=1 oflag=direct status=none; done
}

# persist NAME NDEVS DATA_MIB TYPE CHUNK [PARAMS...]
persist() {
	local name=$1 n=$2 len=$(($3 * MiB)) type=$4 chunk=$5 params=("${@:6}") table ev
	local dev=/dev/mapper/tl-$name
	table="0 $len raid-p2p $type $((1 + ${#params[@]})) $chunk ${params[*]} $(members "$n")"

	log "--- $name: $table"
	wipe_meta $(seq 0 $((n - 1)))
	try "$name: create with metadata" dm_create "tl-$name" "$table" || return 0
	check "$name: write and verify" tl_write_verify "$dev"
	check "$name: initial sync" tl_wait_sync "tl-$name"
	check "$name: remove" dmsetup remove "tl-$name"
	try "$name: re-create" dm_create "tl-$name" "$table" || return 0
	check "$name: in sync at once" tl_in_sync "tl-$name"
	expect_eq "$name: all members healthy" "$(tl_field "tl-$name" 3)" "$(printf 'A%.0s' $(seq "$n"))"
	ev=$(tl_field "tl-$name" 9)
	check "$name: event count $ev comes from the superblocks" test "$ev" -ge 1
	check "$name: data verifies" tl_verify "$dev"
	check "$name: remove again" dmsetup remove "tl-$name"
}

persist linear 4 $((4 * S)) linear 0
persist raid0 4 $((4 * S)) raid0 64
persist raid1 2 "$S" raid1 0
persist raid10 4 $((2 * S)) raid10 64
persist raid5 4 $((3 * S)) raid5_ls 64 region_size 2048
persist raid6 4 $((2 * S)) raid6_zr 64

# --- superblocks that do not fit: raid5 over members 0..3 ---------------
LEN=$((3 * S * MiB))
R5="0 $LEN raid-p2p raid5_ls 1 64"
wipe_meta 0 1 2 3
dm_create tl-r5 "$R5 $(members 4)"
check "raid5: write" tl_write_verify /dev/mapper/tl-r5
check "raid5: in sync" tl_wait_sync tl-r5
dmsetup remove tl-r5

expect_refused "members out of order" "Member 0 (" "$R5 $(members 4 1 0 2 3)"
expect_refused "out of order, why" "superblock of member 1; the members are out of order" \
	"$R5 $(members 4 1 0 2 3)"
expect_refused "other raid type" "Superblocks describe raid5_ls with 4 members" \
	"0 $((2 * S * MiB)) raid-p2p raid6_zr 1 64 $(members 4)"
expect_refused "other chunk size" "Superblocks say chunk_size 64, the table 128" \
	"0 $LEN raid-p2p raid5_ls 1 128 $(members 4)"
expect_refused "other length" "no resizing" \
	"0 $((LEN - 3 * 128)) raid-p2p raid5_ls 1 64 $(members 4)"

# A foreign superblock: member 2 of another array.
dm_create tl-x "0 $((S * MiB)) raid-p2p raid1 1 0 2 /dev/mapper/tl-xm0 /dev/mapper/tl-xd0 /dev/mapper/tl-xm1 /dev/mapper/tl-xd1"
dmsetup remove tl-x
expect_refused "foreign superblock" "Member 2 (" \
	"$R5 4 ${M[0]} ${D[0]} ${M[1]} ${D[1]} /dev/mapper/tl-xm0 /dev/mapper/tl-xd0 ${M[3]} ${D[3]}"
expect_refused "foreign superblock, why" "superblock of another array" \
	"$R5 4 ${M[0]} ${D[0]} ${M[1]} ${D[1]} /dev/mapper/tl-xm0 /dev/mapper/tl-xd0 ${M[3]} ${D[3]}"

# A corrupt superblock (the magic, then garbage): refused, then rebuilt.
dd if=/dev/urandom of="${M[1]}" bs=1 seek=16 count=200 conv=notrunc status=none
expect_refused "corrupt superblock" "Member 1 (" "$R5 $(members 4)"
expect_refused "corrupt superblock, why" "corrupt superblock (bad checksum)" "$R5 $(members 4)"
try "corrupt member: rebuild 1 is accepted" dm_create tl-r5 "0 $LEN raid-p2p raid5_ls 3 64 rebuild 1 $(members 4)" &&
	check "corrupt member: rebuilt" tl_wait_sync tl-r5 &&
	expect_eq "corrupt member: healthy again" "$(tl_field tl-r5 3)" AAAA &&
	check "corrupt member: data verifies" tl_verify /dev/mapper/tl-r5
dmsetup remove tl-r5

# A blank member in an existing array needs "rebuild".
wipe_meta 2
expect_refused "blank member" "Member 2 (" "$R5 $(members 4)"
expect_refused "blank member, why" "no superblock in an existing array; use 'rebuild 2'" \
	"$R5 $(members 4)"
dm_create tl-r5 "0 $LEN raid-p2p raid5_ls 3 64 rebuild 2 $(members 4)"
check "blank member: rebuilt" tl_wait_sync tl-r5
dmsetup remove tl-r5

# A stale member: the array ran without member 3, which missed writes.
dm_create tl-r5 "$R5 4 ${M[0]} ${D[0]} ${M[1]} ${D[1]} ${M[2]} ${D[2]} - -"
expect_eq "degraded: member 3 missing" "$(tl_field tl-r5 3)" AAA-
check "degraded: write and verify" tl_write_verify /dev/mapper/tl-r5
dmsetup remove tl-r5
expect_refused "stale member" "Member 3 (" "$R5 $(members 4)"
expect_refused "stale member, why" "): stale superblock" "$R5 $(members 4)"
expect_refused "stale member, what to do" "use 'rebuild 3'" "$R5 $(members 4)"
try "stale member: rebuild 3" dm_create tl-r5 "0 $LEN raid-p2p raid5_ls 3 64 rebuild 3 $(members 4)" &&
	check "stale member: rebuilt" tl_wait_sync tl-r5 &&
	check "stale member: data verifies" tl_verify /dev/mapper/tl-r5
check "stale member: parity check" dmsetup message tl-r5 0 check
check "stale member: check done" tl_wait_sync tl-r5
expect_eq "stale member: no mismatches" "$(tl_field tl-r5 6)" 0
dmsetup remove tl-r5

# --- an unclean stop: all drives cut at once while writing --------------
SLICES=(tl-m0 tl-d0 tl-m1 tl-d1 tl-m2 tl-d2 tl-m3 tl-d3)
PAT=("${TL_PAT[@]}")
R5U="0 $LEN raid-p2p $TL_UNCLEAN_PARAMS $(members 4)"
dm_create tl-r5 "$R5U"
check "unclean: fill with the pattern" tl_fio /dev/mapper/tl-r5 "${PAT[@]}" --rw=write
check "unclean: in sync before the cut" tl_wait_sync tl-r5
sleep 6 # the bitmap daemon clears the fill's bits

fio --filename=/dev/mapper/tl-r5 "${PAT[@]}" --rw=randwrite --do_verify=0 \
	--size=1M --time_based --runtime=120 --output=/dev/null &
writer=$!
sleep 3
tl_cut "${SLICES[@]}"
wait "$writer" || true
check "unclean: the broken array goes away" dmsetup remove tl-r5
tl_uncut "${SLICES[@]}"

tl_check_unclean_recovery "unclean: " tl-r5 "$R5U"

# --- unclean stops that leave the mirrors apart ---------------------------
# A write the cut lets reach only some mirrors leaves them holding different
# data. Here the first 960 KiB of the array (20 of fio's blocks) are being
# written when the drives are cut, and member 1's copy of the first 512 KiB
# is then overwritten with other data. The next start must resync it, since
# the bits of its regions are set, and md's check must then find the
# mirrors equal:
# - "idle": a raid10 in sync when it is written;
# - "resync": a new raid1 cut during its initial resync, 256 KiB/s, with
#   the resync's checkpoint past those 960 KiB. The checkpoint says nothing
#   of the regions behind it written since: the resync starts again from 0.

# resynced NAME SECTORS: resyncing, with the checkpoint past SECTORS.
resynced() {
	local r
	r=$(tl_field "$1" 4)
	[ "$(tl_field "$1" 5)" = resync ] && [ "${r%/*}" -gt "$2" ] && [ "${r%/*}" -lt "${r#*/}" ]
}

# torn NAME N TYPE CHUNK LEN_MIB idle|resync
torn() {
	local name=tl-$1 n=$2 type=$3 chunk=$4 len=$(($5 * MiB)) mode=$6 p="$1 torn ($6): "
	local table i writer before slices=() rate=4096 create
	[ "$mode" = resync ] && rate=256
	table="$type 9 $chunk region_size 512 min_recovery_rate 128 max_recovery_rate $rate"
	table="0 $len raid-p2p $table daemon_sleep 1000 $(members "$n")"
	# Not resyncing at first: the fill makes the mirrors equal.
	create=$table
	[ "$mode" = idle ] && create=${table/ 9 $chunk / 10 $chunk nosync }
	for ((i = 0; i < n; i++)); do slices+=("tl-m$i" "tl-d$i"); done
	log "--- $1: $table"
	wipe_meta $(seq 0 $((n - 1)))
	try "${p}create" dm_create "$name" "$create" || return 0
	if [ "$mode" = resync ]; then
		for ((i = 0; i < 60; i++)); do resynced "$name" $((2 * MiB)) && break; sleep 0.5; done
		check "${p}checkpoint past 2 MiB ($(tl_field "$name" 4))" resynced "$name" $((2 * MiB))
	else
		check "${p}fill" tl_fio "/dev/mapper/$name" "${PAT[@]}" --rw=write
		sleep 3 # the bitmap daemon clears the fill's bits
	fi
	fio --filename="/dev/mapper/$name" "${PAT[@]}" --rw=randwrite --do_verify=0 \
		--size=960k --time_based --runtime=120 --output=/dev/null &
	writer=$!
	sleep 2
	[ "$mode" = idle ] ||
		check "${p}still resyncing at the cut ($(tl_field "$name" 4))" resynced "$name" $((2 * MiB))
	tl_cut "${slices[@]}"
	wait "$writer" || true
	check "${p}the broken array goes away" dmsetup remove "$name"
	tl_uncut "${slices[@]}"
	check "${p}member 1 loses the last writes" \
		dd if=/dev/urandom of=/dev/mapper/tl-d1 bs=64k count=8 oflag=direct status=none
	before=$(dmesg | wc -l)
	try "${p}the array comes back" dm_create "$name" "$table" || return 0
	if [ "$mode" = resync ]; then
		check "${p}logged as stopped during a resync" \
			bash -c "dmesg | tail -n +$((before + 1)) | grep -q 'not stopped cleanly during a resync'"
	else
		check "${p}logged as not stopped cleanly" \
			bash -c "dmesg | tail -n +$((before + 1)) | grep -q 'not stopped cleanly'"
	fi
	check "${p}resync" tl_wait_sync "$name" 120
	check "${p}check" dmsetup message "$name" 0 check
	check "${p}check done" tl_wait_sync "$name" 120
	expect_eq "${p}no mismatches" "$(tl_field "$name" 6)" 0
	check "${p}what was written verifies" tl_fio "/dev/mapper/$name" "${PAT[@]}" --rw=write \
		--size=960k --verify_only
	dmsetup remove "$name"
}

torn raid10 4 raid10 64 $((2 * S)) idle
torn raid1 2 raid1 0 "$S" resync
finish
