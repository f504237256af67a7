#!/usr/bin/env bash
# raid-p2p: raid1 and raid10 rebuild a replaced member through a CMB. With
# p2p_provider auto the array picks a switch drive's CMB that every member
# reaches; the recovery writes all come from it (sync_cmb = the rebuilt
# size, sync_host = 0) and the data verifies, copy for copy. With
# p2p_provider none the same rebuild goes through host memory. A provider
# that a member cannot reach is refused for resync (host memory, logged),
# and raid1 reads a P2P buffer from the mirror whose CMB it is.
. "$(dirname "$0")/../lib.sh"

modprobe dm-raid-p2p || die "cannot load dm-raid-p2p"

PART_MIB=16
LOG=/tmp/$T_NAME.fio.log
declare -A P BDF
for d in sw0 sw1 sw2 sw3 far0; do
	dev=$(rig_dev "rp-$d")
	echo "size=${PART_MIB}MiB" | sfdisk -q "$dev" >/dev/null || die "sfdisk $dev failed"
	P[$d]=${dev}p1
	BDF[$d]=$(rig_bdf "rp-$d")
	for _ in $(seq 50); do [ -b "${P[$d]}" ] && break; sleep 0.1; done
	[ -b "${P[$d]}" ] || die "no ${P[$d]}"
done
PER=$(($(blockdev --getsz "${P[sw0]}") / 128 * 128)) # whole 64 KiB chunks

sync_cmb() { field "$1" 18; }
sync_host() { field "$1" 19; }

# fill DEV / verify DEV: every block once, crc32c with the offset.
JOB=(--name=fill --ioengine=libaio --direct=1 --iodepth=8 --bs=64k --rw=write
	--verify=crc32c --verify_fatal=1 --eta=never)
fill() { fio --filename="$1" "${JOB[@]}" --do_verify=0 --output="$LOG"; }
verify() { fio --filename="$1" "${JOB[@]}" --verify_only --output="$LOG"; }

# rebuild NAME TYPE LEN PROVIDER KEEP... -- NEW: an array of the KEEP
# members, filled, then loaded with NEW in the last slot and "rebuild"
# for it, p2p_provider PROVIDER. Leaves it in sync, named NAME.
rebuild() {
	local name=$1 type=$2 len=$3 prov=$4 m devs="" n=0 keep=() new
	shift 4
	while [ "$1" != -- ]; do keep+=("$1"); shift; done
	new=$2
	for m in "${keep[@]}"; do devs+=" - ${P[$m]}"; n=$((n + 1)); done
	dm_create "$name" "0 $len raid-p2p $type 2 64 nosync $n$devs" || return 1
	fill "/dev/mapper/$name" || return 1
	dmsetup remove "$name"
	devs=${devs% - *}" - ${P[$new]}"
	dm_create "$name" "0 $len raid-p2p $type 5 64 rebuild $((n - 1)) p2p_provider $prov $n$devs" ||
		return 1
	wait_sync "$name" || return 1
	# A member that failed during the rebuild: say why.
	case $(field "$name" 3) in
	*D*) dmesg | grep -E 'nvme|md/|I/O|error|timeout' | tail -n 20 | sed 's/^/  dmesg| /' ;;
	esac
}

# rebuilt_through_cmb WHAT NAME: after a rebuild with p2p_provider auto,
# every rebuilt byte came from a switch drive's CMB, none from host
# memory, and the data and the copies verify.
rebuilt_through_cmb() {
	local what=$1 name=$2 prov
	prov=$(field "$name" 11)
	log "$name: $(dmsetup status "$name")"
	case " ${BDF[sw0]} ${BDF[sw1]} ${BDF[sw2]} ${BDF[sw3]} " in
	*" $prov "*) ok "$what auto: resync provider is a switch drive's CMB ($prov)" ;;
	*) not_ok "$what auto: resync provider $prov is not a switch drive" ;;
	esac
	expect_eq "$what auto: rebuilt bytes all through the CMB" "$(sync_cmb "$name")" $((PER * 512))
	expect_eq "$what auto: no rebuild bytes through host memory" "$(sync_host "$name")" 0
	check "$what auto: data verifies" verify "/dev/mapper/$name"
	check "$what auto: check" dmsetup message "$name" 0 check
	check "$what auto: check done" wait_sync "$name"
	expect_eq "$what auto: the copies agree" "$(field "$name" 6)" 0
	dmsetup remove "$name"
}

# rebuilt_through_host WHAT NAME: the same with p2p_provider none.
rebuilt_through_host() {
	local what=$1 name=$2
	expect_eq "$what none: provider" "$(field "$name" 11)" none
	expect_eq "$what none: no rebuild bytes through a CMB" "$(sync_cmb "$name")" 0
	expect_eq "$what none: rebuilt bytes through host memory" "$(sync_host "$name")" $((PER * 512))
	check "$what none: data verifies" verify "/dev/mapper/$name"
	dmsetup remove "$name"
}

if rebuild r1a raid1 "$PER" auto sw0 sw1 -- sw2; then
	rebuilt_through_cmb raid1 r1a
	# The rebuilt member alone holds the data.
	dm_create r1b "0 $PER raid-p2p raid1 2 64 nosync 2 - - - ${P[sw2]}"
	check "raid1 auto: the rebuilt member alone verifies" verify /dev/mapper/r1b
	dmsetup remove r1b
else
	not_ok "raid1 auto: rebuild"
fi
if rebuild r1n raid1 "$PER" none sw0 sw1 -- sw3; then
	rebuilt_through_host raid1 r1n
else
	not_ok "raid1 none: rebuild"
fi

# raid10: 3 members, 2 copies.
len=$((PER / 128 * 3 / 2 * 128))
if rebuild r10a raid10 "$len" auto sw0 sw1 sw2 -- sw3; then
	rebuilt_through_cmb raid10 r10a
else
	not_ok "raid10 auto: rebuild"
fi
if rebuild r10n raid10 "$len" none sw0 sw1 sw2 -- sw3; then
	rebuilt_through_host raid10 r10n
else
	not_ok "raid10 none: rebuild"
fi

# --- a named provider that a member cannot reach -------------------------
before=$(dmesg | wc -l)
dm_create r1f "0 $PER raid-p2p raid1 3 64 p2p_provider ${BDF[far0]} 2 - ${P[sw0]} - ${P[sw1]}"
check "unreachable provider: resync still completes" wait_sync r1f
expect_eq "unreachable provider: provider in use" "$(field r1f 11)" none
check "unreachable provider: logged why" \
	bash -c "dmesg | tail -n +$((before + 1)) | grep -q 'resync through host memory: p2p_provider ${BDF[far0]}: a member cannot reach it'"
check "unreachable provider: resync through host memory" test "$(sync_host r1f)" -gt 0
expect_eq "unreachable provider: nothing through a CMB" "$(sync_cmb r1f)" 0

# --- reads into a member's CMB come from that member ---------------------
reads() { awk '{ print $1 }' "/sys/class/block/$(basename "${P[$1]}")/stat"; }
# own_cmb_reads WHAT DEV: p2pio through sw1's CMB; sw0 serves no reads.
own_cmb_reads() {
	local r0 r1 d0 d1
	r0=$(reads sw0) r1=$(reads sw1)
	check "$1 own-CMB reads: p2pio verify" "$P2PIO" -d "$2" -p "${BDF[sw1]}" -m rw -s 2M -b 128k
	d0=$(($(reads sw0) - r0)) d1=$(($(reads sw1) - r1))
	log "$1: reads into sw1's CMB: $d0 on sw0, $d1 on sw1"
	expect_eq "$1 own-CMB reads: none from the other copy" "$d0" 0
	check "$1 own-CMB reads: all from the member whose CMB it is" test "$d1" -gt 0
}
own_cmb_reads raid1 /dev/mapper/r1f
dmsetup remove r1f
dm_create r10r "0 $PER raid-p2p raid10 2 64 nosync 2 - ${P[sw0]} - ${P[sw1]}"
own_cmb_reads raid10 /dev/mapper/r10r
dmsetup remove r10r
finish
