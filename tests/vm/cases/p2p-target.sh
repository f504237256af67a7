#!/usr/bin/env bash
# raid-p2p's P2PDMA bio path. For every level, fio writes and verifies
# through a P2P buffer (--iomem=mmapshared on a CMB's p2pmem/allocate),
# once in a member's CMB and once in the CMB of a switch drive that is not
# a member; p2pio checks O_DIRECT reads and writes byte for byte; the
# counters in INFO status show the path: nothing bounced on linear, raid0,
# raid1, raid10 and raid4/5/6 (whose writes take whole P2P pages in place:
# parity_p2p), and the user counters equal what fio moved. The same fio job fails with
# EREMOTEIO on the mainline dm raid target. Then the cases that must
# bounce: a provider the members cannot reach, a member on another root
# port, a member whose queue takes no P2P pages (dm-linear under it); the
# advertising across suspend/resume and a table reload, also while the new
# table does its superblock I/O; no P2P for a table with other targets;
# and no merging of bios that carry a member's own CMB.
. "$(dirname "$0")/../lib.sh"

modprobe dm-raid-p2p || die "cannot load dm-raid-p2p"
modprobe dm-raid || die "cannot load dm-raid"

MiB=$((1024 * 1024))
PART_MIB=16 # members: a partition of this size on each drive
SIZE_MIB=4  # what fio and p2pio move per run
LOG=/tmp/$T_NAME.fio.log

# Members are partitions: they share the drive's queue, so they take P2P
# pages as the drive does, and they keep the arrays small. Per drive a data
# partition and a 4 MiB metadata partition (M).
declare -A P M
for d in sw0 sw1 sw2 sw3 far0; do
	dev=$(rig_dev "rp-$d")
	printf 'size=%sMiB\nsize=4MiB\n' $PART_MIB | sfdisk -q "$dev" >/dev/null ||
		die "sfdisk $dev failed"
	P[$d]=${dev}p1 M[$d]=${dev}p2
	for _ in $(seq 50); do [ -b "${M[$d]}" ] && break; sleep 0.1; done
	[ -b "${M[$d]}" ] || die "no ${M[$d]}"
done
SECT=$(blockdev --getsz "${P[sw0]}")

# p2pfio DEV PROVIDER [FIO ARGS]: fio randwrite + crc32c verify of
# SIZE_MIB through a buffer in PROVIDER's CMB.
p2pfio() {
	if ! fio --name=p2p --filename="$1" --ioengine=libaio --direct=1 --iodepth=8 \
		--bs=64k --rw=randwrite --size=${SIZE_MIB}M --randrepeat=1 \
		--verify=crc32c --verify_fatal=1 --do_verify=1 --eta=never \
		--iomem="mmapshared:$(rig_p2pmem "rp-$2")/allocate" "${@:3}" --output="$LOG"; then
		grep -E 'err=|error' "$LOG" | head -n 5 | sed 's/^/  fio| /'
		return 1
	fi
}

# within_1pct WANT GOT
within_1pct() {
	local d=$(($2 - $1))
	[ "${d#-}" -le $(($1 / 100)) ]
}

# table LEVEL NDEVS PARAMS MEMBERS...: a raid-p2p table on partitions.
table() {
	local level=$1 n=$2 params=$3 data per len m devs=""
	shift 3
	case $level in
	linear) data=$n ;;
	raid0) data=$n ;;
	raid1) data=1 ;;
	raid10) data=$((n / 2)) ;; # 2 copies; n even, or see below
	raid4 | raid5 | raid5_*) data=$((n - 1)) ;;
	raid6 | raid6_*) data=$((n - 2)) ;;
	esac
	per=$((SECT / 128 * 128)) # whole 64 KiB chunks
	len=$((per * data))
	[ "$level" = raid10 ] && [ $((n % 2)) = 1 ] && len=$((per * n / 2 / 128 * 128))
	for m in "$@"; do devs+=" - ${P[$m]}"; done
	echo "0 $len raid-p2p $level $params $n$devs"
}

# level_case NAME LEVEL MEMBERS OTHER: fio through a member's CMB and
# through OTHER's (a non-member switch drive; "" for none), p2pio, and the
# counters.
level_case() {
	local name=$1 level=$2 members=$3 other=$4 tbl bounced want=$((SIZE_MIB * MiB)) prov
	local params="2 64 nosync"
	case $level in linear | raid0) params="1 64" ;; esac
	# shellcheck disable=SC2086
	tbl=$(table "$level" "$(wc -w <<<"$members")" "$params" $members)
	if ! dm_create "$name" "$tbl"; then
		not_ok "$name: table refused: $tbl: $(dmesg | grep 'device-mapper: table' | tail -n 1)"
		return
	fi
	for prov in ${members%% *} $other; do
		dmsetup message "$name" 0 p2p_reset_counters
		check "$name: fio verify through the CMB of $prov" p2pfio "/dev/mapper/$name" "$prov"
		show_stats "$name"
		check "$name: user P2P writes = what fio wrote ($want)" within_1pct $want "$(stat "$name" user_write)"
		check "$name: user P2P reads = what fio read back ($want)" within_1pct $want "$(stat "$name" user_read)"
		case $level in
		raid4 | raid5* | raid6*)
			check "$name: whole pages written in place (parity_p2p = $want)" \
				within_1pct $want "$(stat "$name" parity_p2p)"
			bounced=$(($(stat "$name" bounce_unreachable) + $(stat "$name" bounce_queue) +
				$(stat "$name" bounce_parity)))
			expect_eq "$name: nothing bounced through host memory" "$bounced" 0
			;;
		*)
			bounced=$(($(stat "$name" bounce_unreachable) + $(stat "$name" bounce_queue) +
				$(stat "$name" bounce_parity) + $(stat "$name" bounce_copy)))
			expect_eq "$name: nothing bounced through host memory" "$bounced" 0
			;;
		esac
		check "$name: p2pio O_DIRECT write+read through the CMB of $prov" \
			"$P2PIO" -d "/dev/mapper/$name" -p "$(rig_bdf "rp-$prov")" -m rw -s 1M -b 128k -S 7
	done
	dmsetup remove "$name"
}

level_case p2p-linear linear "sw0 sw1" sw2
level_case p2p-raid0 raid0 "sw0 sw1" sw2
level_case p2p-raid1 raid1 "sw0 sw1" sw2
level_case p2p-raid10 raid10 "sw0 sw1 sw2" sw3
level_case p2p-raid4 raid4 "sw0 sw1 sw2" sw3
level_case p2p-raid5 raid5_ls "sw0 sw1 sw2" sw3
level_case p2p-raid6 raid6_zr "sw0 sw1 sw2 sw3" ""

# --- the mainline dm raid target: the same job fails with EREMOTEIO ------
dm_create base-raid1 "0 $SECT raid raid1 2 0 nosync 2 - ${P[sw0]} - ${P[sw1]}"
if p2pfio /dev/mapper/base-raid1 sw0; then
	not_ok "dm raid raid1: the P2P fio job should fail"
else
	check "dm raid raid1: the P2P fio job fails with EREMOTEIO" \
		grep -q -E 'Remote I/O error|err=121' "$LOG"
fi
check "dm raid raid1: P2P read fails with EREMOTEIO (p2pio)" \
	"$P2PIO" -d /dev/mapper/base-raid1 -p "$(rig_bdf rp-sw0)" -m read -s 1M -b 128k -e EREMOTEIO
dmsetup remove base-raid1

# --- cases that must bounce, and still verify -----------------------------
# A provider on the separate root port: no member can reach it.
dm_create p2p-far "$(table raid1 2 "2 64 nosync" sw0 sw1)"
dmsetup message p2p-far 0 p2p_reset_counters
check "far provider: fio verify" p2pfio /dev/mapper/p2p-far far0
show_stats p2p-far
check "far provider: bounced because unreachable" test "$(stat p2p-far bounce_unreachable)" -gt 0
check "far provider: p2pio verify" "$P2PIO" -d /dev/mapper/p2p-far -p "$(rig_bdf rp-far0)" -m rw -s 1M -b 128k
dmsetup remove p2p-far

# A member on the separate root port: only its share bounces.
dm_create p2p-farm "$(table raid1 2 "2 64 nosync" sw0 far0)"
dmsetup message p2p-farm 0 p2p_reset_counters
check "far member: fio verify" p2pfio /dev/mapper/p2p-farm sw1
show_stats p2p-farm
w=$(stat p2p-farm bounce_unreachable)
check "far member: its writes bounced ($w bytes, fio wrote $((SIZE_MIB * MiB)))" \
	test "$w" -ge $((SIZE_MIB * MiB))
dmsetup remove p2p-farm

# raid5 with a member on the separate root port: the whole pages it takes
# in place go peer to peer to the switch members and bounce for rp-far0.
# It resyncs first (no nosync), so that md's check can judge the parity.
dm_create p2p-r5far "$(table raid5_ls 3 "1 64" sw0 sw1 far0)"
wait_sync p2p-r5far
dmsetup message p2p-r5far 0 p2p_reset_counters
check "raid5 far member: fio verify" p2pfio /dev/mapper/p2p-r5far sw2
show_stats p2p-r5far
check "raid5 far member: pages taken in place" test "$(stat p2p-r5far parity_p2p)" -gt 0
check "raid5 far member: its data bounced" test "$(stat p2p-r5far bounce_unreachable)" -gt 0
check "raid5 far member: p2pio verify" "$P2PIO" -d /dev/mapper/p2p-r5far -p "$(rig_bdf rp-sw2)" -m rw -s 1M -b 128k -S 9
dmsetup message p2p-r5far 0 check
wait_sync p2p-r5far
expect_eq "raid5 far member: md's check finds the parity right" "$(field p2p-r5far 6)" 0
dmsetup remove p2p-r5far

# A member whose queue takes no P2P pages: a dm-linear device over sw1p1.
dm_create p2p-lin "0 $SECT linear ${P[sw1]} 0"
P[lin]=/dev/mapper/p2p-lin
dm_create p2p-q "$(table raid1 2 "2 64 nosync" sw0 lin)"
dmsetup message p2p-q 0 p2p_reset_counters
check "member without P2P queue: fio verify" p2pfio /dev/mapper/p2p-q sw2
show_stats p2p-q
check "member without P2P queue: bounced for the queue" test "$(stat p2p-q bounce_queue)" -ge $((SIZE_MIB * MiB))
expect_eq "member without P2P queue: nothing unreachable" "$(stat p2p-q bounce_unreachable)" 0
dmsetup remove p2p-q
dmsetup remove p2p-lin

# --- raid1 write-behind copies P2P data, and counts it -------------------
# Write-behind needs a bitmap, so metadata devices; sw1 is write-mostly.
dm_create p2p-wb "0 $SECT raid-p2p raid1 6 64 nosync write_mostly 1 max_write_behind 2048 \
2 ${M[sw0]} ${P[sw0]} ${M[sw1]} ${P[sw1]}"
dmsetup message p2p-wb 0 p2p_reset_counters
check "write-behind: fio verify" p2pfio /dev/mapper/p2p-wb sw2
show_stats p2p-wb
check "write-behind: copied bytes counted" test "$(stat p2p-wb bounce_copy)" -gt 0
check "write-behind: no more than fio wrote" test "$(stat p2p-wb bounce_copy)" -le $((SIZE_MIB * MiB))
expect_eq "write-behind: nothing bounced for reachability" \
	"$(($(stat p2p-wb bounce_unreachable) + $(stat p2p-wb bounce_queue)))" 0
dmsetup remove p2p-wb

# --- advertising survives suspend/resume and a table reload --------------
tbl=$(table raid0 2 "1 64" sw0 sw1)
dm_create p2p-adv "$tbl"
buf=$(rig_bdf rp-sw2)
check "advertised: P2P I/O works" "$P2PIO" -d /dev/mapper/p2p-adv -p "$buf" -m rw -s 1M -b 128k
dmsetup suspend p2p-adv && dmsetup resume p2p-adv
check "after suspend/resume: P2P I/O works" "$P2PIO" -d /dev/mapper/p2p-adv -p "$buf" -m rw -s 1M -b 128k -S 2
dmsetup suspend p2p-adv && dmsetup reload p2p-adv --table "$tbl" && dmsetup resume p2p-adv
check "after a table reload: P2P I/O works" "$P2PIO" -d /dev/mapper/p2p-adv -p "$buf" -m rw -s 1M -b 128k -S 3
check "after a table reload: data from before reads back" "$P2PIO" -d /dev/mapper/p2p-adv -p "$buf" -m read -s 1M -b 128k -S 3
dmsetup message p2p-adv 0 p2p_reset_counters
expect_eq "p2p_reset_counters zeroes the counters" "$(stat p2p-adv user_write)/$(stat p2p-adv user_read)" 0/0
check "debugfs lists the array" grep -q "user_read=" /sys/kernel/debug/dm-raid-p2p/p2p_stats
dmsetup remove p2p-adv

# --- no EREMOTEIO while a reloaded table writes its superblocks ----------
# dm drops BLK_FEAT_PCI_P2PDMA at every table swap, and a P2P O_DIRECT bio
# built while it is off fails with EREMOTEIO. The new table's first
# preresume must set it before its superblock and bitmap I/O, not after.
# The metadata devices delay every I/O by 1.5 s, so that I/O takes
# seconds; a P2P read issued meanwhile waits for the resume and succeeds.
for d in sw0 sw1; do
	dm_create "slow-$d" "0 $(blockdev --getsz "${M[$d]}") delay ${M[$d]} 0 1500"
done
per=$((SECT / 128 * 128))
tbl="0 $per raid-p2p raid1 2 64 nosync 2 /dev/mapper/slow-sw0 ${P[sw0]} /dev/mapper/slow-sw1 ${P[sw1]}"
dm_create p2p-window "$tbl"
buf=$(rig_bdf rp-sw2)
check "slow metadata: P2P write+read" "$P2PIO" -d /dev/mapper/p2p-window -p "$buf" -m rw -s 1M -b 128k -S 4
dmsetup suspend p2p-window && dmsetup reload p2p-window --table "$tbl"
dmsetup resume p2p-window &
resume_pid=$!
# Wait for the swap (no inactive table) while the device is still
# suspended (attr: Live, Inactive, suspended, read-write).
for _ in $(seq 40); do
	attr=$(dmsetup info -c --noheadings -o attr p2p-window)
	[ "${attr:1:2}" = "-s" ] && break
done
expect_eq "reload: table swapped, preresume still doing its superblock I/O" "${attr:1:2}" "-s"
check "reload: a P2P read issued during preresume succeeds (no EREMOTEIO)" \
	"$P2PIO" -d /dev/mapper/p2p-window -p "$buf" -m read -s 1M -b 128k -S 4
check "reload: resume succeeded" wait $resume_pid
dmsetup remove p2p-window
dmsetup remove slow-sw0
dmsetup remove slow-sw1

# --- a table with other targets beside raid-p2p takes no P2P buffers -----
# Only md-p2p knows which device can take which P2P pages; a linear
# segment beside raid-p2p would pass them to a drive on another root port.
# So the device does not advertise P2PDMA then: P2P O_DIRECT fails with
# EREMOTEIO in both segments, as on dm-linear, and host I/O works. With
# raid-p2p alone again, P2P I/O works.
r0=$(table raid0 2 "1 64" sw0 sw1)
len=$(awk '{ print $2 }' <<<"$r0")
printf '%s\n%s\n' "$r0" "$len $SECT linear ${P[far0]} 0" | dmsetup create p2p-mixed ||
	die "cannot create a table of raid-p2p and linear"
on_exit "dmsetup remove --retry p2p-mixed"
dmsetup mknodes p2p-mixed
buf=$(rig_bdf rp-sw2)
check "mixed table: P2P read in the raid-p2p segment fails with EREMOTEIO" \
	"$P2PIO" -d /dev/mapper/p2p-mixed -p "$buf" -m read -s 1M -b 128k -e EREMOTEIO
check "mixed table: P2P read in the linear segment fails with EREMOTEIO" \
	"$P2PIO" -d /dev/mapper/p2p-mixed -p "$buf" -m read -o $((len * 512)) -s 1M -b 128k -e EREMOTEIO
check "mixed table: host I/O in the raid-p2p segment" \
	"$P2PIO" -d /dev/mapper/p2p-mixed -p host -m rw -s 1M -b 128k -S 5
check "mixed table: host I/O in the linear segment" \
	"$P2PIO" -d /dev/mapper/p2p-mixed -p host -m rw -o $((len * 512)) -s 1M -b 128k -S 6
mm=$(dmsetup info -c --noheadings -o major,minor --separator : p2p-mixed)
check "mixed table: the kernel log says why" \
	grep -q "raid-p2p: $mm: no P2P buffers: the table has other targets" <(dmesg)
dmsetup suspend p2p-mixed && dmsetup reload p2p-mixed --table "$r0" && dmsetup resume p2p-mixed
check "raid-p2p alone again: P2P read of what host I/O wrote" \
	"$P2PIO" -d /dev/mapper/p2p-mixed -p "$buf" -m read -s 1M -b 128k -S 5
dmsetup remove p2p-mixed

# --- a member's own CMB is never merged into a multi-segment command -----
# Sequential 128 KiB writes on raid0 with 32 KiB chunks, submitted under a
# plug (iodepth_batch_submit), give each member two adjacent chunk bios
# from two pieces of the buffer. Merged, they are one 64 KiB command of two
# segments; nvme-pci sends that as an SGL whose segment list is in host
# memory, and a controller whose CMB holds the data may refuse it (QEMU's
# does: Invalid Use of Controller Memory Buffer). raid-p2p must not merge
# such bios; host-memory bios still merge.
merges() { awk '{ print $6 }' "/sys/class/block/$(basename "${P[$1]}")/stat"; }
SEQ=(--rw=write --bs=128k --iodepth=8 --iodepth_batch_submit=8)
dm_create p2p-own "$(table raid0 2 "1 64" sw0 sw1)"
m0=$(merges sw0)
check "own CMB, plugged sequential writes: fio verify" p2pfio /dev/mapper/p2p-own sw0 "${SEQ[@]}"
expect_eq "own CMB: no write merges on the member whose CMB it is" $(($(merges sw0) - m0)) 0
m0=$(merges sw0)
check "host memory, the same job: fio verify" fio --name=host --filename=/dev/mapper/p2p-own \
	--ioengine=libaio --direct=1 --size=${SIZE_MIB}M --verify=crc32c --verify_fatal=1 \
	--eta=never "${SEQ[@]}" --output="$LOG"
check "host memory: writes still merge ($(($(merges sw0) - m0)))" test $(($(merges sw0) - m0)) -gt 0
dmsetup remove p2p-own
finish
