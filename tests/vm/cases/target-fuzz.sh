#!/usr/bin/env bash
# raid-p2p table fuzzing: RP_FUZZ_TABLES (default 200) tables. A quarter
# are valid tables given one or two more parameters (a keyword and a value,
# the parameter count raised to match); half are valid tables mutated one
# to three times (a token replaced by a number at an edge, deleted,
# doubled, swapped, a keyword put in, the line cut short, a count off by
# one, a device doubled or swapped for a missing, tiny or unreachable one);
# the rest are random words from the target's vocabulary.
# Each table must either be refused with a device-mapper message in the
# kernel log, or give a device that reads and is removed. At the end no
# device is left and every module unloads (nothing holds a reference it
# should have dropped). vm-run fails the run on any kernel warning, lockdep
# or KASAN report, or leak. RP_FUZZ_SEED picks the sequence; a failure
# prints the table; RP_FUZZ_VERBOSE=1 prints every table's fate.
. "$(dirname "$0")/target-lib.sh"

ROUNDS=${RP_FUZZ_TABLES:-200}
SEED=${RP_FUZZ_SEED:-1}
S=$TL_SLICE
L=$((S * MiB))

tl_member_slices
dm_create tl-small "0 4 linear $TL_FAR 4096"
dm_create tl-far "0 $L linear $TL_FAR $((8 * MiB))"
M=(/dev/mapper/tl-m0 /dev/mapper/tl-m1 /dev/mapper/tl-m2 /dev/mapper/tl-m3)
D=(/dev/mapper/tl-d0 /dev/mapper/tl-d1 /dev/mapper/tl-d2 /dev/mapper/tl-d3)
SLICES=$(dmsetup ls | sort)

klog_follow

wipe_meta() {
	local m
	for m in "${M[@]}"; do
		dd if=/dev/zero of="$m" bs=64k count=1 oflag=direct status=none
	done
}

# members N META: "N - d0 - d1 ..." or, with META=1, "N m0 d0 m1 d1 ...".
members() {
	local i out=$1
	for ((i = 0; i < $1; i++)); do
		if [ "$2" = 1 ]; then out+=" ${M[$i]} ${D[$i]}"; else out+=" - ${D[$i]}"; fi
	done
	echo "$out"
}

# Valid tables, the seeds of the mutations: "LENGTH TYPE PARAMS... DEVICES".
BASES=(
	"$L raid1 1 0 $(members 2 0)"
	"$L raid1 2 0 nosync $(members 2 1)"
	"$L raid1 5 0 write_mostly 1 max_write_behind 256 $(members 3 1)"
	"$L raid1 3 0 p2p_provider auto $(members 2 0)"
	"$((2 * L)) raid0 1 64 $(members 2 0)"
	"$((4 * L)) linear 1 0 $(members 4 0)"
	"$((2 * L)) raid4 2 64 nosync $(members 3 0)"
	"$((3 * L)) raid5_ls 2 64 nosync $(members 4 0)"
	"$((3 * L)) raid5_la 6 64 region_size 1024 stripe_cache 256 nosync $(members 4 1)"
	"$((2 * L)) raid6_zr 1 64 $(members 4 1)"
	"$((2 * L)) raid6_nc 5 64 daemon_sleep 1000 min_recovery_rate 100 $(members 4 0)"
	"$((2 * L)) raid10 4 64 raid10_copies 2 nosync $(members 4 0)"
	"$((2 * L)) raid10 4 64 raid10_format far nosync $(members 4 1)"
	"$((2 * L)) raid10 6 64 raid10_format offset max_recovery_rate 1000 nosync $(members 4 0)"
)
# shellcheck disable=SC2034 # used through pick's nameref
NUMS=(0 1 -1 2 3 7 8 63 64 65 253 254 255 256 511 4096 65535 65536 2147483647
	2147483648 -2147483648 4294967295 4294967296 9223372036854775807
	9223372036854775808 18446744073709551615 18446744073709551616
	99999999999999999999 0x10 1e3 +1 08 -0 00000000000000000000064)
# shellcheck disable=SC2034
WORDS=(sync nosync rebuild write_mostly max_write_behind daemon_sleep
	stripe_cache region_size raid10_copies raid10_format raid10_use_near_sets
	data_offset delta_disks delta_disk journal_dev journal_mode p2p_provider
	min_recovery_rate max_recovery_rate far near offset auto none
	0000:00:00.0 0000:ff:1f.7 raid1 raid5_ls raid6_zr raid10 raid0 linear raid7
	x - -- '%s' "$(printf 'a%.0s' {1..300})")
# shellcheck disable=SC2034
TYPES=(raid1 raid5_ls raid6_zr raid10 raid0 linear raid4 raid5 raid6 raid5_rs
	raid6_nr raid10_far raid7 nosync)
# shellcheck disable=SC2034
DEVS=(- "${D[@]}" "${M[@]}" /dev/mapper/tl-small /dev/mapper/tl-far
	/dev/mapper/tl-missing /dev/null 253:9999 0:0 "${TL_SW[0]}")

RANDOM=$SEED
# pick ARRAY: a random element, in REPLY. Not in a $(...): bash reseeds
# RANDOM in subshells, and the sequence would not follow the seed.
pick() { local -n a=$1; REPLY=${a[RANDOM % ${#a[@]}]}; }

# mutate: one change to the token array TOK.
mutate() {
	local n=${#TOK[@]} i j t
	((n == 0)) && { pick WORDS; TOK=("$REPLY"); return; }
	i=$((RANDOM % n)) j=$((RANDOM % n))
	case $((RANDOM % 10)) in
	0 | 1) pick NUMS; TOK[i]=$REPLY ;;
	2) TOK=("${TOK[@]:0:i}" "${TOK[@]:i+1}") ;;
	3) TOK=("${TOK[@]:0:i}" "${TOK[i]}" "${TOK[@]:i}") ;;
	4) pick WORDS; TOK=("${TOK[@]:0:i}" "$REPLY" "${TOK[@]:i}") ;;
	5) t=${TOK[i]} TOK[i]=${TOK[j]} TOK[j]=$t ;;
	6) TOK=("${TOK[@]:0:i}") ;;
	7) # a count (any number) off by one
		for ((t = 0; t < n; t++)); do
			j=$(((i + t) % n))
			[[ ${TOK[j]} =~ ^[0-9]{1,9}$ ]] || continue
			TOK[j]=$((10#${TOK[j]} + (RANDOM % 2) * 2 - 1))
			return
		done
		;;
	8 | 9) # a device replaced, by another member's or an odd one
		for ((t = 0; t < n; t++)); do
			j=$(((i + t) % n))
			[[ ${TOK[j]} == /dev/* || ${TOK[j]} == - ]] || continue
			if ((RANDOM % 2)); then pick DEVS; TOK[j]=$REPLY; else TOK[j]=${D[RANDOM % 4]}; fi
			return
		done
		;;
	esac
}

# add_param: a keyword and its value put in after the chunk size
# (token 3 of a seed), the count (token 2) raised to match: a table that may well
# still load, with an odd mix of parameters.
# shellcheck disable=SC2034
VALS=(0 1 2 3 -1 8 64 1024 2048 4096 65536 4294967296 far near offset auto none
	0000:00:00.0 "${D[0]}" "${M[0]}")
add_param() {
	local kw=(region_size daemon_sleep stripe_cache min_recovery_rate
		max_recovery_rate max_write_behind write_mostly rebuild raid10_copies
		raid10_format data_offset delta_disks p2p_provider sync nosync
		raid10_use_near_sets journal_mode) k n0=${#TOK[@]}
	k=${kw[RANDOM % ${#kw[@]}]}
	case $k in
	sync | nosync | raid10_use_near_sets) TOK=("${TOK[@]:0:4}" "$k" "${TOK[@]:4}") ;;
	write_mostly | rebuild) TOK=("${TOK[@]:0:4}" "$k" "$((RANDOM % 5))" "${TOK[@]:4}") ;;
	*) pick VALS; TOK=("${TOK[@]:0:4}" "$k" "$REPLY" "${TOK[@]:4}") ;;
	esac
	TOK[2]=$((TOK[2] + ${#TOK[@]} - n0))
}

# random_table: words shaped like a table, to get past the head.
random_table() {
	local np=$((1 + RANDOM % 5)) nd=$((RANDOM % 6)) w
	pick TYPES
	TOK=("$((L * (1 + RANDOM % 3)))" "$REPLY" "$np")
	for ((w = 0; w < np; w++)); do pick WORDS; TOK+=("$REPLY"); done
	TOK+=("$nd")
	for ((w = 0; w < 2 * nd + RANDOM % 3 - 1; w++)); do pick DEVS; TOK+=("$REPLY"); done
}

# The seeds themselves load, or the mutations start from nothing.
for b in "${BASES[@]}"; do
	wipe_meta
	if dmsetup create tl-fz --table "0 ${b%% *} raid-p2p ${b#* }" >/dev/null 2>&1; then
		dmsetup remove --retry tl-fz >/dev/null 2>&1 || die "cannot remove a seed table: $b"
	else
		not_ok "seed table refused: 0 ${b%% *} raid-p2p ${b#* }"
	fi
done
[ "$T_FAILS" -eq 0 ] && ok "the ${#BASES[@]} seed tables load"

log "$ROUNDS tables from seed $SEED"
accepted=0 refused=0 silent=0 unreadable=0 stuck=0
for ((round = 1; round <= ROUNDS; round++)); do
	case $((RANDOM % 4)) in
	0) random_table ;;
	1)
		read -r -a TOK <<<"${BASES[RANDOM % ${#BASES[@]}]}"
		add_param
		if ((RANDOM % 2)); then add_param; fi
		;;
	*)
		read -r -a TOK <<<"${BASES[RANDOM % ${#BASES[@]}]}"
		for ((k = RANDOM % 3; k >= 0; k--)); do mutate; done
		;;
	esac
	# Tokens 0 and 1 are the length and the type: "0 LENGTH raid-p2p TYPE
	# ...". A length that is not a number never reaches the kernel
	# (dmsetup refuses it), so it stays one: a mangled one is pushed on.
	[[ ${TOK[0]:-} =~ ^[0-9]{1,18}$ ]] || TOK=("$L" "${TOK[@]}")
	table="0 ${TOK[0]} raid-p2p ${TOK[*]:1}"
	klog_drain
	if dmsetup create tl-fz --table "$table" >/dev/null 2>&1; then
		accepted=$((accepted + 1))
		[ -n "${RP_FUZZ_VERBOSE:-}" ] && log "round $round: loaded: $table"
		dmsetup mknodes tl-fz
		if ! dd if=/dev/mapper/tl-fz of=/dev/null bs=64k count=4 iflag=direct status=none; then
			unreadable=$((unreadable + 1))
			not_ok "round $round: loaded but does not read: $table"
		fi
		if ! dmsetup remove --retry tl-fz >/dev/null 2>&1; then
			stuck=$((stuck + 1))
			not_ok "round $round: loaded but cannot be removed: $table"
			break
		fi
		if ((RANDOM % 4 == 0)); then wipe_meta; fi
		continue
	fi
	refused=$((refused + 1))
	# Refused: dm said why.
	if ! klog_said; then
		silent=$((silent + 1))
		not_ok "round $round: refused without a kernel message: $table"
	elif [ -n "${RP_FUZZ_VERBOSE:-}" ] || ((round % 25 == 0)); then
		log "round $round: $SAID"
	fi
done
log "accepted $accepted, refused $refused (of $ROUNDS)"
expect_eq "every table was refused or loaded" $((accepted + refused)) "$ROUNDS"
expect_eq "refused tables without a message" "$silent" 0
expect_eq "loaded tables that did not read" "$unreadable" 0
expect_eq "loaded tables that could not be removed" "$stuck" 0

# Nothing is left behind: no device but the slices, no md array, and every
# module unloads.
expect_torn_down "$SLICES"
finish
