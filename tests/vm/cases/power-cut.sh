#!/usr/bin/env bash
# raid-p2p across power cuts: the guest half of tests/vm/power-cut-host.sh,
# which boots the rig again and again on the same disks (topology
# switch4ns, vm-run --power-cut --keep-disks). Not registered on its own.
#
# Four arrays made by p2praid-tool, with metadata, side by side on the
# switch drives' namespaces: pc1 raid1 (rp-sw0, rp-sw1), pc10 raid10 and
# pc6 raid6 (all four), pc5 raid5 (rp-sw0..rp-sw2). tests/pcut writes the
# first 8 MiB of each (two writers per array, runs of up to 64 KiB, a
# flush every 8 writes) and records on rp-nocmb0 which writes a flush
# acknowledged; then the power is cut at a random moment.
#
#   power-cut.sh create DIR      create the arrays; write (run 0); cut
#   power-cut.sh write DIR RUN   come back, check; write (run RUN); cut
#   power-cut.sh rebuild DIR RUN come back, check; rebuild member 1 of
#                                every array, writing to all but raid5
#                                (run RUN); cut during the rebuild
#   power-cut.sh resync DIR RUN  come back with the resync slowed down; cut
#                                during it while writing (run RUN)
#   power-cut.sh final DIR       come back, check; stop the arrays
#
# Even runs write from a buffer in rp-sw0's CMB, odd runs from host
# memory. "Come back" is: p2praid-tool assemble --scan finds all four;
# each resyncs only its bitmap's dirty regions (the resync rate is capped,
# so that a full one would take 32 s), or finishes the rebuild or resync
# the cut interrupted; every write acknowledged before the cut reads back
# intact (pcut verify); md's check finds no mismatch. After the rebuild
# cut, raid6, written then, is refused naming the member and --force, and
# starts with assemble --force; its acknowledged writes are no longer
# checked (the stripes being written at the cut may have lost them), the
# rebuild, the resync and md's check still are. DIR/cut-RUN is written
# just before a cut, with the arrays' status.
. "$(dirname "$0")/../lib.sh"
tool=$RP_BUILD/tools/p2praid-tool
PCUT=$RP_BUILD/tests/pcut

phase=${1:?create, write, rebuild, resync or final} dir=${2:?directory shared with the host}
run=${3:-0}
ARRAYS=(pc1 pc10 pc5 pc6)
declare -A LEVEL=([pc1]=raid1 [pc10]=raid10 [pc5]=raid5 [pc6]=raid6)
declare -A NSID=([pc1]=1 [pc10]=2 [pc5]=3 [pc6]=4)
declare -A DRIVES=([pc1]="sw0 sw1" [pc10]="sw0 sw1 sw2 sw3" [pc5]="sw0 sw1 sw2"
	[pc6]="sw0 sw1 sw2 sw3")
LOG=$(rig_ns rp-nocmb0 1)
REGION=8M JOBS=2
SIZE_MIB=64 # data per member
# The resync rate while the arrays come back: a full resync of a member
# takes SIZE_MIB * 1024 / RATE_KIB = 32 s; the dirty regions of the first
# 8 MiB are at most two 4 MiB regions per member, 4 s.
RATE_KIB=2048
FULL_S=$((SIZE_MIB * 1024 / RATE_KIB))
SEED=${RP_PCUT_SEED:-1}
RANDOM=$((SEED * 1000 + run))

# logoff ARRAY: the array's part of the log device, 1 MiB each.
logoff() {
	local i
	for i in "${!ARRAYS[@]}"; do
		[ "${ARRAYS[i]}" = "$1" ] && { echo $((i << 20)); return; }
	done
}

# dm_mm NAME: major:minor, as the target names the array in the kernel log.
dm_mm() { dmsetup info -c --noheadings -o major,minor "$1"; }

rate() { # MIN_KIB MAX_KIB: md-p2p's resync rate limits
	echo "$1" >/proc/sys/dev/raid-p2p/speed_limit_min
	echo "$2" >/proc/sys/dev/raid-p2p/speed_limit_max
}

# writers RUN [ARRAY...]: two pcut writers per array (default: all), from
# rp-sw0's CMB (even runs) or host memory (odd runs).
PIDS=() WRITTEN=()
writers() {
	local a j prov=host run=$1
	shift
	WRITTEN=("${@:-${ARRAYS[@]}}")
	set -- "$run"
	[ $(($1 % 2)) -eq 0 ] && prov=$(rig_p2pmem rp-sw0)/allocate
	for a in "${WRITTEN[@]}"; do
		for ((j = 0; j < JOBS; j++)); do
			"$PCUT" write -d "/dev/mapper/$a" -l "$LOG" -o "$(logoff "$a")" -r "$1" \
				-j "$j" -J "$JOBS" -p "$prov" -s "$REGION" -b 64k -k 8 \
				-S $((SEED * 7919 + $1)) 2>"/tmp/pcut-$a-$j.err" &
			PIDS+=($!)
		done
	done
	log "run $1: ${#PIDS[@]} writers from $([ "$prov" = host ] && echo "host memory" || echo "rp-sw0's CMB")"
}

# dirty_all: before the cut that the resync phase comes back from, write
# 64 KiB in every MiB past REGION of every array, to leave more of its
# regions dirty. md sends a resync's requests before its rate cap holds,
# up to a window of them in flight: raid10's is 32 MiB (raid1's 2 MiB,
# raid5's a stripe cache), so a raid10 whose only dirty regions were
# REGION's would resync them within a second at any cap, and no longer be
# resyncing when the resync phase cuts the power. The data there is not
# checked (pcut verifies REGION); md's check after the resync still is.
dirty_all() {
	local a bytes off=$((${REGION%M} << 20)) pids=()
	for a in "${WRITTEN[@]}"; do
		bytes=$(blockdev --getsize64 "/dev/mapper/$a")
		fio --name="dirty-$a" --filename="/dev/mapper/$a" --rw=write:960k --bs=64k \
			--offset="$off" --size=$((bytes - off)) --direct=1 --ioengine=libaio \
			--iodepth=16 --eta=never --output=/dev/null &
		pids+=($!)
	done
	for a in "${!pids[@]}"; do
		wait "${pids[a]}" || die "${WRITTEN[a]}: cannot dirty its regions"
	done
	log "64 KiB in every MiB of ${WRITTEN[*]} written, for the resync phase"
}

# cut_during RUN: let the writers run for a random 2 to 6 s, check that they all
# still write, record the moment, and cut the power.
cut_during() {
	local p a n status=""
	sleep $((2 + RANDOM % 5)).$((RANDOM % 10))
	for p in "${PIDS[@]}"; do
		kill -0 "$p" 2>/dev/null || {
			cat /tmp/pcut-*.err >&2
			die "a writer stopped before the cut"
		}
	done
	for a in "${ARRAYS[@]}"; do
		status+="$(dmsetup status "$a")"$'\n'
	done
	for a in "${WRITTEN[@]}"; do
		if [ $(($1 % 2)) -eq 0 ]; then
			[ "$(stat "$a" user_write)" -gt 0 ] || die "$a: no write from P2P memory counted"
		else
			[ "$(stat "$a" user_write)" -eq 0 ] || die "$a: a host-memory run counted P2P writes"
		fi
	done
	[ "$(cat "$dir/next" 2>/dev/null)" = resync ] && dirty_all
	# md sets a region's bit on disk before it writes there: every array
	# being written has some.
	for a in "${WRITTEN[@]}"; do
		n=$(bitmap_dirty "$a")
		check "$a: its bitmap marks regions dirty on disk ($n bits)" test "$n" -gt 0
	done
	printf '%s' "$status" >"$dir/cut-$1"
	log "cutting the power during run $1"
	power_cut
}

# cut_while ACTION WHAT RUN: after 2 s of writing, every array's sync
# action must be ACTION (md's name of WHAT, a rebuild or resync); the next
# boot must finish WHAT; then cut the power during run RUN.
cut_while() {
	local a
	sleep 2
	for a in "${ARRAYS[@]}"; do
		expect_eq "$a is in $2 ($1) when the power goes" "$(field "$a" 5)" "$1"
	done
	if [ "$T_FAILS" -ne 0 ]; then
		for a in "${ARRAYS[@]}"; do log "$a: $(dmsetup status "$a")"; done
		dmesg | grep 'raid\|md' | tail -n 40 | sed 's/^/  dmesg| /'
		die "not every array is in $2"
	fi
	echo "$2" >"$dir/expect"
	cut_during "$3"
}

# come_back: assemble the arrays after a cut and check them (see the top).
# With "slow", leave the resync capped and running instead.
come_back() {
	local a took before start t rc expect= forced= json=/tmp/assemble.json
	declare -A done_at=()
	# A rebuild or resync that the last cut interrupted, to be finished.
	[ -e "$dir/expect" ] && expect=$(cat "$dir/expect") && rm -f "$dir/expect"
	modprobe dm-raid-p2p || die "cannot load dm-raid-p2p"
	rate $((RATE_KIB / 2)) "$RATE_KIB"
	[ "${1:-}" = slow ] && rate 64 128
	before=$(dmesg | wc -l)
	if ! "$tool" --reportformat json assemble --scan >"$json" 2>/tmp/assemble.err; then
		[ "$expect" = rebuild ] || { cat /tmp/assemble.err >&2; die "assemble --scan failed"; }
		# pc6 was written while member 1 was rebuilt: dirty and degraded.
		forced=pc6
		check "pc6 is refused, naming the member being rebuilt and --force" \
			grep -q "pc6: not stopped cleanly while member 1 (.*) was being rebuilt.*'p2praid-tool assemble pc6 --force'" \
			/tmp/assemble.err
		grep -v pc6 /tmp/assemble.err >&2 || true
		check "assemble pc6 --force starts it" "$tool" assemble pc6 --force
		check "the target logged the risk it took" \
			bash -c "dmesg | tail -n +$((before + 1)) | grep -q '$(dm_mm pc6): dirty degraded raid6'"
	fi
	start=$(date +%s)
	for a in "${ARRAYS[@]}"; do
		[ "$a" = "$forced" ] && continue
		expect_eq "$a assembled" "$(jq -r --arg n "$a" '.arrays[] | select(.name == $n) | .state' "$json")" \
			assembled
	done
	[ "${1:-}" = slow ] && return 0
	for ((t = 0; t < 4 * FULL_S; t++)); do
		for a in "${ARRAYS[@]}"; do
			[ -z "${done_at[$a]:-}" ] && in_sync "$a" && done_at[$a]=$(($(date +%s) - start))
		done
		[ ${#done_at[@]} -eq ${#ARRAYS[@]} ] && break
		sleep 1
	done
	for a in "${ARRAYS[@]}"; do
		[ -n "${done_at[$a]:-}" ] || { not_ok "$a back in sync: $(dmsetup status "$a")"; continue; }
		took=${done_at[$a]}
		if [ -n "$expect" ]; then
			ok "$a finished the $expect the cut interrupted (${took}s)"
		else
			check "$a logged that it was not stopped cleanly" \
				bash -c "dmesg | tail -n +$((before + 1)) | grep -q '$(dm_mm "$a"): not stopped cleanly'"
			check "$a resynced only the dirty regions (${took}s; a full resync takes ${FULL_S}s)" \
				test "$took" -lt $((FULL_S / 2))
			[ "$took" -lt $((FULL_S / 2)) ] ||
				dmesg | tail -n +$((before + 1)) | grep "$(dm_mm "$a")\|bitmap" | sed 's/^/  dmesg| /'
		fi
		expect_eq "$a: every member in sync" "$(field "$a" 3)" "$(field "$a" 3 | tr -c 'A\n' A)"
	done
	rate 1000 200000
	for a in "${ARRAYS[@]}"; do
		rc=0
		"$PCUT" verify -d "/dev/mapper/$a" -l "$LOG" -o "$(logoff "$a")" -s "$REGION" \
			>"/tmp/verify-$a" 2>&1 || rc=$?
		if [ "$a" = "$forced" ] || [ -e "$dir/forced-$a" ]; then
			# The write hole may have cost acknowledged writes in the
			# stripes being written at the cut; --force took that risk.
			touch "$dir/forced-$a"
			log "$a, started with --force: $(tail -n 1 "/tmp/verify-$a")"
			dmsetup message "$a" 0 check || not_ok "$a: check message"
			continue
		fi
		check "$a: every acknowledged write reads back ($(tail -n 1 "/tmp/verify-$a"))" \
			test "$rc" -eq 0
		[ "$rc" -eq 0 ] || head -n 20 "/tmp/verify-$a" | sed 's/^/  pcut| /'
		dmsetup message "$a" 0 check || not_ok "$a: check message"
	done
	for a in "${ARRAYS[@]}"; do
		wait_sync "$a" || not_ok "$a: check did not finish"
		expect_eq "$a: check finds no mismatch" "$(field "$a" 6)" 0
	done
}

# bitmap_dirty NAME: the bits set in the write-intent bitmap that the
# array's first metadata device holds (the superblock's page after
# RP_SB_BITMAP_OFFSET: sync_size at byte 40, chunksize at 52, the bits from
# byte 256).
bitmap_dirty() {
	local meta
	meta=$(dmsetup table "$1" | awk '{ print $(5 + $5 + 2) }')
	dd if="/dev/$(sed -n 's/^DEVNAME=//p' "/sys/dev/block/$meta/uevent")" bs=4096 skip=1 count=1 \
		iflag=direct status=none | od -An -v -tu1 | awk '
		function le(o, w,  v, k) {
			for (k = w - 1; k >= 0; k--) v = v * 256 + b[o + k]
			return v + 0
		}
		{ for (i = 1; i <= NF; i++) b[n++] = $i }
		END {
			bits = int((le(40, 8) * 512 + le(52, 4) - 1) / le(52, 4))
			for (i = 0; i < bits; i++) set += int(b[256 + int(i / 8)] / 2 ^ (i % 8)) % 2
			print set + 0
		}'
}

# with_rebuild NAME IDX: the array's live table with "rebuild IDX" added
# after the chunk size (the first parameter).
with_rebuild() {
	dmsetup table "$1" | awk -v i="$2" '{
		$5 = $5 + 2
		for (f = 1; f <= 6; f++) printf "%s ", $f
		printf "rebuild %d", i
		for (f = 7; f <= NF; f++) printf " %s", $f
		print ""
	}'
}

case $phase in
create)
	dd if=/dev/zero of="$LOG" bs=1M count=4 oflag=direct status=none || die "cannot clear the log"
	modprobe dm-raid-p2p || die "cannot load dm-raid-p2p"
	for a in "${ARRAYS[@]}"; do
		devs=()
		for d in ${DRIVES[$a]}; do devs+=("$(rig_ns "rp-$d" "${NSID[$a]}")"); done
		"$tool" create "$a" --level "${LEVEL[$a]}" "${devs[@]}" --size "${SIZE_MIB}M" -y \
			>/dev/null 2>/tmp/create.err || { cat /tmp/create.err >&2; die "cannot create $a"; }
	done
	for a in "${ARRAYS[@]}"; do wait_sync "$a" || die "$a: no initial sync"; done
	log "created: $(for a in "${ARRAYS[@]}"; do printf '%s ' "$(dmsetup status "$a" | cut -d' ' -f4-7)"; done)"
	# The initial sync leaves every bit set on disk until the bitmap
	# daemon has cleared them (two or three of its 5 s passes); cut before
	# that and the next boot rightly resyncs everything. Wait for it.
	for a in "${ARRAYS[@]}"; do
		t=0
		while [ "$(bitmap_dirty "$a")" != 0 ] && [ $((t += 1)) -le 30 ]; do sleep 1; done
		expect_eq "$a: the initial sync's bitmap bits are clear on disk" "$(bitmap_dirty "$a")" 0
	done
	[ "$T_FAILS" -eq 0 ] || die "the bitmap daemon left the initial sync's bits set"
	writers 0
	cut_during 0
	;;
write)
	come_back
	[ "$T_FAILS" -eq 0 ] || die "$T_FAILS check(s) failed before run $run"
	writers "$run"
	cut_during "$run"
	;;
rebuild)
	come_back
	[ "$T_FAILS" -eq 0 ] || die "$T_FAILS check(s) failed before run $run"
	rate 64 128
	for a in "${ARRAYS[@]}"; do
		dmsetup reload "$a" --table "$(with_rebuild "$a" 1)" && dmsetup resume "$a" ||
			die "$a: cannot reload with rebuild 1"
	done
	# raid5 rebuilds idle and comes back by itself. raid6 is written: then
	# it is dirty and degraded, and the target refuses it as md does (the
	# stripes being written may have parity that does not match, and the
	# member being rebuilt would be made from it) until assemble --force.
	writers "$run" pc1 pc10 pc6
	cut_while recover rebuild "$run"
	;;
resync)
	come_back slow
	writers "$run"
	cut_while resync resync "$run"
	;;
final)
	come_back
	check "stop the arrays" bash -c "for a in ${ARRAYS[*]}; do '$tool' stop \$a >/dev/null || exit; done"
	finish
	;;
*) die "unknown phase $phase" ;;
esac
