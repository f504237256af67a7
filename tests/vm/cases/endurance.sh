#!/usr/bin/env bash
# Endurance: RP_ENDURANCE_CYCLES (default 50) cycles of create -> P2P and
# host I/O -> remove, over the levels in turn, on partitions of the four
# switch drives: every fourth cycle with metadata partitions (wiped
# first; raid6 never, as a new raid6 with metadata must resync), the
# others without. Each cycle writes and verifies 1 MiB from a
# CMB buffer (p2pio, the provider a different switch drive each time) and
# 1 MiB from host memory, then removes the array. At the end no device is
# left, every module unloads, and vm-run's kmemleak scan finds nothing the
# cycles allocated and lost.
. "$(dirname "$0")/../lib.sh"

CYCLES=${RP_ENDURANCE_CYCLES:-50}
PART_MIB=8
modprobe dm-raid-p2p || die "cannot load dm-raid-p2p"

declare -A P M BDF
SW=(sw0 sw1 sw2 sw3)
for d in "${SW[@]}"; do
	dev=$(rig_dev "rp-$d")
	printf 'size=%sMiB\nsize=4MiB\n' $PART_MIB | sfdisk -q "$dev" >/dev/null ||
		die "sfdisk $dev failed"
	P[$d]=${dev}p1 M[$d]=${dev}p2 BDF[$d]=$(rig_bdf "rp-$d")
	for _ in $(seq 50); do [ -b "${M[$d]}" ] && break; sleep 0.1; done
	[ -b "${M[$d]}" ] || die "no ${M[$d]}"
done
PER=$(($(blockdev --getsz "${P[sw0]}") / 128 * 128)) # whole 64 KiB chunks
DEVICES_BEFORE=$(dmsetup ls | sort)

# LEVEL:MEMBERS:DATA MEMBERS (what the length is made of)
LEVELS=(raid1:2:1 raid0:4:4 raid5_ls:4:3 raid10:4:2 linear:2:2 raid6_zr:4:2 raid4:3:2)

# cycle_table N: TABLE and META (1: with metadata partitions) of cycle N.
cycle_table() {
	local spec=${LEVELS[$1 % ${#LEVELS[@]}]} level n data params i devs=""
	IFS=: read -r level n data <<<"$spec"
	case $level in
	raid0 | linear) params="1 64" ;;
	*) params="2 64 nosync" ;;
	esac
	# A new raid6 with metadata must resync (nosync is refused for it).
	META=0
	[ "$level" != raid6_zr ] && (($1 % 4 == 0)) && META=1
	for ((i = 0; i < n; i++)); do
		if ((META)); then devs+=" ${M[${SW[i]}]}"; else devs+=" -"; fi
		devs+=" ${P[${SW[i]}]}"
	done
	TABLE="0 $((PER * data)) raid-p2p $level $params $n$devs"
}

wipe_meta() {
	local d
	for d in "${SW[@]}"; do
		dd if=/dev/zero of="${M[$d]}" bs=64k count=1 oflag=direct status=none
	done
}

failed=0 start=$(date +%s)
for ((c = 1; c <= CYCLES; c++)); do
	cycle_table "$c"
	table=$TABLE
	((META)) && wipe_meta
	prov=${SW[c % 4]}
	if ! dmsetup create ep --table "$table"; then
		not_ok "cycle $c: create: $table"
		failed=$((failed + 1))
		continue
	fi
	dmsetup mknodes ep
	"$P2PIO" -d /dev/mapper/ep -p "${BDF[$prov]}" -m rw -s 1M -b 128k -S "$c" -q ||
		{ not_ok "cycle $c: P2P I/O through $prov's CMB: $table"; failed=$((failed + 1)); }
	"$P2PIO" -d /dev/mapper/ep -p host -m rw -o 1M -s 1M -b 128k -S "$c" -q ||
		{ not_ok "cycle $c: host I/O: $table"; failed=$((failed + 1)); }
	if ! dmsetup remove --retry ep; then
		not_ok "cycle $c: remove: $table"
		failed=$((failed + 1))
		break
	fi
	((c % 25 == 0)) && log "cycle $c of $CYCLES, $(($(date +%s) - start))s"
done
expect_eq "$CYCLES cycles of create, P2P and host I/O, remove without a failure" "$failed" 0
expect_torn_down "$DEVICES_BEFORE"
finish
