#!/usr/bin/env bash
# The benchmark in the rig (`make bench`): on the four switch drives, for
# raid0, raid1, raid10, raid5 and raid6, the same fio jobs on raid-p2p, the
# mainline dm raid target (the same table) and md (mdadm), plus one raw
# drive and the four raw drives at once; host buffers and P2P buffers in
# rp-sw0's CMB (a member of every array). Then a raid1 rebuild with
# p2p_provider auto and none. Then raid-p2p and md again with rp-far0, a
# drive that cannot reach rp-sw0's CMB, in place of rp-sw3 (levels
# "raid1-far0" ...): the same jobs, then md's check of the copies.
# Writes OUTDIR/results.json (default docs/benchmarks; relative to the
# repository); tests/bench/report makes the table and charts.
#
# RP_BENCH_QUICK=1: one repeat of short jobs on raid1 and raid5 only.
# RP_BENCH_REPEATS, RP_BENCH_RUNTIME, RP_BENCH_RAMP, RP_BENCH_LEVELS,
# RP_BENCH_TARGETS (raid-p2p dm-raid md), RP_BENCH_WORKLOADS (comma list),
# RP_BENCH_RAW=0 (no raw drives), RP_BENCH_REBUILD=0 (no rebuild),
# RP_BENCH_BUFFERS (host,p2p), RP_BENCH_FAR_LEVELS (raid0 raid1 raid10;
# empty: none) override. RP_BENCH_PERF=DIR records each fio
# run with perf into DIR (`make profile`) and writes, per run, NAME.dso.txt
# (share of samples per kernel module and program) and NAME.sym.txt (per
# symbol); the log shows each run's md and dm module shares.
# RP_BENCH_METER=FILE: the meter pass instead (make bench runs it in a
# second boot, under vm-run --dma-trace, so that tracing costs the timed
# jobs nothing): the same arrays, and per target, buffer and workload one
# fio job of RP_BENCH_METER_MIB (8) MiB, each a phase of the DMA trace;
# the cells (their phases, the bytes fio moved) go to FILE, and
# tests/bench/meter-merge adds what the drives moved through host RAM and
# CMBs in each to results.json.
# Every array spans all four drives; each target has its own partitions:
#   p1 raid-p2p metadata  p2 raid-p2p data   p3 dm raid metadata
#   p4 dm raid data       p5 md member       p6 raw / rebuild
# rp-far0 has the same partitions.
. "$(dirname "$0")/../vm/lib.sh"

OUT=${1:-docs/benchmarks}
[[ $OUT == /* ]] || OUT=$RP_TOP/$OUT
BENCH=$RP_TOP/tests/bench/p2p-bench
if [ "${RP_BENCH_QUICK:-}" = 1 ]; then
	: "${RP_BENCH_REPEATS:=1}" "${RP_BENCH_RUNTIME:=1}" "${RP_BENCH_LEVELS:=raid1 raid5}"
	: "${RP_BENCH_FAR_LEVELS=raid1}"
fi
REPEATS=${RP_BENCH_REPEATS:-3}
RUNTIME=${RP_BENCH_RUNTIME:-2}
RAMP=${RP_BENCH_RAMP:-1}
LEVELS=${RP_BENCH_LEVELS:-raid0 raid1 raid10 raid5 raid6}
TARGETS=" ${RP_BENCH_TARGETS:-raid-p2p dm-raid md} "
FAR_LEVELS=${RP_BENCH_FAR_LEVELS-raid0 raid1 raid10}
WORKLOADS=${RP_BENCH_WORKLOADS:-seq-read,seq-write,rand-read,rand-write}
DATA_MIB=48
WORK=/tmp/bench
mkdir -p "$WORK" "$OUT"
SAMPLES=$WORK/samples.jsonl REBUILD=$WORK/rebuild.jsonl COUNTERS=$WORK/counters.jsonl
COPIES=$WORK/copies.jsonl METER=$WORK/meter.jsonl
METER_MIB=${RP_BENCH_METER_MIB:-8}
for f in "$SAMPLES" "$REBUILD" "$COUNTERS" "$COPIES" "$METER"; do : >"$f"; done
T0=$SECONDS

for m in dm-raid-p2p dm-raid md-mod raid0 raid1 raid10 raid456; do
	modprobe "$m" || die "cannot load $m"
done

declare -A DEV
DRIVES="sw0 sw1 sw2 sw3"
for d in sw0 sw1 sw2 sw3 far0; do
	DEV[$d]=$(rig_dev "rp-$d")
	printf 'label: gpt\nsize=4MiB\nsize=%dMiB\nsize=4MiB\nsize=%dMiB\nsize=%dMiB\nsize=%dMiB\n' \
		$DATA_MIB $DATA_MIB $((DATA_MIB + 4)) $DATA_MIB | sfdisk -q "${DEV[$d]}" >/dev/null ||
		die "sfdisk ${DEV[$d]} failed"
	for _ in $(seq 50); do [ -b "${DEV[$d]}p6" ] && break; sleep 0.1; done
	[ -b "${DEV[$d]}p6" ] || die "no ${DEV[$d]}p6"
done
PROV=$(rig_bdf rp-sw0)
SECT=$(blockdev --getsz "${DEV[sw0]}p2")
PER=$((SECT / 128 * 128)) # whole 64 KiB chunks per member

# field NAME N: field N of the INFO status of a raid or raid-p2p device.
field() { dmsetup status "$1" | awk -v f="$2" '{ print $(f + 3) }'; }
wait_sync() {
	local i r
	for ((i = 0; i < 1200; i++)); do
		r=$(field "$1" 4)
		[ "$(field "$1" 5)" = idle ] && [ "${r%/*}" = "${r#*/}" ] && return 0
		sleep 0.5
	done
	die "$1 not in sync: $(dmsetup status "$1")"
}

# raid_table TARGET LEVEL META DATA: both targets take the same table.
raid_table() {
	local target=$1 level=$2 meta=$3 data=$4 type params="2 64 nosync" n=4 len d devs=""
	case $level in
	raid0) type=raid0 params="1 64" len=$((PER * 4)) ;;
	raid1) type=raid1 len=$PER ;;
	raid10) type=raid10 len=$((PER * 2)) ;;
	raid5) type=raid5_ls len=$((PER * 3)) ;;
	raid6) type=raid6_zr params="1 64" len=$((PER * 2)) ;; # dm raid refuses nosync
	esac
	for d in $DRIVES; do devs+=" ${DEV[$d]}p$meta ${DEV[$d]}p$data"; done
	echo "0 $len $target $type $params $n$devs"
}

md_create() { # LEVEL NAME: an md array over partition 5 of $DRIVES
	local extra=(--chunk=64 --bitmap=internal) d devs=()
	case $1 in
	raid0) extra=(--chunk=64) ;;
	raid1) extra=(--bitmap=internal) ;; # mirrors have no chunk size
	esac
	for d in $DRIVES; do devs+=("${DEV[$d]}p5"); done
	mdadm --create "/dev/md/$2" --run --level="${1#raid}" --raid-devices=4 \
		--assume-clean --metadata=1.2 "${extra[@]}" "${devs[@]}" >"$WORK/mdadm.log" 2>&1 ||
		die "mdadm --create $1 failed: $(cat "$WORK/mdadm.log")"
	on_exit "mdadm --stop /dev/md/$2"
}
md_remove() { # NAME
	local d
	mdadm --stop "/dev/md/$1" >/dev/null 2>&1
	for d in $DRIVES; do mdadm --zero-superblock "${DEV[$d]}p5"; done
}
# Fresh metadata: the last level's superblocks would make a table with
# another type a refused takeover.
wipe_meta() {
	local d p
	for d in $DRIVES; do
		for p in 1 3; do
			dd if=/dev/zero of="${DEV[$d]}p$p" bs=1M count=4 oflag=direct status=none
		done
	done
}

STATS=(user_read user_write bounce_unreachable bounce_queue bounce_parity bounce_copy sync_cmb sync_host)
# counters NAME LEVEL: the raid-p2p P2P counters as one JSON line.
counters() {
	local s i=0 args=()
	for s in $(dmsetup status "$1" | awk '{ for (i = 15; i <= 22; i++) print $i }'); do
		args+=(--argjson "${STATS[i]}" "$s")
		i=$((i + 1))
	done
	jq -nc --arg level "$2" "${args[@]}" '$ARGS.named'
}

# p2p_array NAME LEVEL: a raid-p2p array over $DRIVES, in sync, with its
# counters zeroed.
p2p_array() {
	dm_create "$1" "$(raid_table raid-p2p "$2" 1 2)" || die "raid-p2p $2 refused"
	[ "$2" = raid0 ] || wait_sync "$1"
	dmsetup message "$1" 0 p2p_reset_counters
}
# p2p_counted NAME LEVEL: record and log the array's counters.
p2p_counted() {
	counters "$1" "$2" >>"$COUNTERS"
	log "raid-p2p $2 counters: $(tail -n 1 "$COUNTERS")"
}

PERF_ARGS=()
[ -z "${RP_BENCH_PERF:-}" ] || PERF_ARGS=(-P "$RP_BENCH_PERF")
run_bench() { # SPEC...
	"$BENCH" run -s "$SAMPLES" -n "$REPEATS" -t "$RUNTIME" -r "$RAMP" -p "$PROV" -w "$WORKLOADS" \
		-b "${RP_BENCH_BUFFERS:-host,p2p}" "${PERF_ARGS[@]}" "$@"
}

METER_ONLY=${RP_BENCH_METER:-}
[ -z "$METER_ONLY" ] || [ "${RP_DMA_TRACE:-}" = 1 ] ||
	die "RP_BENCH_METER needs a DMA trace (vm-run --dma-trace)"
# bench_or_meter SPEC...: the timed jobs, or in the meter pass the meter's.
bench_or_meter() {
	if [ -n "$METER_ONLY" ]; then meter_pass "$@"; else run_bench "$@"; fi
}

# meter_pass SPEC...: with a DMA trace (vm-run --dma-trace), per SPEC
# (TARGET:LEVEL:DEV), buffer and workload, mark a phase of the trace
# ("meter/TARGET/LEVEL/WORKLOAD/BUFFER") and run one fio job of METER_MIB
# with the workload's block size and depth; record the mark, the bytes
# fio moved and its error in $METER.
meter_pass() {
	[ "${RP_DMA_TRACE:-}" = 1 ] || return 0
	local spec target level dev buf wl rw bs qd mark bytes err io
	for spec in "$@"; do
		IFS=: read -r target level dev <<<"$spec"
		for buf in $(tr , ' ' <<<"${RP_BENCH_BUFFERS:-host,p2p}"); do
			io=()
			[ "$buf" = p2p ] && io=(--iomem="mmapshared:/sys/bus/pci/devices/$PROV/p2pmem/allocate")
			for wl in $(tr , ' ' <<<"$WORKLOADS"); do
				case $wl in
				seq-read) rw=read bs=1M qd=8 ;;
				seq-write) rw=write bs=1M qd=8 ;;
				rand-read) rw=randread bs=4k qd=32 ;;
				rand-write) rw=randwrite bs=4k qd=32 ;;
				*) die "meter_pass: unknown workload $wl" ;;
				esac
				mark=meter/$target/$level/$wl/$buf
				dma_mark "$mark"
				fio --name=meter --filename="$dev" --rw=$rw --bs=$bs --iodepth=$qd \
					--ioengine=libaio --direct=1 --size=${METER_MIB}M --norandommap \
					--randrepeat=0 "${io[@]}" --output-format=json \
					--output="$WORK/meter-fio.json" >/dev/null 2>&1 || true
				bytes=$(jq '[.jobs[0].read.io_bytes, .jobs[0].write.io_bytes] | add' \
					"$WORK/meter-fio.json" 2>/dev/null) || bytes=0
				err=$(jq '.jobs[0].error' "$WORK/meter-fio.json" 2>/dev/null) || err=-1
				jq -nc --arg mark "$mark" --arg t "$target" --arg l "$level" --arg w "$wl" \
					--arg b "$buf" --argjson u "${bytes:-0}" --argjson e "${err:--1}" \
					'{mark: $mark, target: $t, level: $l, workload: $w, buffer: $b,
					  user_bytes: $u, errno: (if $e == 0 then null else $e end)}' >>"$METER"
			done
		done
	done
	dma_mark "meter/end/$level"
}

# perf_reports DIR: per perf.data in DIR, the shares by module and by
# symbol, read here, where the kernel symbols match the samples (from a
# copy of /proc/kallsyms, so that perf names the modules).
perf_reports() {
	local f base
	cp /proc/kallsyms "$1/kallsyms"
	for f in "$1"/*.data; do
		[ -e "$f" ] || continue
		base=${f%.data}
		perf report -i "$f" --kallsyms="$1/kallsyms" --no-children --sort dso --stdio -g none 2>/dev/null |
			grep -v -e '^#' -e '^$' >"$base.dso.txt"
		perf report -i "$f" --kallsyms="$1/kallsyms" --no-children --sort dso,sym --stdio -g none 2>/dev/null |
			grep -v -e '^#' -e '^$' >"$base.sym.txt"
		log "profile $(basename "$base"): $(grep -E '\[(md_|raid|dm_|linear)' "$base.dso.txt" |
			awk '{ printf "%s %s  ", $2, $1 }')"
	done
}

log "partitions of ${DATA_MIB} MiB, repeats $REPEATS, ${RAMP}+${RUNTIME} s per job, P2P buffers in the CMB of rp-sw0 ($PROV)"
all4=${DEV[sw0]}p6:${DEV[sw1]}p6:${DEV[sw2]}p6:${DEV[sw3]}p6
[ "${RP_BENCH_RAW:-1}" = 0 ] || [ -n "$METER_ONLY" ] ||
	run_bench "raw:single:${DEV[sw0]}p6" "raw:all4:$all4"

for level in $LEVELS; do
	log "--- $level (after $((SECONDS - T0)) s)"
	wipe_meta
	specs=()
	if [[ $TARGETS == *" raid-p2p "* ]]; then
		p2p_array "bp-$level" "$level"
		specs+=("raid-p2p:$level:/dev/mapper/bp-$level")
	fi
	if [[ $TARGETS == *" dm-raid "* ]]; then
		dm_create "bd-$level" "$(raid_table raid "$level" 3 4)" || die "dm raid $level refused"
		[ "$level" = raid0 ] || wait_sync "bd-$level"
		specs+=("dm-raid:$level:/dev/mapper/bd-$level")
	fi
	if [[ $TARGETS == *" md "* ]]; then
		md_create "$level" "bench-$level"
		specs+=("md:$level:/dev/md/bench-$level")
	fi
	bench_or_meter "${specs[@]}"
	if [[ $TARGETS == *" raid-p2p "* ]]; then
		p2p_counted "bp-$level" "$level"
		dmsetup remove "bp-$level"
	fi
	[[ $TARGETS != *" dm-raid "* ]] || dmsetup remove "bd-$level"
	[[ $TARGETS != *" md "* ]] || md_remove "bench-$level"
done

# --- an unreachable member: rp-far0 in place of rp-sw3 ---------------------
# raid-p2p bounces what goes to rp-far0; mainline md on 7.x takes P2P
# buffers on raid0/1/10 but cannot reach rp-far0 with them. After the
# jobs, one sequential write of the whole array from the P2P buffer
# (random jobs overlap writes in flight, which may leave copies that
# differ on any raid1), then the target's own check compares the copies
# (raid1, raid10): mismatches mean a write was acknowledged that did not
# reach every copy.
# copies NAME LEVEL TARGET DEV: write DEV once from the P2P buffer, check
# the copies and record the write's outcome, the mismatch count and the
# member health.
copies() {
	local name=$1 level=$2 target=$3 dev=$4 mism health i action fill=null
	case $level in raid0-*) return 0 ;; esac
	fio --name=fill --filename="$dev" --rw=write --bs=1M --iodepth=8 --ioengine=libaio \
		--direct=1 --iomem="mmapshared:/sys/bus/pci/devices/$PROV/p2pmem/allocate" \
		--output-format=json --output="$WORK/fill.json" >/dev/null 2>&1 || true
	fill=$(jq 'def errname: if . == 121 then "EREMOTEIO" elif . == 5 then "EIO"
		elif . == 22 then "EINVAL" else "errno \(.)" end;
		.jobs[0].error | if . == 0 then null else errname end' "$WORK/fill.json" 2>/dev/null) ||
		fill='"fio failed"'
	if [ "$target" = md ]; then
		local sys
		sys=/sys/block/$(basename "$(readlink -f "/dev/md/$name")")/md
		health="$(cat "$sys/degraded") degraded, $(cat "$sys/array_state")"
		if grep -qx idle "$sys/sync_action" && [ "$(cat "$sys/degraded")" = 0 ]; then
			echo check >"$sys/sync_action"
			for ((i = 0; i < 1200; i++)); do
				action=$(cat "$sys/sync_action")
				[ "$action" = idle ] && break
				sleep 0.5
			done
			mism=$(cat "$sys/mismatch_cnt")
		else
			mism=null
		fi
	else
		# The status shows "check" from the message on until it is done.
		dmsetup message "$name" 0 check
		wait_sync "$name"
		mism=$(field "$name" 6)
		health=$(field "$name" 3)
	fi
	jq -nc --arg level "$level" --arg target "$target" --argjson m "$mism" --arg h "$health" \
		--argjson fill "$fill" \
		'{level: $level, target: $target, fill_error: $fill, mismatch_sectors: $m, health: $h}' |
		tee -a "$COPIES" >&2
}
DRIVES="sw0 sw1 sw2 far0"
for level in $FAR_LEVELS; do
	log "--- $level with rp-far0 (after $((SECONDS - T0)) s)"
	wipe_meta
	specs=()
	p2p_array "bp-$level-far0" "$level"
	specs+=("raid-p2p:$level-far0:/dev/mapper/bp-$level-far0")
	if [[ $TARGETS == *" md "* ]]; then
		md_create "$level" "bench-$level-far0"
		specs+=("md:$level-far0:/dev/md/bench-$level-far0")
	fi
	bench_or_meter "${specs[@]}"
	p2p_counted "bp-$level-far0" "$level-far0"
	[ -n "$METER_ONLY" ] || copies "bp-$level-far0" "$level-far0" raid-p2p "/dev/mapper/bp-$level-far0"
	dmsetup remove "bp-$level-far0"
	if [[ $TARGETS == *" md "* ]]; then
		[ -n "$METER_ONLY" ] || copies "bench-$level-far0" "$level-far0" md "/dev/md/bench-$level-far0"
		md_remove "bench-$level-far0"
	fi
done
DRIVES="sw0 sw1 sw2 sw3"

# --- raid1 rebuild of one member: p2p_provider auto against none ----------
# An in-sync mirror of sw0 and sw1 (raw partitions), loaded again with
# sw2 or sw3 in slot 1 and "rebuild 1"; md's own log times the recovery.
rebuild() { # PROVIDER NEW REP
	local name=rb-$1 t0 ts json before md
	dm_create "$name" "0 $PER raid-p2p raid1 2 64 nosync 2 - ${DEV[sw0]}p6 - ${DEV[sw1]}p6"
	dmsetup remove "$name"
	before=$(dmesg | wc -l)
	t0=$EPOCHREALTIME
	dm_create "$name" "0 $PER raid-p2p raid1 5 64 rebuild 1 p2p_provider $1 2 - ${DEV[sw0]}p6 - ${DEV[$2]}p6"
	wait_sync "$name"
	ts=$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.3f", b - a }')
	# md logs "recover of RAID array mdX" and "mdX: recover done.": the
	# time between them is the rebuild's (polling the status adds seconds).
	md=$(dmesg | tail -n +$((before + 1)) | awk -F'[][]' '
		/recovery? of RAID array/ { s = $2 } /recovery? done/ { e = $2 }
		END { if (s != "" && e != "") printf "%.3f", e - s }')
	[ -n "$md" ] || log "no md recovery messages: timed by polling"
	json=$(jq -nc --arg prov "$1" --arg used "$(field "$name" 11)" --argjson rep "$3" \
		--argjson bytes $((PER * 512)) --argjson wall "$ts" --arg md "$md" \
		--argjson cmb "$(field "$name" 18)" --argjson host "$(field "$name" 19)" '
		($md | if . == "" then null else tonumber end) as $md
		| ($md // $wall) as $s
		| {level: "raid1", p2p_provider: $prov, provider_used: $used, rep: $rep,
		   bytes: $bytes, seconds: $s, seconds_wall: $wall, mib_s: ($bytes / 1048576 / $s),
		   sync_cmb: $cmb, sync_host: $host}')
	echo "$json" >>"$REBUILD"
	log "rebuild: $json"
	dmsetup remove "$name"
}
for ((rep = 1; rep <= REPEATS; rep++)); do
	{ [ "${RP_BENCH_REBUILD:-1}" = 0 ] || [ -n "$METER_ONLY" ]; } && break
	rebuild auto sw2 "$rep"
	rebuild none sw3 "$rep"
done

if [ -n "$METER_ONLY" ]; then
	jq -s . "$METER" >"$METER_ONLY"
	log "wrote the meter pass's cells to $METER_ONLY after $((SECONDS - T0)) s"
	exit 0
fi
jq -s . "$REBUILD" >"$WORK/rebuild.json"
jq -s . "$COUNTERS" >"$WORK/counters.json"
jq -s . "$COPIES" >"$WORK/copies.json"
"$BENCH" merge -o "$OUT/results.json" -R "$WORK/rebuild.json" -x "p2p_counters=$WORK/counters.json" \
	-x "copies=$WORK/copies.json" \
	-T "rig switch4: 4 NVMe drives with 64 MiB CMBs behind one PCIe switch, QEMU ${RP_BENCH_EMULATION:-TCG}" \
	"$SAMPLES"
jq --argjson r "$REPEATS" --argjson t "$RUNTIME" --argjson ramp "$RAMP" --argjson mib $DATA_MIB \
	'.settings = {repeats: $r, runtime_s: $t, ramp_s: $ramp, member_mib: $mib,
	 p2p_buffer: "CMB of rp-sw0 (a member of every array)"}' "$OUT/results.json" >"$WORK/r.json"
cp "$WORK/r.json" "$OUT/results.json"
log "wrote $OUT/results.json after $((SECONDS - T0)) s"
[ -z "${RP_BENCH_PERF:-}" ] || perf_reports "$RP_BENCH_PERF"
"$BENCH" check "$OUT/results.json" || die "unexpected results (above)"
