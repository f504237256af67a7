# Helpers for scripts that run inside the rig guest (tests, demo, benches).
# shellcheck shell=bash
set -euo pipefail

RP_TOP=${RP_TOP:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
RP_BUILD=${RP_BUILD:-$RP_TOP/build}
P2PIO=${P2PIO:-$RP_BUILD/tests/p2pio}
T_NAME=${T_NAME:-$(basename "$0" .sh)}
T_FAILS=0

[ "${RP_IN_VM:-}" = 1 ] || { echo "$T_NAME: run me in the rig: tests/vm/vm-run -- $0" >&2; exit 126; }

log() { printf '%s: %s\n' "$T_NAME" "$*"; }
die() { printf '%s: FAIL: %s\n' "$T_NAME" "$*" >&2; exit 1; }
ok() { printf 'ok - %s\n' "$*"; }
not_ok() { printf 'not ok - %s\n' "$*"; T_FAILS=$((T_FAILS + 1)); }

# check DESCRIPTION CMD...: run CMD; record ok/not ok (the test goes on).
check() {
	local what=$1; shift
	if "$@"; then ok "$what"; else not_ok "$what"; fi
}
# expect_eq DESCRIPTION GOT WANT
expect_eq() {
	if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1 (got '$2', want '$3')"; fi
}
finish() {
	[ "$T_FAILS" -eq 0 ] || die "$T_FAILS check(s) failed"
	log "all checks passed"
}

# --- the rig's devices, found by the serial numbers vm-run gives them -------
# rig_ctrl SERIAL: nvmeN controller name
# Builtins only: every program started costs about half a second under TCG.
rig_ctrl() {
	local c s
	for c in /sys/class/nvme/nvme*; do
		read -r s <"$c/serial"
		[ "$s" = "$1" ] && { echo "${c##*/}"; return 0; }
	done
	die "no NVMe controller with serial $1"
}
# rig_dev SERIAL: the namespace's block device. Usually nvmeXn1; a drive
# back from a hot-remove while its old namespace is still open (a member
# of a live table) joins the old subsystem and gets the next namespace
# instance, nvmeXn2.
rig_dev() {
	local c n
	c=$(rig_ctrl "$1")
	for n in "/sys/class/nvme/$c/${c}n"*; do
		[ -e "$n" ] && { echo "/dev/${n##*/}"; return 0; }
	done
	echo "/dev/${c}n1"
}
# rig_ns SERIAL NSID: the block device of namespace NSID of the drive (the
# topologies with several namespaces per drive, such as switch4ns).
rig_ns() {
	local c n id
	c=$(rig_ctrl "$1")
	for n in "/sys/class/nvme/$c/${c}n"*; do
		[ -e "$n/nsid" ] || continue
		read -r id <"$n/nsid"
		[ "$id" = "$2" ] && { echo "/dev/${n##*/}"; return 0; }
	done
	die "no namespace $2 on $1"
}
# rig_switch_partitions MIB: two partitions of MIB MiB on each switch drive;
# sets P[swN] (the first), P[swN.2] (the second) and PER, a partition's
# sectors in whole 64 KiB chunks.
rig_switch_partitions() {
	local d dev
	declare -gA P
	for d in sw0 sw1 sw2 sw3; do
		dev=$(rig_dev "rp-$d")
		printf 'size=%sMiB\nsize=%sMiB\n' "$1" "$1" | sfdisk -q "$dev" >/dev/null ||
			die "sfdisk $dev failed"
		P[$d]=${dev}p1 P[$d.2]=${dev}p2
		for _ in $(seq 50); do [ -b "${P[$d.2]}" ] && break; sleep 0.1; done
		[ -b "${P[$d.2]}" ] || die "no ${P[$d.2]}"
	done
	PER=$(($(blockdev --getsz "${P[sw0]}") / 128 * 128))
}
# rig_suite_arrays PREFIX MIB: the two arrays the external suites run on,
# over rig_switch_partitions MIB: PREFIX-r5, a raid5 of the four first
# partitions, and PREFIX-r1, a raid1 of the second partitions of rp-sw0
# and rp-sw1; both nosync, removed when the test exits.
rig_suite_arrays() {
	rig_switch_partitions "$2"
	dm_create "$1-r5" "0 $((PER * 3)) raid-p2p raid5_ls 2 64 nosync 4 - ${P[sw0]} - ${P[sw1]} - ${P[sw2]} - ${P[sw3]}" ||
		die "raid5 table refused"
	dm_create "$1-r1" "0 $PER raid-p2p raid1 2 64 nosync 2 - ${P[sw0.2]} - ${P[sw1.2]}" ||
		die "raid1 table refused"
}
# rig_udev_start / rig_udev_stop: systemd-udevd for an external suite
# that expects a udev-managed /dev (the guest runs no udev of its own):
# blktests' dm-dust test writes to the device's /dev/mapper node, and
# fstests waits for dm devices' nodes with `udevadm wait`, for ever
# without udev. Stop it again before removing arrays made before it
# started: dmsetup would wait on udev for them. Afterwards dmsetup
# manages the nodes itself (DM_DISABLE_UDEV).
rig_udev_start() {
	/lib/systemd/systemd-udevd --daemon || die "cannot start systemd-udevd"
	udevadm trigger --action=add && udevadm settle --timeout=60 || die "udev did not settle"
}
rig_udev_stop() {
	udevadm settle --timeout=60 || true
	udevadm control --exit || die "cannot stop systemd-udevd"
	export DM_DISABLE_UDEV=1
}
rig_bdf() { (cd -P "/sys/class/nvme/$(rig_ctrl "$1")/device" && echo "${PWD##*/}"); }
rig_p2pmem() { echo "/sys/bus/pci/devices/$(rig_bdf "$1")/p2pmem"; }
rig_sectors() { blockdev --getsz "$1"; }

# The errno of P2P I/O on a raw drive that cannot reach the buffer's
# provider: the NVMe driver's DMA mapping fails with EREMOTEIO on 6.12 and
# with EINVAL (BLK_STS_INVAL) from 7.x on.
case "$(uname -r)" in
6.*) RIG_UNREACHABLE_ERRNO=EREMOTEIO ;;
*) RIG_UNREACHABLE_ERRNO=EINVAL ;;
esac
export RIG_UNREACHABLE_ERRNO

# fio_pattern NAME MODE [SEED]: write and verify (MODE write) or only verify
# (MODE verify) the whole of /dev/mapper/NAME with fio's crc32c pattern for
# SEED (default 1234), which a later boot can check again.
fio_pattern() {
	local extra=()
	[ "$2" = verify ] && extra=(--verify_only)
	fio --name="$1" --filename="/dev/mapper/$1" --rw=write --bs=64k --direct=1 \
		--ioengine=psync --verify=crc32c --verify_fatal=1 --do_verify=1 \
		--randseed="${3:-1234}" "${extra[@]}" --output="/tmp/$1.fio" >/dev/null 2>&1
}

# --- raid-p2p status ---------------------------------------------------------
# field NAME N: field N of a raid-p2p array's INFO status (1 = raid_type,
# 3 = health characters, 4 = sync ratio, 5 = sync action, 6 = mismatches).
field() { dmsetup status "$1" | awk -v f="$2" '{ print $(f + 3) }'; }
# in_sync NAME: idle, and the sync ratio complete.
in_sync() {
	local r
	r=$(field "$1" 4)
	[ "$(field "$1" 5)" = idle ] && [ "${r%/*}" = "${r#*/}" ]
}
# wait_sync NAME: wait (up to 600 s) until the array is in sync.
wait_sync() {
	local i
	for ((i = 0; i < 600; i++)); do
		in_sync "$1" && return 0
		sleep 1
	done
	log "$1 not in sync: $(dmsetup status "$1")"
	return 1
}

# stat NAME COUNTER: a P2P byte counter of the INFO status, by name (the
# counters follow the provider, field 11; man dm-raid-p2p(7), STATUS).
STATS=(user_read user_write bounce_unreachable bounce_queue bounce_parity bounce_copy
	sync_cmb sync_host bounce_refused parity_p2p)
stat() {
	local i
	for i in "${!STATS[@]}"; do
		[ "${STATS[i]}" = "$2" ] && { field "$1" $((12 + i)); return; }
	done
	die "no counter $2"
}
# show_stats NAME: log the health and every P2P counter.
show_stats() {
	local s out=""
	for s in "${STATS[@]}"; do out+=" $s=$(stat "$1" "$s")"; done
	log "$1: health $(field "$1" 3)$out"
}

# --- device-mapper and md clean-up ----------------------------------------
T_CLEANUP=()
# expect_torn_down DEVICES: no device-mapper device is left but DEVICES
# ("dmsetup ls | sort" taken before the test made any), and every module
# of ours unloads: nothing holds a reference it should have dropped.
expect_torn_down() {
	local m
	expect_eq "no device left" "$(dmsetup ls | sort)" "$1"
	for m in dm_raid_p2p raid456_p2p raid10_p2p raid1_p2p raid0_p2p linear_p2p md_p2p; do
		[ -d "/sys/module/$m" ] || continue
		check "$m unloads (refcount $(cat "/sys/module/$m/refcnt"))" rmmod "$m"
	done
}

on_exit() { T_CLEANUP=("$*" "${T_CLEANUP[@]}"); }
run_cleanup() {
	local c
	for c in "${T_CLEANUP[@]}"; do eval "$c" >/dev/null 2>&1 || true; done
}
trap run_cleanup EXIT

# dm_create NAME TABLE: create a mapped device and its /dev/mapper node (the
# guest has no udev), removed again when the test exits.
dm_create() {
	dmsetup create "$1" --table "$2" || return 1
	on_exit "dmsetup remove --retry $1"
	dmsetup mknodes "$1"
	[ -b "/dev/mapper/$1" ] || die "no /dev/mapper/$1 after mknodes"
}

# power_cut: cut the guest's power now, as a power failure would: no
# shutdown, no flush (vm-run --power-cut kills QEMU when it sees the
# request). Whatever runs in the background keeps running until then.
power_cut() {
	[ -n "${RP_CTL:-}" ] || die "power_cut: no control share (RP_CTL)"
	: >"$RP_CTL/power-cut"
	sleep 60
	die "the power was not cut within 60 s: was vm-run given --power-cut?"
}

# --- the DMA meter (vm-run --dma-trace; tests/vm/dma-meter) -----------------
# dma_mark NAME: start the phase NAME of the DMA trace. It records the NVMe
# drives' BARs ("bar BDF INDEX START END", INDEX 2 being the CMB of QEMU's
# NVMe) and "mark N NAME" in $RP_CTL/dma-guest, then sends Get Features
# (Number of Queues, a feature the kernel never gets) with CDW11 0x52500000
# + N to a drive, which QEMU's pci_nvme_getfeat event logs in the trace:
# the trace, not the guest's clock, says where a phase begins. Call it when
# the previous phase's I/O has completed.
DMA_MARKS=0
dma_mark() {
	[ "${RP_DMA_TRACE:-}" = 1 ] || die "dma_mark: no DMA trace (vm-run --dma-trace)"
	local d bdf i start end ctrl=
	DMA_MARKS=$((DMA_MARKS + 1))
	for d in /sys/class/nvme/nvme*; do
		[ -e "$d/device/resource" ] || continue
		bdf=$(cd -P "$d/device" && echo "${PWD##*/}")
		i=0
		while read -r start end _; do
			[ "$start" != 0x0000000000000000 ] &&
				echo "bar $bdf $i $start $end" >>"$RP_CTL/dma-guest"
			i=$((i + 1))
		done <"$d/device/resource"
		[ -n "$ctrl" ] || ctrl=/dev/${d##*/}
	done
	[ -n "$ctrl" ] || die "dma_mark: no NVMe controller"
	echo "mark $DMA_MARKS $1" >>"$RP_CTL/dma-guest"
	nvme get-feature "$ctrl" --feature-id=7 --cdw11=$((0x52500000 + DMA_MARKS)) >/dev/null ||
		die "dma_mark: Get Features on $ctrl failed"
}
