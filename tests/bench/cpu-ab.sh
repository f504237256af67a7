#!/usr/bin/env bash
# cpu-ab.sh [OUTDIR]: guest CPU per I/O of raid-p2p against the mainline dm
# raid target, on the same table and the same fio job, in alternating
# pairs in one boot (`make cpu-ab`). Runs in the rig under vm-run --icount
# (guest CPU time is then a count of instructions) without kmemleak, so
# that a difference of a few percent shows in every pair rather than in
# the spread of time-based runs.
#
# Per level and job: both arrays over the four switch drives (raid-p2p on
# partitions 1 and 2, dm raid on 3 and 4, as in the bench; host buffers),
# an unmeasured warm-up run on each, then RP_AB_PAIRS (4) pairs of runs of
# RP_AB_IOS (20000) I/Os each, raid-p2p first. Per run: the busy jiffies of
# all CPUs (/proc/stat: user, nice, system, irq, softirq, steal) per 1000 I/Os,
# and the members' I/Os (reads + writes completed on the four drives). The
# summary line per cell gives the median of each target and their ratio.
#
# fio runs with --disk_util=0. Its disk statistics, on by default, start
# by finding the device's directory in a walk of /sys/block, in the order
# sysfs lists it (by a hash of the names), through the whole tree of every
# disk listed before it: in a run of 20 one-I/O fio jobs on each of two
# raid0 arrays, the one that was dm-0 took about 14 busy jiffies (140 ms
# at icount shift 3) more per run than dm-1, whichever target it was. The
# bench is not affected: fio does that once per process, before the
# jobs' CPU snapshots.
#
# RP_AB_LEVELS (raid0 raid1 raid10 raid6), RP_AB_JOBS (randread randwrite;
# fio rw= values), RP_AB_BS (4k), RP_AB_DEPTH (32) choose the cells.
# RP_AB_PERF=1 records the first pair under perf (cpu-clock, all CPUs) and
# writes each run's report, per symbol, to OUTDIR/perf-NAME.txt; the log
# shows the share of samples in md's and the targets' functions.
# Results, one JSON line per run, in OUTDIR/cpu-ab.jsonl (OUTDIR: default
# /tmp/cpu-ab, in the guest).
. "$(dirname "$0")/../vm/lib.sh"

OUT=${1:-/tmp/cpu-ab}
LEVELS=${RP_AB_LEVELS:-raid0 raid1 raid10 raid6}
JOBS=${RP_AB_JOBS:-randread randwrite}
BS=${RP_AB_BS:-4k}
DEPTH=${RP_AB_DEPTH:-32}
IOS=${RP_AB_IOS:-20000}
PAIRS=${RP_AB_PAIRS:-4}
[ "$PAIRS" -ge 2 ] || [ "${RP_AB_PERF:-0}" = 0 ] || die "RP_AB_PERF=1 needs RP_AB_PAIRS of 2 or more"
DATA_MIB=48
mkdir -p "$OUT" || die "cannot make $OUT"
RES=$OUT/cpu-ab.jsonl
: >"$RES"

for m in dm-raid-p2p dm-raid md-mod raid0 raid1 raid10 raid456; do
	modprobe "$m" || die "cannot load $m"
done
declare -A DEV
DRIVES="sw0 sw1 sw2 sw3"
for d in $DRIVES; do
	DEV[$d]=$(rig_dev "rp-$d")
	printf 'label: gpt\nsize=4MiB\nsize=%dMiB\nsize=4MiB\nsize=%dMiB\n' $DATA_MIB $DATA_MIB |
		sfdisk -q "${DEV[$d]}" >/dev/null || die "sfdisk ${DEV[$d]} failed"
	for _ in $(seq 50); do [ -b "${DEV[$d]}p4" ] && break; sleep 0.1; done
	[ -b "${DEV[$d]}p4" ] || die "no ${DEV[$d]}p4"
done
PER=$(($(blockdev --getsz "${DEV[sw0]}p2") / 128 * 128)) # whole 64 KiB chunks

# table TARGET LEVEL META DATA: the bench's table (tests/bench/rig-bench.sh).
table() {
	local target=$1 level=$2 meta=$3 data=$4 type params="2 64 nosync" len d devs=""
	case $level in
	raid0) type=raid0 params="1 64" len=$((PER * 4)) ;;
	raid1) type=raid1 len=$PER ;;
	raid10) type=raid10 len=$((PER * 2)) ;;
	raid5) type=raid5_ls len=$((PER * 3)) ;;
	raid6) type=raid6_zr params="1 64" len=$((PER * 2)) ;;
	*) die "unknown level $level" ;;
	esac
	for d in $DRIVES; do devs+=" ${DEV[$d]}p$meta ${DEV[$d]}p$data"; done
	echo "0 $len $target $type $params 4$devs"
}
busy() { awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 + $9 }' /proc/stat; }
member_ios() {
	local d s=0
	for d in $DRIVES; do
		s=$((s + $(awk '{ print $1 + $5 }' "/sys/block/${DEV[$d]##*/}/stat")))
	done
	echo "$s"
}
fio_cmd() { # DEV OUTPUT IOS: sets FIO to the fio command line of one run
	FIO=(fio --name=ab --filename="$1" --ioengine=libaio --direct=1 --rw="$JOB" --bs="$BS"
		--iodepth="$DEPTH" --number_ios="$3" --norandommap --randrepeat=1
		--eta=never --output-format=json --output="$2" --disk_util=0)
}
# run NAME TARGET DEV PERF: one measured run; prints jiffies per 1000 I/Os.
run() {
	local name=$1 target=$2 dev=$3 perf=$4 b0 b1 m0 m1 ios wrap=()
	[ "$perf" = 1 ] && wrap=(perf record -q -a -e cpu-clock -F 4999 -o "/tmp/perf.$name" --)
	b0=$(busy) m0=$(member_ios)
	fio_cmd "$dev" "/tmp/fio.$name.json" "$IOS"
	"${wrap[@]}" "${FIO[@]}" || die "$name: fio failed"
	b1=$(busy) m1=$(member_ios)
	ios=$(jq '[.jobs[0].read.total_ios, .jobs[0].write.total_ios] | add' "/tmp/fio.$name.json")
	[ "$ios" -gt 0 ] || die "$name: fio did no I/O"
	jq -cn --arg name "$name" --arg target "$target" --arg level "$level" --arg job "$JOB" \
		--argjson ios "$ios" --argjson jiffies $((b1 - b0)) --argjson member_ios $((m1 - m0)) \
		--argjson perf "$perf" --argjson hz "$(getconf CLK_TCK)" \
		'{$name, $target, $level, $job, $ios, busy_jiffies: $jiffies, $hz, $member_ios, $perf,
		  jiffies_per_kio: ($jiffies * 1000 / $ios)}' >>"$RES"
	if [ "$perf" = 1 ]; then
		perf report -q -i "/tmp/perf.$name" --stdio --sort sym >"$OUT/perf-$name.txt" 2>/dev/null ||
			die "$name: perf report failed"
		log "$name: md and target functions: $(awk '$3 ~ /^(md_|raid|rp_|rs_|__md|bitmap)/ {
			s += $1; n = n sprintf(" %s %s", $3, $1) } END { printf "%.2f%% of samples:%s", s, n }' \
			"$OUT/perf-$name.txt")"
	fi
	log "$name: $ios I/Os, $((b1 - b0)) busy jiffies, $((m1 - m0)) member I/Os"
}

command -v jq >/dev/null || die "no jq"
[ "${RP_AB_PERF:-0}" = 0 ] || command -v perf >/dev/null || die "RP_AB_PERF=1: no perf"
for level in $LEVELS; do
	for d in $DRIVES; do
		dd if=/dev/zero of="${DEV[$d]}p1" bs=1M count=4 status=none
		dd if=/dev/zero of="${DEV[$d]}p3" bs=1M count=4 status=none
	done
	dm_create "ab-p2p" "$(table raid-p2p "$level" 1 2)" || die "raid-p2p $level refused"
	dm_create "ab-dm" "$(table raid "$level" 3 4)" || die "dm raid $level refused"
	if [ "$level" != raid0 ]; then wait_sync ab-p2p && wait_sync ab-dm; fi
	for JOB in $JOBS; do
		for dev in /dev/mapper/ab-p2p /dev/mapper/ab-dm; do
			fio_cmd "$dev" /dev/null 2000
			"${FIO[@]}" || die "$level $JOB: warm-up on $dev failed"
		done
		for ((pair = 1; pair <= PAIRS; pair++)); do
			perf=0
			[ "$pair" = 1 ] && perf=${RP_AB_PERF:-0}
			run "raid-p2p-$level-$JOB-$pair" raid-p2p /dev/mapper/ab-p2p "$perf"
			run "dm-raid-$level-$JOB-$pair" dm-raid /dev/mapper/ab-dm "$perf"
		done
		# The summary: medians over the pairs not recorded under perf.
		jq -rs --arg level "$level" --arg job "$JOB" '
			def median: sort | if length % 2 == 1 then .[(length - 1) / 2]
				else (.[length / 2 - 1] + .[length / 2]) / 2 end;
			map(select(.level == $level and .job == $job and .perf == 0)) as $r |
			($r | map(select(.target == "raid-p2p") | .jiffies_per_kio) | median) as $p |
			($r | map(select(.target == "dm-raid") | .jiffies_per_kio) | median) as $d |
			"\($level) \($job): busy jiffies per 1000 I/Os, median of \($r | length / 2) pairs: raid-p2p \($p * 100 | round / 100), dm raid \($d * 100 | round / 100), ratio \($p / $d * 1000 | round / 1000)"' \
			"$RES" | sed 's/^/cpu-ab: /'
	done
	dmsetup remove ab-p2p || die "cannot remove the raid-p2p $level array"
	dmsetup remove ab-dm || die "cannot remove the dm raid $level array"
done
