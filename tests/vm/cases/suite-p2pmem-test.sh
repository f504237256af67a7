#!/usr/bin/env bash
# p2pmem-test (upstream, unmodified; tests/suites/suites.pin) copies between
# two raid-p2p arrays through a buffer in a switch drive's CMB: a raid1 on
# rp-sw0/rp-sw1 and a raid5 on rp-sw2/rp-sw3/rp-sw0, first raid1 -> raid5,
# then raid5 -> raid1, SIZE_MIB each, with --check (it writes random data
# to the source from host memory, copies it chunk by chunk with O_DIRECT
# pread/pwrite through the mmap of rp-sw0's p2pmem/allocate, reads the
# destination back and compares checksums).
#
# Each copy shows: p2pmem-test exits 0, its buffer is the p2pmem mapping,
# and it reports MATCH; the source counted exactly SIZE_MIB of user P2P
# reads and the destination exactly SIZE_MIB of user P2P writes (the copy
# really went through the CMB into raid-p2p); nothing bounced for
# reachability (all members reach rp-sw0), and nothing at all on raid1;
# and the destination equals the source byte for byte (a stronger check
# than p2pmem-test's XOR checksum).
#
# Run by tests/suites/suite-host.sh, which builds the suite on the host.
# Suites: p2pmem-test
. "$(dirname "$0")/../lib.sh"

TOOL=${RP_SUITE_P2PMEM_TEST:?run me through tests/suites/suite-host.sh}/p2pmem-test
modprobe dm-raid-p2p || die "cannot load dm-raid-p2p"

MiB=$((1024 * 1024))
PART_MIB=16
SIZE_MIB=4
CHUNK=65536
BUF=$(rig_p2pmem rp-sw0)/allocate
before=$(dmsetup ls | sort)

rig_switch_partitions $PART_MIB

dm_create pt-r1 "0 $PER raid-p2p raid1 2 64 nosync 2 - ${P[sw0]} - ${P[sw1]}" ||
	die "raid1 table refused"
dm_create pt-r5 "0 $((PER * 2)) raid-p2p raid5_ls 2 64 nosync 3 - ${P[sw2]} - ${P[sw3]} - ${P[sw0.2]}" ||
	die "raid5 table refused"

# same SRC DST: the first SIZE_MIB of both, read with O_DIRECT, are equal.
same() {
	cmp -s <(dd if="/dev/mapper/$1" bs=1M count=$SIZE_MIB iflag=direct status=none) \
		<(dd if="/dev/mapper/$2" bs=1M count=$SIZE_MIB iflag=direct status=none)
}

# copy SRC DST SEED: one p2pmem-test run and its checks.
copy() {
	local src=$1 dst=$2 seed=$3 p="$1 -> $2: " out=/tmp/p2pmem-test.$1.out rc b
	dmsetup message "$src" 0 p2p_reset_counters
	dmsetup message "$dst" 0 p2p_reset_counters
	"$TOOL" "/dev/mapper/$src" "/dev/mapper/$dst" "$BUF" --check --seed "$seed" \
		-s $CHUNK -c $((SIZE_MIB * MiB / CHUNK)) >"$out" 2>&1 && rc=0 || rc=$?
	sed 's/^/  p2pmem-test| /' "$out"
	cp "$out" "$RP_SUITE_RESULTS/" 2>/dev/null
	expect_eq "${p}p2pmem-test exits 0" "$rc" 0
	check "${p}the buffer is the p2pmem mapping" grep -q 'buffer = .*(p2pmem)' "$out"
	check "${p}p2pmem-test reports MATCH on data check" grep -q '^MATCH on data check' "$out"
	show_stats "$src"
	show_stats "$dst"
	expect_eq "${p}source: user P2P reads = the copy" "$(stat "$src" user_read)" $((SIZE_MIB * MiB))
	expect_eq "${p}destination: user P2P writes = the copy" "$(stat "$dst" user_write)" $((SIZE_MIB * MiB))
	for a in "$src" "$dst"; do
		b=$(($(stat "$a" bounce_unreachable) + $(stat "$a" bounce_queue)))
		expect_eq "${p}$a: nothing bounced for reachability" "$b" 0
	done
	b=$(($(stat pt-r1 bounce_parity) + $(stat pt-r1 bounce_copy)))
	expect_eq "${p}pt-r1: nothing bounced at all on raid1" "$b" 0
	check "${p}the destination equals the source (O_DIRECT compare)" same "$src" "$dst"
}

# Without the copy the destinations would differ from their sources: both
# arrays start zeroed, and the second copy's source gets other data (seed).
copy pt-r1 pt-r5 1
copy pt-r5 pt-r1 2

dmsetup remove pt-r1 && dmsetup remove pt-r5
expect_torn_down "$before"
finish
