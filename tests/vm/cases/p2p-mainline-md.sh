#!/usr/bin/env bash
# Mainline md (mdadm) beside raid-p2p, with P2P buffers, on the same
# members in one boot, on whichever kernel the rig runs:
# - all members reach the buffer's provider (switch drives, buffer in a
#   switch drive's CMB): on 6.12 mainline md raid0/1/10 refuse P2P pages
#   (EREMOTEIO); from 7.x on they take them. raid-p2p takes them on both.
# - one member cannot reach the provider (rp-far0 on its own root port):
#   mainline md on 7.x passes the P2P pages to it anyway and the I/O fails
#   (the errno is asserted exactly); raid-p2p bounces for that member and
#   the data verifies.
# Each line prints its MiB/s, so that the numbers stand side by side.
. "$(dirname "$0")/target-lib.sh"

SW0=${TL_SW[0]} SW1=${TL_SW[1]} SW2=${TL_SW[2]} SW3=${TL_SW[3]}
BUF=$(rig_bdf rp-sw2)
SIZE=4M
case "$(uname -r)" in
6.*) mainline_p2p=EREMOTEIO far_err=EREMOTEIO ;;
*) mainline_p2p=ok far_err=${RP_MAINLINE_FAR_ERRNO:-EINVAL} ;;
esac
log "kernel $(uname -r): mainline md with P2P buffers expected: $mainline_p2p; with an unreachable member: $far_err"

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
		p2p_rw "md $level (mdadm), one member unreachable" /dev/md/cmp "$far_err"
		md_stop "${far[@]}"
	else
		not_ok "mdadm --create $level with rp-far0: $(cat /tmp/mdadm.log)"
	fi
	rp_level cmp-rp "$level" "${far[@]}"
	p2p_rw "raid-p2p $level, one member unreachable (bounced)" /dev/mapper/cmp-rp ok
	dmsetup remove cmp-rp
done
finish
