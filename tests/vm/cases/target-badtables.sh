#!/usr/bin/env bash
# raid-p2p stage D: malformed tables. Each is refused, and the error dm
# logs ("device-mapper: table: <dev>: raid-p2p: <ti->error>") says what is
# wrong. Then garbage superblocks, which must be refused without a kernel
# warning, oops or leak (vm-run fails the test on any of those). Random and
# mutated tables are target-fuzz.sh's.
. "$(dirname "$0")/target-lib.sh"

for i in 0 1 2 3; do
	tl_slice "tl-m$i" "${TL_SW[$i]}" 0 4
	tl_slice "tl-d$i" "${TL_SW[$i]}" 4 32
done
dm_create tl-small "0 4 linear $TL_FAR 4096"
M=(/dev/mapper/tl-m0 /dev/mapper/tl-m1 /dev/mapper/tl-m2 /dev/mapper/tl-m3)
D=(/dev/mapper/tl-d0 /dev/mapper/tl-d1 /dev/mapper/tl-d2 /dev/mapper/tl-d3)
L=$((32 * MiB))	# one member's worth
N2="2 - ${D[0]} - ${D[1]}"
N4="4 - ${D[0]} - ${D[1]} - ${D[2]} - ${D[3]}"
W4="4 ${M[0]} ${D[0]} ${M[1]} ${D[1]} ${M[2]} ${D[2]} ${M[3]} ${D[3]}"
R1="0 $L raid-p2p raid1"
R5="0 $((3 * L)) raid-p2p raid5_ls"
R10="0 $((2 * L)) raid-p2p raid10"

x() { expect_refused "$@"; }

# The head of the table.
x "no arguments" "No arguments" "0 $L raid-p2p"
x "unknown raid type" "Unknown raid type 'raid7'" "0 $L raid-p2p raid7 1 64 $N2"
x "parameter count not a number" "Invalid number of raid parameters" "$R1 x 0 $N2"
x "parameter count too large" "Invalid number of raid parameters" "$R1 99 0 $N2"
x "no chunk_size" "Missing chunk_size" "$R1 0 $N2"
x "no device count" "Missing number of raid devices" "$R1 1 0"
x "device count 0" "Invalid number of raid devices '0'" "$R1 1 0 0"
x "device count 254" "Invalid number of raid devices '254'" "$R1 1 0 254 - ${D[0]}"
x "device count not a number" "Invalid number of raid devices 'two'" "$R1 1 0 two - ${D[0]} - ${D[1]}"
x "device arguments missing" "3 raid devices need 6 arguments, found 4" "$R1 1 0 3 - ${D[0]} - ${D[1]}"
x "device arguments left over" "2 raid devices need 4 arguments, found 5" "$R1 1 0 $N2 extra"
x "raid6 with 3 members" "raid6_zr needs at least 4 members" \
	"0 $L raid-p2p raid6_zr 1 64 3 - ${D[0]} - ${D[1]} - ${D[2]}"

# chunk_size.
x "chunk_size not a number" "Invalid chunk_size 64k" "0 $((2 * L)) raid-p2p raid0 1 64k $N2"
x "chunk_size negative" "Invalid chunk_size -64" "0 $((2 * L)) raid-p2p raid0 1 -64 $N2"
x "chunk_size that overflows" "Invalid chunk_size" "0 $((2 * L)) raid-p2p raid0 1 18446744073709551680 $N2"
x "chunk_size not a power of 2" "chunk_size must be a power of 2" "0 $((2 * L)) raid-p2p raid0 1 96 $N2"
x "chunk_size too small" "chunk_size must be a power of 2, at least 8" "0 $((2 * L)) raid-p2p raid0 1 4 $N2"
x "chunk_size too large" "chunk_size is larger than" "0 $((2 * L)) raid-p2p raid0 1 4194304 $N2"

# Keywords.
x "unknown keyword" "Unknown raid parameter 'speed'" "$R1 3 0 speed 10 $N2"
x "keyword without its value" "rebuild needs a value" "$R1 2 0 rebuild $N2"
x "sync and nosync" "sync and nosync are mutually exclusive" "$R1 3 0 sync nosync $N2"
x "rebuild and nosync" "sync/nosync and rebuild are mutually exclusive" "$R1 4 0 nosync rebuild 1 $N2"
x "nosync twice" "nosync given more than once" "$R1 3 0 nosync nosync $N2"
x "rebuild index out of range" "rebuild: invalid member index 2" "$R1 3 0 rebuild 2 $N2"
x "rebuild index not a number" "rebuild: invalid member index one" "$R1 3 0 rebuild one $N2"
x "rebuild the same member twice" "rebuild 1 given more than once" "$R1 5 0 rebuild 1 rebuild 1 $N2"
x "rebuild every member" "raid1 cannot run with 2 of 2 members missing or rebuilding" \
	"$R1 5 0 rebuild 0 rebuild 1 $N2"
x "write_mostly on raid5" "write_mostly is not valid for raid5_ls" "$R5 3 64 write_mostly 1 $N4"
x "every member write_mostly" "Can't set all raid1 members write_mostly" \
	"$R1 5 0 write_mostly 0 write_mostly 1 $N2"
x "max_write_behind too large" "max_write_behind: 40000 is not a number in 0..32766" \
	"$R1 3 0 max_write_behind 40000 $N2"
x "stripe_cache on raid1" "stripe_cache is not valid for raid1" "$R1 3 0 stripe_cache 256 $N2"
x "stripe_cache too large" "stripe_cache: 40000 is not a number in 0..32768" \
	"$R5 3 64 stripe_cache 40000 $N4"
x "daemon_sleep negative" "daemon_sleep: -1 is not a number" "$R1 3 0 daemon_sleep -1 $N2"
x "recovery rates upside down" "min_recovery_rate is above max_recovery_rate" \
	"$R1 5 0 min_recovery_rate 2000 max_recovery_rate 1000 $N2"
x "region_size not a power of 2" "region_size must be a power of 2" "$R1 3 0 region_size 1000 $N2"
x "region_size below chunk_size" "region_size is smaller than chunk_size" "$R5 3 128 region_size 64 $N4"
x "region_size larger than the array" "region_size is larger than the array" \
	"$R1 3 0 region_size 1048576 $N2"
x "nosync on raid0" "nosync is not valid for raid0" "0 $((2 * L)) raid-p2p raid0 2 64 nosync $N2"
x "region_size on linear" "region_size is not valid for linear" \
	"0 $((2 * L)) raid-p2p linear 3 0 region_size 2048 $N2"
x "raid10_copies above the members" "raid10_copies 5 is more than the 4 members" \
	"$R10 3 64 raid10_copies 5 $N4"
x "raid10_copies 1" "raid10_copies: 1 is not a number in 2..253" "$R10 3 64 raid10_copies 1 $N4"
x "raid10_format unknown" "raid10_format must be near, far or offset" "$R10 3 64 raid10_format wide $N4"
x "raid10_format on raid1" "raid10_format is not valid for raid1" "$R1 3 0 raid10_format far $N2"
x "near sets with the near format" "raid10_use_near_sets needs raid10_format far or offset" \
	"$R10 2 64 raid10_use_near_sets $N4"
x "delta_disks" "delta_disks: reshaping is not supported" "$R5 3 64 delta_disks 1 $N4"
x "data_offset other than 0" "data_offset: only 0 is supported" "$R5 3 64 data_offset 2048 $N4"
x "journal_dev" "journal_dev: raid4/5/6 journals are not supported" "$R5 3 64 journal_dev ${D[3]} $N4"
x "journal_mode" "journal_mode: raid4/5/6 journals are not supported" "$R5 3 64 journal_mode writeback $N4"
x "p2p_provider not an address" "p2p_provider: expected a PCI address" "$R1 3 0 p2p_provider nvme0 $N2"
x "p2p_provider no such device" "p2p_provider: no PCI device 0000:ff:1f.7" "$R1 3 0 p2p_provider ff:1f.7 $N2"
x "p2p_provider out of range" "p2p_provider: expected a PCI address" "$R1 3 0 p2p_provider 0000:00:20.0 $N2"

# Members.
x "no such data device" "Member 1: cannot open data device /dev/nonexistent" "$R1 1 0 2 - ${D[0]} - /dev/nonexistent"
x "no such metadata device" "Member 0: cannot open metadata device /dev/nonexistent" \
	"$R1 1 0 2 /dev/nonexistent ${D[0]} ${M[1]} ${D[1]}"
x "metadata without data" "Member 1: metadata device without a data device" "$R1 1 0 2 - ${D[0]} ${M[1]} -"
x "a device twice" "Member 1: device ${D[0]} is used twice" "$R1 1 0 2 - ${D[0]} - ${D[0]}"
x "metadata device is a data device" "Member 1: device ${D[1]} is used twice" "$R1 1 0 2 ${D[1]} ${D[0]} ${M[1]} ${D[1]}"
x "some members without metadata" "Either all members or none must have a metadata device" \
	"$R1 1 0 2 ${M[0]} ${D[0]} - ${D[1]}"
x "no member at all" "No member has a data device" "$R1 1 0 2 - - - -"
x "rebuild a missing member" "rebuild 1: member 1 has no data device" "$R1 3 0 rebuild 1 2 - ${D[0]} - -"
x "raid5 missing two" "raid5_ls cannot run with 2 of 4 members missing" \
	"$R5 1 64 4 - ${D[0]} - - - - - ${D[3]}"
x "raid0 missing one" "raid0 cannot run with 1 of 2 members missing" \
	"0 $((2 * L)) raid-p2p raid0 1 64 2 - ${D[0]} - -"
x "raid10 missing a mirror pair" "raid10 cannot run with 2 of 4 members missing" \
	"$R10 1 64 4 - - - - - ${D[2]} - ${D[3]}"

# Sizes.
x "length not divisible" "Target length is not divisible by 2 data members" "0 $((2 * L + 1)) raid-p2p raid0 1 64 $N2"
x "member size not a chunk multiple" "is not a multiple of chunk_size" "0 $((2 * L - 64)) raid-p2p raid0 1 64 $N2"
x "raid10 length that does not fit" "Target length does not fit the raid10 layout" \
	"0 288 raid-p2p raid10 3 64 raid10_format far 3 - ${D[0]} - ${D[1]} - ${D[2]}"
x "data device too small" "has $L sectors, needs $((2 * L))" \
	"0 $((2 * L)) raid-p2p raid1 1 0 $N2"
x "metadata device too small" "Member 0: metadata device $(dmsetup info -c --noheadings -o major,minor --separator : tl-small) has 4 sectors" \
	"$R1 1 0 2 /dev/mapper/tl-small ${D[0]} ${M[1]} ${D[1]}"
x "new raid6 with nosync" "nosync is not allowed for a new raid6 array" \
	"0 $((2 * L)) raid-p2p raid6_zr 2 64 nosync $W4"

# Garbage superblocks: the magic, then random bytes; or the magic, version
# 1 and size 512, then random bytes. Always refused, naming the member,
# never trusted, never a crash.
for i in 0 1 2 3; do dd if=/dev/zero of="${M[$i]}" bs=1M count=1 oflag=direct status=none; done
garbage() { # MEMBER VALID_HEAD
	if [ "$2" = yes ]; then printf 'RP2P\x01\x00\x00\x00\x00\x02\x00\x00'; else printf 'RP2P'; fi
	head -c 1020 /dev/urandom
}
random_refused=0 corrupt_refused=0
for round in $(seq 1 10); do
	m=$((round % 4))
	garbage "$m" no | dd of="${M[$m]}" bs=512 count=2 oflag=direct status=none 2>/dev/null
	case "$(tl_table_error "0 $((2 * L)) raid-p2p raid6_zr 1 64 $W4")" in
	"Member $m ("*) random_refused=$((random_refused + 1)) ;;
	esac
	garbage "$m" yes | dd of="${M[$m]}" bs=512 count=2 oflag=direct status=none 2>/dev/null
	case "$(tl_table_error "0 $((2 * L)) raid-p2p raid6_zr 1 64 $W4")" in
	"Member $m ("*"corrupt superblock (bad checksum)"*) corrupt_refused=$((corrupt_refused + 1)) ;;
	esac
	dd if=/dev/zero of="${M[$m]}" bs=512 count=2 oflag=direct status=none
done
expect_eq "10 random superblocks refused" "$random_refused" 10
expect_eq "10 superblocks with a bad checksum refused as corrupt" "$corrupt_refused" 10

# Another RAID's metadata is not taken for blank: a mainline dm raid
# array's superblocks are refused until "sync" overwrites them.
modprobe dm-raid || die "cannot load the mainline dm-raid"
for i in 0 1; do dd if=/dev/zero of="${M[$i]}" bs=1M count=1 oflag=direct status=none; done
MEM2="2 ${M[0]} ${D[0]} ${M[1]} ${D[1]}"
try "a mainline raid1 with metadata" dm_create tl-ml "0 $L raid raid1 2 0 nosync $MEM2" &&
	dmsetup remove tl-ml
x "dm raid superblock" "Member 0 (" "$R1 1 0 $MEM2"
x "dm raid superblock, why" "holds the dm raid target's superblock; wipe it, or use sync" "$R1 1 0 $MEM2"
try "sync overwrites dm raid superblocks" dm_create tl-sync "$R1 2 0 sync $MEM2" &&
	dmsetup remove tl-sync

finish
