#!/usr/bin/env bash
# tests/bench/report on a made-up results file: the "## Goals" section
# says which goal each cell met, which it missed within the spread and
# which it missed, by how much (host buffers against dm raid, the DMA
# meter's host RAM per user byte, the spread of the repeats), and with no
# meter numbers that the meter pass did not run. The rest of the report
# is still written.
here=$(cd "$(dirname "$(readlink -f "$0")")" && pwd)
# shellcheck disable=SC2034 # selftest-lib.sh reads it
ST_NAME=report-selftest
# shellcheck source=SCRIPTDIR/../selftest-lib.sh disable=SC1091 # shellcheck -x follows it
. "$here/../selftest-lib.sh"
: "${dir:?set by selftest-lib.sh}"

# Two levels (raid1, raid5), two workloads (seq-write: MiB/s, rand-read:
# IOPS) and raid1-far0 for raid-p2p. Per level and workload: the ratios
# raid-p2p / dm raid (throughput, guest CPU per GiB), the spreads of the
# headline metric and of guest CPU per GiB (raid-p2p, dm raid) and the
# host RAM per user byte of raid-p2p's P2P cell.
#   raid1 seq-write: 1.05 met; 0.98 met; meter 0 met
#   raid1 rand-read: 0.95, spreads 10 and 6: within (miss 5.0 = 10 / 2);
#                    1.03, spreads 10 and 4: within; meter 0.05 met
#   raid5 seq-write: 0.88, spreads 8 and 6: missed by 12.0%; 1.10, spreads
#                    6 and 30: within (and 30% > 10%); meter 0.52 > 0.40
#   raid5 rand-read: 1.00 met; 1.25, spreads 5 and 9: missed by 25.0%
jq -n '
def run($t; $l; $w; $b; $ts; $cs; $hram):
	{target: $t, level: $l, workload: $w, buffer: $b, provider: null, repeats: 3,
	 error: (if $t == "dm-raid" and $b == "p2p" then "EREMOTEIO" else null end)}
	| if .error then . + {mib_s: null, iops: null, cpu_s_per_gib: null, guest_cpu_s_per_gib: null,
		spread_pct: {mib_s: null, iops: null, cpu_s_per_gib: null, guest_cpu_s_per_gib: null},
		host_ram_bytes_per_user_byte: null}
	else . + {mib_s: 100, iops: 2000, cpu_s_per_gib: 50, guest_cpu_s_per_gib: 60,
		spread_pct: {mib_s: $ts, iops: $ts, cpu_s_per_gib: 5, guest_cpu_s_per_gib: $cs},
		host_ram_bytes_per_user_byte: $hram} end;
def ratio($l; $w; $b; $t; $c): {level: $l, workload: $w, buffer: $b, baseline: "dm-raid",
	baseline_buffer: "host", mib_s: $t, iops: $t, cpu_s_per_gib: 1, guest_cpu_s_per_gib: $c};
# level, workload, [ratios t, c], [raid-p2p spreads t, c], [dm raid spreads t, c], meter
[["raid1", "seq-write", [1.05, 0.98], [4, 3], [6, 5], 0],
 ["raid1", "rand-read", [0.95, 1.03], [10, 10], [6, 4], 0.05],
 ["raid5", "seq-write", [0.88, 1.10], [8, 6], [6, 30], 0.52],
 ["raid5", "rand-read", [1.00, 1.25], [3, 5], [2, 9], 0]] as $cells |
{kernel: "6.12.1", topology: "made up", date: "2026-01-01T00:00:00Z",
 settings: {ramp_s: 1, runtime_s: 2, repeats: 3, member_mib: 48, p2p_buffer: "CMB of rp-sw0"},
 runs: ([$cells[] as [$l, $w, $r, $p, $d, $m] |
	run("raid-p2p"; $l; $w; "host"; $p[0]; $p[1]; 0.5),
	run("raid-p2p"; $l; $w; "p2p"; 20; 20; $m),
	run("dm-raid"; $l; $w; "host"; $d[0]; $d[1]; null),
	run("dm-raid"; $l; $w; "p2p"; null; null; null)]
	+ [("seq-write", "rand-read") as $w | run("raid-p2p"; "raid1-far0"; $w; "host"; 2; 2; 0),
		run("raid-p2p"; "raid1-far0"; $w; "p2p"; 2; 2; 1)]),
 ratios: [$cells[] as [$l, $w, $r] | ratio($l; $w; "host"; $r[0]; $r[1])],
 rebuild: []}' >"$dir/results.json" || not_ok "the made-up results"

mkdir "$dir/out" "$dir/out0"
# report RESULTS OUTDIR: gnuplot warns of the workloads without numbers
# (empty y range); its messages show only when report fails.
report() { "$here/report" "$@" >"$dir/log" 2>&1 || { cat "$dir/log" >&2; return 1; }; }
report "$dir/results.json" "$dir/out" || not_ok "report exits 0"
md=$dir/out/results.md
# has TEXT: results.md holds the line TEXT (fixed string, whole line).
has() { if grep -qxF -- "$1" "$md"; then ok "${2:-$1}"; else not_ok "${2:-$1}: not in $md"; fi; }
hasnt() { if grep -qF -- "$1" "$md"; then not_ok "$2"; else ok "$2"; fi; }
has "## Goals"
line() { grep -nxF -- "$1" "$md" | head -1 | cut -d: -f1; }
if [ "$(line "## Goals")" -lt "$(line "## Throughput")" ] &&
	[ "$(grep -n '^Ratios are' "$md" | cut -d: -f1)" -lt "$(line "## Goals")" ]; then
	ok "Goals after the intro, before Throughput"
else
	not_ok "Goals after the intro, before Throughput"
fi
if grep -q 'within the spread" when it misses\|no more than half the larger of the two cells' "$md"; then
	ok "the definition of within the spread is stated"
else
	not_ok "the definition of within the spread is stated"
fi
has "Throughput: 2 met, 1 within the spread, 1 missed; guest CPU per GiB: 1 met, 2 within the spread, 1 missed."
has "| raid1 | seq-write | 1.050 | 4.0% | 6.0% | met | 0.980 | 3.0% | 5.0% | met |" "goals met"
has "| raid1 | rand-read | 0.950 | 10.0% | 6.0% | within the spread | 1.030 | 10.0% | 4.0% | within the spread |" \
	"within the spread (on the boundary, and for CPU)"
has "| raid5 | seq-write | 0.880 | 8.0% | 6.0% | missed by 12.0% | 1.100 | 6.0% | 30.0% | within the spread |" \
	"throughput missed by 12.0%"
has "| raid5 | rand-read | 1.000 | 3.0% | 2.0% | met | 1.250 | 5.0% | 9.0% | missed by 25.0% |" \
	"ratio 1.00 meets, guest CPU missed by 25.0%"
if sed -n '/^### Host buffers/,/^### P2P buffers/p' "$md" | grep -q '^| raid1-far0 '; then
	not_ok "no -far0 row in the host goals"
else
	ok "no -far0 row in the host goals"
fi
# The meter.
has "3 met, 1 missed." "meter tally"
has "| raid1 | seq-write | 0.000 | <= 0.05 | met |" "meter goal met"
has "| raid1 | rand-read | 0.050 | <= 0.05 | met |" "meter goal met on the boundary"
has "| raid5 | seq-write | 0.520 | <= 0.40 | missed by 0.120 |" "raid5 write goal missed by 0.120"
has "| raid5 | rand-read | 0.000 | <= 0.05 | met |" "raid5 read goal 0.05"
has "| raid1-far0 | seq-write | 1.000 | - | no goal (one member unreachable) |" "-far0: no goal"
if grep -q 'full-stripe writes' "$md"; then ok "the write goals are for full-stripe writes"
else not_ok "the write goals are for full-stripe writes"; fi
hasnt "meter pass did not run" "the meter ran"
# The spread.
if grep -qF "9 of 10 cells are within 10%; these are not:" "$md"; then ok "spread: 9 of 10 within 10%"
else not_ok "spread: 9 of 10 within 10%: $(grep 'cells are within' "$md")"; fi
has "| dm-raid | raid5 | seq-write | 30.0% |" "spread: the cell above 10% is listed"
hasnt "| raid-p2p | raid1 | rand-read | 10.0% |" "spread: 10% is within"
# The rest of the report.
has "## Throughput"
has "| raid5 | seq-write | 100 ±4% | 100 ±10% | 100 ±3% | EREMOTEIO | - | - | 0.88 | - | - |" \
	"the throughput table as before"
has "## Host memory traffic (DMA meter)"
for f in throughput.png ratio.png; do
	if [ -s "$dir/out/$f" ]; then ok "$f written"; else not_ok "$f written"; fi
done

# No meter numbers: one line instead of the table.
jq '.runs[].host_ram_bytes_per_user_byte = null' "$dir/results.json" >"$dir/results0.json"
report "$dir/results0.json" "$dir/out0" || not_ok "report without meter numbers exits 0"
md=$dir/out0/results.md
has "The DMA meter pass did not run: these results have no host memory numbers (\`host_ram_bytes_per_user_byte\`), so this goal is not checked." \
	"no meter: the pass did not run"
hasnt "| raid5 | seq-write | 0.520" "no meter: no table"
hasnt "no goal (one member unreachable)" "no meter: no -far0 rows"
hasnt "## Host memory traffic" "no meter: no host memory section"
has "| raid5 | seq-write | 0.880 | 8.0% | 6.0% | missed by 12.0% | 1.100 | 6.0% | 30.0% | within the spread |" \
	"no meter: the host goals as before"

finish
