#!/usr/bin/env bash
# Mainline md (mdadm) beside raid-p2p, with P2P buffers, on the same
# members in one boot, on whichever kernel the rig runs:
# - all members reach the buffer's provider (switch drives, buffer in a
#   switch drive's CMB): on 6.12 mainline md raid0/1/10 refuse P2P pages
#   (EREMOTEIO); from 7.x on they take them. raid-p2p takes them on both.
# - one member cannot reach the provider (rp-far0 on its own root port):
#   6.12 refuses as before. 7.x passes the P2P pages to that member anyway,
#   whose DMA mapping fails (EINVAL on 7.3, as on the raw drive): raid0
#   returns the error; raid1 and raid10 record bad blocks on the member
#   (or fail it) and return success from the other copy, or return EIO
#   when a read goes to it. raid-p2p bounces for that member, the data
#   verifies and every member stays in.
# Each line prints its MiB/s, so that the numbers stand side by side.
. "$(dirname "$0")/target-lib.sh"

SW0=${TL_SW[0]} SW1=${TL_SW[1]} SW2=${TL_SW[2]} SW3=${TL_SW[3]}
BUF=$(rig_bdf rp-sw2)
SIZE=4M
case "$(uname -r)" in
6.*) mainline_p2p=EREMOTEIO ;;
*) mainline_p2p=ok ;;
esac
log "kernel $(uname -r): mainline md with P2P buffers expected: $mainline_p2p"

# mainline_far LEVEL: mainline md over rp-far0 and switch drives, with a
# buffer rp-far0 cannot reach.
mainline_far() {
	local level=$1 what="md $1 (mdadm), one member unreachable" out rc deg
	if [ "$mainline_p2p" != ok ]; then
		p2p_rw "$what" /dev/md/cmp "$mainline_p2p"
		return
	fi
	out=$("$P2PIO" -d /dev/md/cmp -p "$BUF" -m rw -s "$SIZE" -b 64k 2>&1) && rc=0 || rc=$?
	deg=$(cat "/sys/block/$(basename "$(readlink -f /dev/md/cmp)")/md/degraded" 2>/dev/null) ||
		deg=- # raid0 has no redundancy to lose
	case $level in
	raid0)
		[ $rc -ne 0 ] && [[ $out == *"($RIG_UNREACHABLE_ERRNO"* ]] &&
			ok "$what: P2P I/O fails with $RIG_UNREACHABLE_ERRNO where a chunk lands on rp-far0" ||
			not_ok "$what: P2P I/O fails with $RIG_UNREACHABLE_ERRNO: rc $rc, $out"
		;;
	*)
		# The member's writes fail: the copies differ (md's check counts
		# mismatches), md records bad blocks on it or fails it, or a read
		# sent to it fails. Either way the copy on rp-far0 is not the data,
		# although the array may look whole.
		local md far_dev bb state mm
		md=$(basename "$(readlink -f /dev/md/cmp)") far_dev=$(basename "$TL_FAR")
		bb=$(wc -l <"/sys/block/$md/md/dev-$far_dev/bad_blocks")
		state=$(cat "/sys/block/$md/md/dev-$far_dev/state")
		mm=$(md_check_range "$md" $((8 * MiB)))
		if [ "$mm" != 0 ]; then
			ok "$what: the copies differ after the P2P write (check: mismatch_cnt $mm)," \
				"rp-far0: $bb bad-block ranges, state $state, degraded $deg"
		elif [ $rc -ne 0 ] && [[ $out == *"(EIO"* || $out == *"(EINVAL"* ]]; then
			ok "$what: P2P I/O fails ($(grep -o '([A-Z]*, errno [0-9]*)' <<<"$out" | head -1))," \
				"rp-far0: $bb bad-block ranges, state $state, degraded $deg"
		elif [ "$bb" -gt 0 ] || [[ $state == *faulty* ]] || [ "$deg" != 0 ]; then
			ok "$what: P2P I/O returns success, but rp-far0 did not take the data:" \
				"$bb bad-block ranges, state $state, degraded $deg"
		else
			not_ok "$what: mainline md lost nothing?: rc $rc, $bb bad-block ranges," \
				"state $state, degraded $deg, $out"
		fi
		;;
	esac
}

# md_check_range MD SECTORS: run md's check over the first SECTORS of MD;
# prints mismatch_cnt.
md_check_range() {
	local d=/sys/block/$1/md i
	echo 0 >"$d/sync_min" && echo "$2" >"$d/sync_max" && echo check >"$d/sync_action"
	for ((i = 0; i < 120; i++)); do
		[ "$(cat "$d/sync_action")" = idle ] && break
		case "$(cat "$d/sync_completed")" in "$2 /"* | none) break ;; esac
		sleep 0.5
	done
	echo idle >"$d/sync_action"
	cat "$d/mismatch_cnt"
}

# rp_healthy NAME N: raid-p2p status shows all N members alive.
rp_healthy() { [ "$(tl_field "$1" 3)" = "$(printf 'A%.0s' $(seq "$2"))" ]; }

# p2p_rw WHAT DEV EXPECT: P2P write+read+verify through DEV, or expect the
# first I/O to fail with errno EXPECT; prints the MiB/s p2pio reports.
p2p_rw() {
	local what=$1 dev=$2 want=$3 out
	if [ "$want" = ok ]; then
		out=$("$P2PIO" -d "$dev" -p "$BUF" -m rw -s "$SIZE" -b 64k 2>&1) &&
			{ ok "$what: P2P I/O verifies ($(echo "$out" | tr '\n' ' '))"; return; }
		not_ok "$what: P2P I/O verifies: $out"
	else
		out=$("$P2PIO" -d "$dev" -p "$BUF" -m rw -s "$SIZE" -b 64k -e "$want" 2>&1) &&
			{ ok "$what: P2P I/O fails with $want"; return; }
		not_ok "$what: P2P I/O fails with $want: $out"
	fi
}

# md_level LEVEL DEV...: mdadm array /dev/md/cmp over DEVs, in sync.
md_level() {
	local level=$1 chunk=(--chunk=64)
	shift
	[ "$level" = raid1 ] && chunk=()
	mdadm --create /dev/md/cmp --run --level="$level" --raid-devices=$# --assume-clean \
		--metadata=1.2 "${chunk[@]}" "$@" >/tmp/mdadm.log 2>&1
}
md_stop() { mdadm --stop /dev/md/cmp >/dev/null 2>&1; mdadm --zero-superblock "$@" >/dev/null 2>&1; }

# rp_level NAME LEVEL DEV...: a raid-p2p array over whole DEVs, without
# metadata, the size of whole 64 KiB chunks.
rp_level() {
	local name=$1 level=$2 params="2 64 nosync" per data d devs=""
	shift 2
	case "$level" in
	raid0) data=$# params="1 64" ;;
	raid1) data=1 ;;
	raid10) data=$(($# / 2)) ;;
	esac
	per=$(($(rig_sectors "$1") / 128 * 128))
	for d in "$@"; do devs+=" - $d"; done
	dm_create "$name" "0 $((per * data)) raid-p2p $level $params $#$devs"
}

modprobe md-mod
for level in raid0 raid1 raid10; do
	case $level in
	raid10) reach=("$SW0" "$SW1" "$SW2" "$SW3") far=("$SW0" "$TL_FAR" "$SW2" "$SW3") ;;
	*) reach=("$SW0" "$SW1") far=("$SW0" "$TL_FAR") ;;
	esac
	if md_level "$level" "${reach[@]}"; then
		p2p_rw "md $level (mdadm), members reachable" /dev/md/cmp "$mainline_p2p"
		check "md $level (mdadm): host-memory I/O works" \
			"$P2PIO" -d /dev/md/cmp -p host -m rw -s "$SIZE" -b 64k -q
		md_stop "${reach[@]}"
	else
		not_ok "mdadm --create $level: $(cat /tmp/mdadm.log)"
	fi
	rp_level cmp-rp "$level" "${reach[@]}"
	p2p_rw "raid-p2p $level, members reachable" /dev/mapper/cmp-rp ok
	dmsetup remove cmp-rp

	if md_level "$level" "${far[@]}"; then
		mainline_far "$level"
		md_stop "${far[@]}"
	else
		not_ok "mdadm --create $level with rp-far0: $(cat /tmp/mdadm.log)"
	fi
	rp_level cmp-rp "$level" "${far[@]}"
	p2p_rw "raid-p2p $level, one member unreachable (bounced)" /dev/mapper/cmp-rp ok
	check "raid-p2p $level keeps every member" rp_healthy cmp-rp ${#far[@]}
	dmsetup remove cmp-rp
done
finish
