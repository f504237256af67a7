#!/usr/bin/env bash
# raid-p2p stage A: every raid level, without metadata devices, on 64 MiB
# slices of the switch drives. For each: create; write and verify the
# whole array with fio; suspend and resume; reload the table that TABLE
# status prints and get the same table back; remove; re-create with
# nosync, which must be in sync at once, and verify the data. The same
# table with the type renamed to "raid" must load into the mainline dm
# raid target and read back the same data (same syntax, same layout).
. "$(dirname "$0")/target-lib.sh"

SLICE=$TL_SLICE
for i in 0 1 2 3; do
	tl_slice "tl-d$i" "${TL_SW[$i]}" 0 "$SLICE"
done
D=(/dev/mapper/tl-d0 /dev/mapper/tl-d1 /dev/mapper/tl-d2 /dev/mapper/tl-d3)
# Metadata devices for the mainline target, which cannot run raid10
# without them (it hands md layout 0).
for i in 0 1 2 3; do
	tl_slice "tl-x$i" "$TL_FAR" "$i" 1
done
X=(/dev/mapper/tl-x0 /dev/mapper/tl-x1 /dev/mapper/tl-x2 /dev/mapper/tl-x3)
modprobe dm-raid || die "cannot load the mainline dm-raid"

# members N [META]: "N - d0 - d1 ..."; with META, "N x0 d0 x1 d1 ...".
members() {
	local i out=$1
	for ((i = 0; i < $1; i++)); do
		if [ -n "${2:-}" ]; then out+=" ${X[$i]} ${D[$i]}"; else out+=" - ${D[$i]}"; fi
	done
	echo "$out"
}

# table_of NAME: the table of NAME without "<start> <length>".
table_of() { dmsetup table "$1" | cut -d' ' -f3-; }

# raid_table TARGET LEN TYPE CHUNK NDEVS [PARAMS...]: a table line; the
# mainline target with metadata devices when TARGET is "raid meta".
raid_table() {
	local params=("${@:6}") meta=
	[ "$1" = "raid meta" ] && meta=yes
	echo "0 $2 ${1% meta} $3 $((1 + ${#params[@]})) $4 ${params[*]} $(members "$5" $meta)"
}

# level NAME NDEVS DATA_MIB MAINLINE TYPE CHUNK [PARAMS...]
# MAINLINE: yes, the mainline target reads the data back with the same
# table; meta, it does with fresh metadata devices and nosync; no.
level() {
	local name=$1 n=$2 len=$(($3 * MiB)) mainline=$4 type=$5 chunk=$6
	local dev=/dev/mapper/tl-$name params=("${@:7}") table t1 t2 nosync=() i

	table=$(raid_table raid-p2p "$len" "$type" "$chunk" "$n" "${params[@]}")
	log "--- $name: $table"
	try "$name: create" dm_create "tl-$name" "$table" || return 0
	check "$name: write and verify all of it" tl_write_verify "$dev"
	check "$name: suspend" dmsetup suspend "tl-$name"
	check "$name: resume" dmsetup resume "tl-$name"

	t1=$(table_of "tl-$name")
	check "$name: reload TABLE status" dmsetup reload "tl-$name" --table "0 $len $t1"
	check "$name: resume reloaded" dmsetup resume "tl-$name"
	t2=$(table_of "tl-$name")
	expect_eq "$name: reloaded table is unchanged" "$t2" "$t1"
	check "$name: in sync" tl_wait_sync "tl-$name"
	# Members on dm-linear slices take no P2P pages: no CMB for resync.
	expect_eq "$name: resync provider in status" "$(tl_field "tl-$name" 11)" none
	check "$name: verify after reload" tl_verify "$dev"
	check "$name: remove" dmsetup remove "tl-$name"

	case $type in linear | raid0) ;; *) nosync=(nosync) ;; esac
	table=$(raid_table raid-p2p "$len" "$type" "$chunk" "$n" "${params[@]}" "${nosync[@]}")
	try "$name: re-create with nosync" dm_create "tl-$name" "$table" || return 0
	check "$name: in sync at once" tl_in_sync "tl-$name"
	check "$name: verify after re-create" tl_verify "$dev"
	check "$name: remove again" dmsetup remove "tl-$name"

	case $mainline in
	yes) table=$(raid_table raid "$len" "$type" "$chunk" "$n" "${params[@]}") ;;
	meta)
		for i in "${X[@]}"; do dd if=/dev/zero of="$i" bs=1M count=1 status=none; done
		table=$(raid_table "raid meta" "$len" "$type" "$chunk" "$n" "${params[@]}" nosync)
		;;
	*) return 0 ;;
	esac
	try "$name: mainline raid loads the table" dm_create "tl-$name-ml" "$table" || return 0
	check "$name: mainline raid reads the same data" tl_verify "/dev/mapper/tl-$name-ml"
	check "$name: remove mainline" dmsetup remove "tl-$name-ml"
}

S=$SLICE
level linear 4 $((4 * S)) no linear 0
level raid0 4 $((4 * S)) yes raid0 64
level raid1 2 "$S" yes raid1 0
level raid10 4 $((2 * S)) meta raid10 64
level raid10-far 4 $((2 * S)) meta raid10 64 raid10_format far
level raid4 4 $((3 * S)) yes raid4 64
level raid5 4 $((3 * S)) yes raid5_ls 64
level raid6 4 $((2 * S)) yes raid6_zr 64

# Messages, on a raid5 array made with nosync over the raid6 data left
# behind: repair makes the parity right, check finds nothing then.
dm_create tl-msg "0 $((3 * S * MiB)) raid-p2p raid5_ls 2 64 nosync $(members 4)"
check "message: repair" dmsetup message tl-msg 0 repair
check "message: repair finishes" tl_wait_sync tl-msg
check "message: check" dmsetup message tl-msg 0 check
check "message: check runs, then stops" tl_wait_sync tl-msg
expect_eq "message: no mismatches after check" "$(tl_field tl-msg 6)" 0
check "message: frozen" dmsetup message tl-msg 0 frozen
expect_eq "message: status says frozen" "$(tl_field tl-msg 5)" frozen
check "message: idle" dmsetup message tl-msg 0 idle
check "message: idle again" tl_wait_action tl-msg idle
check "message: recover (nothing to do)" dmsetup message tl-msg 0 recover
check "message: recover ends" tl_wait_sync tl-msg
check "message: an unknown one is refused" bash -c '! dmsetup message tl-msg 0 bogus 2>/dev/null'
check "message: two words are refused" bash -c '! dmsetup message tl-msg 0 check now 2>/dev/null'
dmsetup remove tl-msg

# Aliases: raid5 and raid6 are LVM's names for raid5_ls and raid6_zr.
dm_create tl-alias "0 $((2 * S * MiB)) raid-p2p raid6 2 64 nosync $(members 4)"
expect_eq "alias: raid6 is raid6_zr" "$(table_of tl-alias | cut -d' ' -f2)" raid6_zr
dmsetup remove tl-alias
finish
