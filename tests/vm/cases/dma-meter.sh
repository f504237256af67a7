#!/usr/bin/env bash
# The DMA meter against raid-p2p's own counters (tests/vm/dma-meter-host.sh
# runs this under vm-run --dma-trace and compares). Each array is written,
# then read, 12 MiB from a P2P buffer in rp-sw0's CMB, each pass a phase of
# the trace (dma_mark); after each pass the counters, which count since a
# reset just before it, say how many bytes the drives should have moved
# through host RAM and through CMBs, written to $RP_DMA_EXPECT as
# "PHASE user=B host_ram=B cmb=B total=B" (dma-meter --check), total being
# what the members' block-layer statistics say they moved. The arrays have
# no metadata devices, so no superblock or bitmap I/O mixes in:
#   raid0   rp-sw0..3: every byte goes to one member, all peer to peer;
#   raid1   rp-sw0, rp-sw1: every byte written goes to both;
#   raid5   rp-sw0..3, full-stripe writes: whole P2P pages go to the
#           members peer to peer (parity_p2p), and the stripe cache writes
#           the parity (1/3 more) from host memory; md reads nothing, as
#           each full stripe reaches it in one bio (the members'
#           statistics say so: no counter of ours counts md's reads);
#   raid6   the same with two parity pages per two data pages;
#   bounced raid1 rp-sw0, rp-far0, rp-nocmb0: the two members that cannot
#           reach the buffer share one host copy of each write
#           (bounce_unreachable counts it once), and both DMA it;
#   bounced raid0 rp-sw0, rp-far0: rp-far0's half of every write and read
#           goes through host memory, rp-sw0's through its own CMB;
#   raid1 and raid10 rebuilds, p2p_provider auto: member 1 is rebuilt from
#           the others through a switch drive's CMB, so none of what the
#           members move goes through host memory.
. "$(dirname "$0")/../lib.sh"

[ -n "${RP_DMA_EXPECT:-}" ] || die "no RP_DMA_EXPECT: run me through tests/vm/dma-meter-host.sh"
modprobe dm-raid-p2p || die "cannot load dm-raid-p2p"

MiB=$((1024 * 1024))
USER_MIB=12
BUF="mmapshared:$(rig_p2pmem rp-sw0)/allocate"
: >"$RP_DMA_EXPECT"

rig_switch_partitions 16
for d in far0 nocmb0; do
	dev=$(rig_dev "rp-$d")
	echo "size=16MiB" | sfdisk -q "$dev" >/dev/null || die "sfdisk $dev failed"
	P[$d]=${dev}p1
	for _ in $(seq 50); do [ -b "${P[$d]}" ] && break; sleep 0.1; done
	[ -b "${P[$d]}" ] || die "no ${P[$d]}"
done

# member_bytes: bytes the members (MEMBERS) read and wrote, from their
# block-layer statistics.
member_bytes() {
	local m r w sum=0
	for m in "${MEMBERS[@]}"; do
		read -r _ _ r _ _ _ w _ <"/sys/class/block/${m##*/}/stat"
		sum=$((sum + (r + w) * 512))
	done
	echo "$sum"
}

# pass NAME RW BS: one phase: reset the counters, mark, move USER_MIB from
# the P2P buffer; sets U (user bytes), B (bytes bounced for a member), PAR
# (bytes the stripe cache copied), PIP (bytes raid4/5/6 took in place) from
# the counters, and T (bytes the members moved) from their statistics.
pass() {
	local user=user_write t0
	[ "$2" = read ] && user=user_read
	dmsetup message "$1" 0 p2p_reset_counters || die "$1: cannot reset the counters"
	t0=$(member_bytes)
	dma_mark "$1-$2"
	fio --name="$1" --filename="/dev/mapper/$1" --rw="$2" --bs="$3" --size=${USER_MIB}M \
		--ioengine=libaio --iodepth=4 --direct=1 --iomem="$BUF" --eta=never \
		--output="/tmp/$1-$2.fio" || die "$1: fio $2 failed: $(grep -m1 err= "/tmp/$1-$2.fio")"
	show_stats "$1"
	U=$(stat "$1" "$user")
	B=$(($(stat "$1" bounce_unreachable) + $(stat "$1" bounce_queue) + $(stat "$1" bounce_copy)))
	PAR=$(stat "$1" bounce_parity)
	PIP=$(stat "$1" parity_p2p)
	T=$(($(member_bytes) - t0))
	expect_eq "$1 $2: the counters saw every user byte" "$U" $((USER_MIB * MiB))
}
# expect PHASE HOST CMB
expect() { echo "$1 user=$U host_ram=$2 cmb=$3 total=$T" >>"$RP_DMA_EXPECT"; }

dma_array() { # NAME TABLE
	local f
	dm_create "$1" "$2" || die "$1: table refused"
	MEMBERS=()
	for f in $2; do [[ $f == /dev/* ]] && MEMBERS+=("$f"); done
}

# raid0: each byte to one member, by P2P (own CMB for rp-sw0's chunks).
dma_array m-raid0 "0 $((PER * 4)) raid-p2p raid0 1 128 4 - ${P[sw0]} - ${P[sw1]} - ${P[sw2]} - ${P[sw3]}"
for rw in write read; do
	pass m-raid0 $rw 256k
	expect m-raid0-$rw "$B" $((U - B))
done
dmsetup remove m-raid0

# raid1: written to both mirrors, read from one.
dma_array m-raid1 "0 $PER raid-p2p raid1 2 128 nosync 2 - ${P[sw0.2]} - ${P[sw1.2]}"
pass m-raid1 write 64k
expect m-raid1-write "$B" $((2 * U - B))
pass m-raid1 read 64k
expect m-raid1-read "$B" $((U - B))
dmsetup remove m-raid1

# raid5, full stripes (3 x 64 KiB): data peer to peer, parity from the
# stripe cache.
dma_array m-raid5 "0 $((PER * 3)) raid-p2p raid5_ls 2 128 nosync 4 - ${P[sw0]} - ${P[sw1]} - ${P[sw2]} - ${P[sw3]}"
pass m-raid5 write 192k
expect_eq "m-raid5 write: every page was taken in place" "$PIP" "$U"
expect_eq "m-raid5 write: nothing copied through the stripe cache" "$PAR" 0
expect_eq "m-raid5 write: the members moved data and parity only (4/3 of it)" "$T" $((U * 4 / 3))
expect m-raid5-write $((T - (U - PAR - B))) $((U - PAR - B))
pass m-raid5 read 192k
expect m-raid5-read $((PAR + B)) $((U - PAR - B))
dmsetup remove m-raid5

# raid6, full stripes (2 x 64 KiB): P and Q from host memory.
dma_array m-raid6 "0 $((PER * 2)) raid-p2p raid6_zr 2 128 nosync 4 - ${P[sw0]} - ${P[sw1]} - ${P[sw2]} - ${P[sw3]}"
pass m-raid6 write 128k
expect_eq "m-raid6 write: every page was taken in place" "$PIP" "$U"
expect_eq "m-raid6 write: the members moved data, P and Q only (twice it)" "$T" $((U * 2))
expect m-raid6-write $((T - (U - PAR - B))) $((U - PAR - B))
dmsetup remove m-raid6

# A raid1 with two members that cannot reach the buffer: one host copy per
# write, DMA'd by both; reads from the mirror that can.
dma_array m-bounce "0 $PER raid-p2p raid1 2 128 nosync 3 - ${P[sw0.2]} - ${P[far0]} - ${P[nocmb0]}"
pass m-bounce write 64k
expect_eq "m-bounce write: one host copy per write" "$B" "$U"
expect m-bounce-write $((2 * B)) $((3 * U - 2 * B))
pass m-bounce read 64k
expect m-bounce-read "$B" $((U - B))
dmsetup remove m-bounce

# A raid0 with a member that cannot reach the buffer: its chunks bounce,
# both ways.
dma_array m-bounce0 "0 $((PER * 2)) raid-p2p raid0 1 128 2 - ${P[sw0.2]} - ${P[far0]}"
for rw in write read; do
	pass m-bounce0 $rw 128k
	expect_eq "m-bounce0 $rw: half the bytes bounced" "$B" $((U / 2))
	expect m-bounce0-$rw "$B" $((U - B))
done
dmsetup remove m-bounce0

# rebuild NAME TABLE: a phase for the rebuild TABLE starts (its "rebuild 1"),
# until it ends; member 1 (a whole partition) is the user bytes.
rebuild() {
	local f t0
	MEMBERS=()
	for f in $2; do [[ $f == /dev/* ]] && MEMBERS+=("$f"); done
	t0=$(member_bytes)
	dma_mark "$1-rebuild"
	dm_create "$1" "$2" || die "$1: table refused"
	check "$1: rebuilt" wait_sync "$1"
	show_stats "$1"
	U=$((PER * 512))
	T=$(($(member_bytes) - t0))
	check "$1: the rebuild went through a switch drive's CMB ($(field "$1" 11))" \
		test "$(stat "$1" sync_cmb)" -ge "$U"
	expect_eq "$1: nothing resynced through host memory" "$(stat "$1" sync_host)" 0
	expect_eq "$1: the members read and wrote member 1's size each way" "$T" $((2 * U))
	expect "$1-rebuild" 0 "$T"
	dmsetup remove "$1"
}
rebuild m-rebuild1 "0 $PER raid-p2p raid1 3 128 rebuild 1 2 - ${P[sw0]} - ${P[sw1]}"
rebuild m-rebuild10 "0 $((PER * 2)) raid-p2p raid10 3 128 rebuild 1 4 - ${P[sw0.2]} - ${P[sw1.2]} - ${P[sw2.2]} - ${P[sw3.2]}"

dma_mark end
finish
