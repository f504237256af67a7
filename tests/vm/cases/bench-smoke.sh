#!/usr/bin/env bash
# shellcheck disable=SC2016 # $l and friends are jq variables
# The benchmark, short: one 1-second sequential-write job per level (raid0,
# raid1, raid10, raid5, raid6) with host and P2P buffers, on raid-p2p and on
# the mainline dm raid target, through tests/bench/rig-bench.sh. Fails if a
# result field is missing, if raid-p2p fails any job, if the mainline
# target fails with host buffers or does anything but fail with EREMOTEIO
# with P2P buffers, or if raid-p2p's counters do not show the P2P writes.
# Then raid-p2p raid1 with rp-far0, which cannot reach the buffer, as a
# member: the job runs, the writes to rp-far0 bounce, and the copies match.
. "$(dirname "$0")/../lib.sh"

OUT=/tmp/$T_NAME
LEVELS="raid0 raid1 raid10 raid5 raid6"
RP_BENCH_REPEATS=1 RP_BENCH_RUNTIME=1 RP_BENCH_RAMP=0 RP_BENCH_LEVELS=$LEVELS \
	RP_BENCH_TARGETS="raid-p2p dm-raid" RP_BENCH_WORKLOADS=seq-write \
	RP_BENCH_RAW=0 RP_BENCH_REBUILD=0 RP_BENCH_FAR_LEVELS=raid1 \
	"$RP_TOP/tests/bench/rig-bench.sh" "$OUT" || die "rig-bench failed"
R=$OUT/results.json
jq_true() { jq -e "$@" >/dev/null; } # jq_true PROGRAM ARGS...: is it true?

check "results pass p2p-bench check" "$RP_TOP/tests/bench/p2p-bench" check "$R"
expect_eq "one cell per level, target and buffer" "$(jq '.runs | length' "$R")" 22
for level in $LEVELS; do
	expect_eq "$level: raid-p2p with P2P buffers ran" \
		"$(jq -r --arg l "$level" '.runs[] | select(.target == "raid-p2p" and .level == $l
			and .buffer == "p2p") | (.error == null and .mib_s > 0)' "$R")" true
	expect_eq "$level: dm raid with P2P buffers fails with EREMOTEIO" \
		"$(jq -r --arg l "$level" '.runs[] | select(.target == "dm-raid" and .level == $l
			and .buffer == "p2p") | .error' "$R")" EREMOTEIO
	check "$level: ratio raid-p2p / dm raid with host buffers is a number" \
		jq_true --arg l "$level" 'any(.ratios[]; .level == $l and .buffer == "host"
			and .baseline == "dm-raid" and (.mib_s | type) == "number")' "$R"
	check "$level: raid-p2p counted P2P writes" \
		jq_true --arg l "$level" 'any(.p2p_counters[]; .level == $l and .user_write > 0)' "$R"
done
expect_eq "raid1 with rp-far0: raid-p2p with P2P buffers ran" \
	"$(jq -r '.runs[] | select(.target == "raid-p2p" and .level == "raid1-far0"
		and .buffer == "p2p") | (.error == null and .mib_s > 0)' "$R")" true
check "raid1 with rp-far0: writes to rp-far0 bounced" \
	jq_true 'any(.p2p_counters[]; .level == "raid1-far0" and .bounce_unreachable > 0)' "$R"
expect_eq "raid1 with rp-far0: the copies match and every member is in" \
	"$(jq -c '.copies' "$R")" '[{"level":"raid1-far0","target":"raid-p2p","fill_error":null,"mismatch_sectors":0,"health":"AAAA"}]'
finish
