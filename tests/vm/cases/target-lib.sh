# Helpers for the raid-p2p target tests (tests/vm/cases/target-*.sh), on
# top of tests/vm/lib.sh. Sourced, in the guest.
# shellcheck shell=bash
# shellcheck disable=SC2034 # the variables are for the scripts that source this
. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

modprobe dm-raid-p2p || die "cannot load dm-raid-p2p"

MiB=2048 # sectors
TL_SW=("$(rig_dev rp-sw0)" "$(rig_dev rp-sw1)" "$(rig_dev rp-sw2)" "$(rig_dev rp-sw3)")
TL_FAR=$(rig_dev rp-far0)
TL_NOCMB=$(rig_dev rp-nocmb0)
TL_LOG=/tmp/$T_NAME.fio.log

# try DESCRIPTION CMD...: check, returning CMD's status ("try ... || return").
try() {
	local what=$1
	shift
	if "$@"; then
		ok "$what"
		return 0
	fi
	not_ok "$what"
	return 1
}

# tl_slice NAME DEV START_MIB SIZE_MIB: a dm-linear slice of DEV, removed
# at exit. Members sit on slices so that tests can fail them.
tl_slice() {
	dm_create "$1" "0 $(($4 * MiB)) linear $2 $(($3 * MiB))"
}

# tl_swap NAME TABLE: replace a slice's table, in one suspend/resume.
tl_swap() {
	dmsetup suspend "$1" && dmsetup reload "$1" --table "$2" && dmsetup resume "$1"
}

# tl_fail NAME: the slice NAME fails all I/O from now on (a dead drive).
tl_fail() {
	tl_swap "$1" "0 $(blockdev --getsz "/dev/mapper/$1") error"
}

# tl_cut SLICE...: a power cut for the slices: all of them fail all I/O
# from the same moment (every one is suspended before any is swapped, so
# no I/O reaches one after another was cut). tl_uncut SLICE... gives them
# back the tables they had.
declare -A TL_CUT
tl_cut() {
	local s
	for s; do TL_CUT[$s]=$(dmsetup table "$s"); done
	for s; do dmsetup suspend "$s"; done
	for s; do
		dmsetup reload "$s" --table "0 $(blockdev --getsz "/dev/mapper/$s") error"
	done
	for s; do dmsetup resume "$s"; done
}

tl_uncut() {
	local s
	for s; do tl_swap "$s" "${TL_CUT[$s]}"; done
}

# tl_field NAME N: field N of the raid-p2p INFO status (1 = raid_type,
# 3 = health, 4 = sync ratio, 5 = sync action, 6 = mismatch count,
# 9 = events, 11 = p2p provider).
tl_field() {
	dmsetup status "$1" | awk -v f="$2" '{ print $(f + 3) }'
}

# tl_in_sync NAME: idle, and the sync ratio complete.
tl_in_sync() {
	local ratio action
	ratio=$(tl_field "$1" 4) action=$(tl_field "$1" 5)
	[ "$action" = idle ] && [ "${ratio%/*}" = "${ratio#*/}" ]
}

# tl_wait_sync NAME [SECONDS]: wait until the array is in sync.
tl_wait_sync() {
	local i
	for ((i = 0; i < ${2:-300}; i++)); do
		tl_in_sync "$1" && return 0
		sleep 1
	done
	log "$1 is not in sync after ${2:-300}s: $(dmsetup status "$1")"
	return 1
}

# tl_wait_action NAME ACTION [SECONDS]: wait until the sync action is ACTION.
tl_wait_action() {
	local i
	for ((i = 0; i < ${3:-60}; i++)); do
		[ "$(tl_field "$1" 5)" = "$2" ] && return 0
		sleep 0.5
	done
	log "$1: sync action is not $2: $(dmsetup status "$1")"
	return 1
}

# Member slices are small: the rig runs under TCG, where md I/O goes at a
# few MiB/s. RP_TARGET_SLICE_MIB makes them larger.
TL_SLICE=${RP_TARGET_SLICE_MIB:-8}

# tl_member_slices: per switch drive N, a 4 MiB metadata slice tl-mN and a
# TL_SLICE MiB data slice tl-dN after it.
tl_member_slices() {
	local i
	for i in 0 1 2 3; do
		tl_slice "tl-m$i" "${TL_SW[$i]}" 0 4
		tl_slice "tl-d$i" "${TL_SW[$i]}" 4 "$TL_SLICE"
	done
}

# The unclean-stop tests. The data pattern is the offset of each block, so
# blocks written twice hold the same bytes: whatever a cut leaves is right,
# except parity. Their raid5 has 256 KiB regions and resyncs at 256 KiB/s
# per member: a full resync takes TL_FULL seconds, the regions one MiB of
# writes dirties a second or two. The bitmap daemon runs every second, so
# that the bits a fill sets are clear again before the cut.
TL_PAT=(--name=pat --ioengine=libaio --direct=1 --iodepth=8 --bs=48k
	--verify=pattern --verify_pattern=%o --verify_fatal=1)
TL_FULL=$((4 * TL_SLICE))
TL_UNCLEAN_PARAMS="raid5_ls 9 64 region_size 512 min_recovery_rate 128"
TL_UNCLEAN_PARAMS+=" max_recovery_rate 256 daemon_sleep 1000"

# tl_check_unclean_recovery PREFIX NAME TABLE: after an unclean stop,
# TABLE brings the raid5 NAME back; it resyncs only the dirty regions, its
# data verifies and its parity checks clean. Check names start with PREFIX.
tl_check_unclean_recovery() {
	local p=$1 name=$2 before start took
	before=$(dmesg | wc -l)
	try "${p}the array comes back" dm_create "$name" "$3" || return 1
	start=$(date +%s)
	check "${p}resync" tl_wait_sync "$name" $((TL_FULL * 2))
	took=$(($(date +%s) - start))
	dmesg | tail -n +$((before + 1)) | grep -E 'md|bitmap|raid-p2p' | sed 's/^/  dmesg| /'
	check "${p}logged as not stopped cleanly" \
		bash -c "dmesg | tail -n +$((before + 1)) | grep -q 'not stopped cleanly'"
	check "${p}resync of the dirty regions only (${took}s; a full one takes ${TL_FULL}s)" \
		test "$took" -lt $((TL_FULL / 2))
	check "${p}data verifies" tl_fio "/dev/mapper/$name" "${TL_PAT[@]}" --rw=write --verify_only
	check "${p}parity check" dmsetup message "$name" 0 check
	check "${p}check done" tl_wait_sync "$name" $((TL_FULL * 3))
	expect_eq "${p}no parity mismatches" "$(tl_field "$name" 6)" 0
	dmsetup remove "$name"
}

# The fio job the tests write with: every block of the device once, in
# random order, each with a crc32c header naming its offset. 112 KiB blocks
# straddle 64 KiB chunks and leave partial stripes. The same job with
# --verify_only checks the data without writing.
TL_FIO_JOB=(--name=rp --eta=never --ioengine=libaio --direct=1 --iodepth=8 --bs=112k
	--rw=randwrite --randrepeat=1 --verify=crc32c --verify_fatal=1)

# tl_fio DEV ARGS...: run fio on DEV; show its output when it fails.
tl_fio() {
	local dev=$1
	shift
	if ! fio --filename="$dev" "$@" --output="$TL_LOG"; then
		tail -n 30 "$TL_LOG" | sed 's/^/  fio| /'
		return 1
	fi
}

# tl_write_verify DEV [FIO ARGS...]: write all of DEV, then verify it.
tl_write_verify() {
	tl_fio "$1" "${TL_FIO_JOB[@]}" --do_verify=1 "${@:2}"
}

# tl_verify DEV: verify what tl_write_verify wrote, without writing.
tl_verify() {
	tl_fio "$1" "${TL_FIO_JOB[@]}" --verify_only "${@:2}"
}

# tl_table_error TABLE: load TABLE as a new device, which must fail; print
# the ti->error that dm logged ("device-mapper: table: <dev>: <target>:
# <error> (<errno>)").
tl_table_error() {
	local before
	before=$(dmesg | wc -l)
	if dmsetup create tl-bad --table "$1" >/dev/null 2>&1; then
		dmsetup remove tl-bad >/dev/null 2>&1
		echo "ACCEPTED"
		return 0
	fi
	dmsetup remove tl-bad >/dev/null 2>&1 || true
	dmesg | tail -n +"$((before + 1))" | grep 'device-mapper: table:' | tail -n 1 |
		sed 's/^.*device-mapper: table: [^ ]*: [^ ]*: //'
}

# klog_follow: follow the kernel log into a file, for klog_drain and
# klog_said. Builtins only after this: under TCG every program started
# costs a good part of a second, and the fuzzers call these thousands of
# times.
klog_follow() {
	TL_KLOG=/tmp/$T_NAME.kmsg
	: >"$TL_KLOG"
	cat /dev/kmsg >>"$TL_KLOG" &
	on_exit "kill $!"
	exec 6<"$TL_KLOG"
	# read -t 0.01 -u 7 sleeps 10 ms: nothing is ever written to it.
	mkfifo "/tmp/$T_NAME.tick" && exec 7<>"/tmp/$T_NAME.tick"
}

# klog_drain: read the followed log to its end. SAID gets the first
# "device-mapper: table:" line read (a target's ti->error), else the last
# device-mapper line, without the record's header.
klog_drain() {
	local line
	SAID=
	while IFS= read -r -u 6 line; do
		[[ $SAID == *'device-mapper: table:'* ]] && continue
		[[ $line == *'device-mapper: '* ]] && SAID=${line#*;}
	done
	return 0
}

# klog_said: after a refused table, wait up to a second for dm's message
# (logged before the ioctl returns; the follower copies it a moment later).
# Call klog_drain before loading the table.
klog_said() {
	local k
	for ((k = 0; k < 100; k++)); do
		klog_drain
		[ -n "$SAID" ] && return 0
		read -r -t 0.01 -u 7 || true
	done
	return 1
}

# expect_refused DESCRIPTION SUBSTRING TABLE: TABLE is refused with a
# ti->error that contains SUBSTRING.
expect_refused() {
	local got
	got=$(tl_table_error "$3")
	case "$got" in
	*"$2"*) ok "$1: refused: $got" ;;
	*) not_ok "$1: wanted an error with '$2', got '$got'" ;;
	esac
}
