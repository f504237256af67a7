#!/usr/bin/env bash
# Superblock and bitmap fuzzing: RP_SBFUZZ_CASES (default 100) corruptions
# of the metadata devices of a stopped array, spread over raid1 (2
# members), raid5, raid6 and raid10 (4 members), RP_SBFUZZ_SEED picking the
# sequence. Each array is made with metadata devices, filled with a
# pattern, stopped cleanly and its metadata saved. Then, per case, one
# member's metadata is corrupted (tests/sbmut: random bytes, bit flips,
# one or two fields at an edge with a valid checksum, a field of md's
# bitmap header, a blank superblock) or one member's metadata or data
# device is cut short, and:
#   - p2praid-tool examine of that member exits cleanly, and when it
#     refuses, its message names the device;
#   - the array's table is loaded: refused with a device-mapper message
#     that names the member, or the array comes up and every byte of the
#     pattern reads back (a member taken out or being rebuilt is fine,
#     wrong data is not), p2praid-tool status reports it, and it is
#     removed.
# Then the saved metadata is put back. At the end no device is left and
# every module unloads; vm-run fails the run on any kernel warning or leak.
. "$(dirname "$0")/target-lib.sh"

CASES=${RP_SBFUZZ_CASES:-100}
SEED=${RP_SBFUZZ_SEED:-1}
TOOL=$RP_BUILD/tools/p2praid-tool
SBMUT=$RP_BUILD/tests/sbmut
S=$TL_SLICE
L=$((S * MiB))

tl_member_slices
M=(/dev/mapper/tl-m0 /dev/mapper/tl-m1 /dev/mapper/tl-m2 /dev/mapper/tl-m3)
D=(/dev/mapper/tl-d0 /dev/mapper/tl-d1 /dev/mapper/tl-d2 /dev/mapper/tl-d3)
DEVICES_BEFORE=$(dmsetup ls | sort)
klog_follow
SAVE=/tmp/$T_NAME.meta
mkdir -p "$SAVE"

# members N: "N m0 d0 m1 d1 ...".
members() {
	local i out=$1
	for ((i = 0; i < $1; i++)); do out+=" ${M[$i]} ${D[$i]}"; done
	echo "$out"
}

# Per level: "NAME|MEMBERS|TABLE".
LEVELS=(
	"raid1|2|0 $L raid-p2p raid1 1 0 $(members 2)"
	"raid5|4|0 $((3 * L)) raid-p2p raid5_ls 3 64 region_size 1024 $(members 4)"
	"raid6|4|0 $((2 * L)) raid-p2p raid6_zr 1 64 $(members 4)"
	"raid10|4|0 $((2 * L)) raid-p2p raid10 3 64 region_size 2048 $(members 4)"
)

save_meta() { # N
	local i
	for ((i = 0; i < $1; i++)); do
		dd if="${M[$i]}" of="$SAVE/$i" bs=64k count=1 iflag=direct status=none || return 1
	done
}
restore_meta() { # FIRST LAST
	local i
	for ((i = $1; i <= $2; i++)); do
		dd if="$SAVE/$i" of="${M[$i]}" bs=64k count=1 oflag=direct status=none || return 1
	done
}

# prepare NAME N TABLE: a fresh array, in sync, filled with the pattern
# (seed 11), stopped cleanly; its metadata saved.
prepare() {
	local i
	for ((i = 0; i < $2; i++)); do
		dd if=/dev/zero of="${M[$i]}" bs=1M count=1 oflag=direct status=none
	done
	dmsetup create sf --table "$3" || return 1
	dmsetup mknodes sf
	local st=0
	if ! wait_sync sf ||
		! "$P2PIO" -d /dev/mapper/sf -p host -m write -s $((ARRAY * 512)) -b 1M -S 11 -q ||
		! wait_sync sf; then
		st=1
	fi
	dmsetup remove --retry sf || return 1
	((st == 0)) && save_meta "$2"
}

# cut_short MEMBER: its metadata or data slice loses its tail (or most of
# it); cut_restore puts the slice back.
CUT=
cut_short() {
	local m=$1 which len
	if ((RANDOM % 2)); then
		which=tl-m$m len=$(( (RANDOM % 3 == 0) ? 1 : (RANDOM % 3 == 1) ? 8 : 4 * MiB - 8 ))
		tl_swap "$which" "0 $len linear ${TL_SW[$m]} 0"
	else
		which=tl-d$m len=$((S * MiB - 128 * (1 + RANDOM % 4)))
		tl_swap "$which" "0 $len linear ${TL_SW[$m]} $((4 * MiB))"
	fi
	CUT=$which
	WHAT="$which cut to $len sectors"
}
cut_restore() {
	case $CUT in
	tl-m*) tl_swap "$CUT" "0 $((4 * MiB)) linear ${TL_SW[${CUT#tl-m}]} 0" ;;
	tl-d*) tl_swap "$CUT" "0 $((S * MiB)) linear ${TL_SW[${CUT#tl-d}]} $((4 * MiB))" ;;
	esac
	CUT=
}

RANDOM=$SEED
per=$(((CASES + ${#LEVELS[@]} - 1) / ${#LEVELS[@]}))
done_cases=0 accepted=0 refused=0 silent=0 unnamed=0 baddata=0 tool_crash=0 tool_unnamed=0
for spec in "${LEVELS[@]}"; do
	IFS='|' read -r name n table <<<"$spec"
	read -r _ ARRAY _ <<<"$table"
	try "$name: a fresh array, filled and stopped" prepare "$name" "$n" "$table" || continue
	for ((k = 1; k <= per && done_cases < CASES; k++)); do
		done_cases=$((done_cases + 1))
		m=$((RANDOM % n)) seed=$((SEED * 100000 + done_cases))
		if ((RANDOM % 12 == 0)); then
			cut_short "$m"
		else
			WHAT=$("$SBMUT" "${M[$m]}" "$seed") || die "sbmut ${M[$m]} failed"
		fi
		what="$name case $done_cases, member $m: $WHAT"

		# The tool reads it without crashing, and names the device if it refuses.
		out=$("$TOOL" examine "${M[$m]}" 2>&1) && rc=0 || rc=$?
		if ((rc >= 128)); then
			tool_crash=$((tool_crash + 1))
			not_ok "$what: p2praid-tool examine died (status $rc)"
		elif ((rc != 0)) && [[ $out != *"${M[$m]}"* ]]; then
			tool_unnamed=$((tool_unnamed + 1))
			not_ok "$what: examine refuses without naming ${M[$m]}: $out"
		fi

		klog_drain
		if dmsetup create sf --table "$table" >/dev/null 2>&1; then
			accepted=$((accepted + 1)) bad=0
			dmsetup mknodes sf
			if ! "$P2PIO" -d /dev/mapper/sf -p host -m read -s $((ARRAY * 512)) -b 1M -S 11 -q; then
				baddata=$((baddata + 1)) bad=1
				not_ok "$what: loaded, and the data does not read back: $(dmsetup status sf)"
			fi
			out=$("$TOOL" status sf 2>&1) && rc=0 || rc=$?
			((rc >= 128)) && { tool_crash=$((tool_crash + 1)); not_ok "$what: status died: $out"; }
			[ -n "${RP_SBFUZZ_VERBOSE:-}" ] && log "$what: loaded: $(dmsetup status sf)"
			dmsetup remove --retry sf >/dev/null || die "$what: cannot remove the array"
			[ -n "$CUT" ] && cut_restore
			restore_meta 0 $((n - 1)) || die "cannot restore the metadata"
			if ((bad)); then
				try "$name: the array made again" prepare "$name" "$n" "$table" || break
			fi
			continue
		fi
		refused=$((refused + 1))
		if ! klog_said; then
			silent=$((silent + 1))
			not_ok "$what: refused without a kernel message"
		elif [[ $SAID != *"Member "* && $SAID != *"${M[$m]}"* && $SAID != *"${D[$m]}"* ]]; then
			unnamed=$((unnamed + 1))
			not_ok "$what: refused, not naming the member: $SAID"
		elif [ -n "${RP_SBFUZZ_VERBOSE:-}" ]; then
			log "$what: refused: $SAID"
		fi
		[ -n "$CUT" ] && cut_restore
		restore_meta "$m" "$m" || die "cannot restore the metadata"
	done
done
log "$done_cases cases: accepted $accepted, refused $refused"
expect_eq "cases run" "$done_cases" "$CASES"
expect_eq "loaded with wrong data" "$baddata" 0
expect_eq "refused without a message" "$silent" 0
expect_eq "refused without naming the member" "$unnamed" 0
expect_eq "p2praid-tool died" "$tool_crash" 0
expect_eq "p2praid-tool refused without naming the device" "$tool_unnamed" 0
expect_torn_down "$DEVICES_BEFORE"
finish
