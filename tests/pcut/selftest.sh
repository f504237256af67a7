#!/usr/bin/env bash
# pcut's own test, on files: what it writes and acknowledges verifies, and
# it notices an acknowledged page that was lost, torn or rolled back.
set -uo pipefail
pcut=${1:?path to pcut}
dir=$(mktemp -d "${2:-${TMPDIR:-/tmp}}/pcut-selftest.XXXXXX")
trap 'rm -rf "$dir"' EXIT
fails=0
expect() { # WANT_STATUS DESCRIPTION CMD...
	local want=$1 what=$2 st=0
	shift 2
	"$@" >"$dir/out" 2>&1 || st=$?
	if [ "$st" -eq "$want" ]; then
		echo "ok - $what"
	else
		echo "not ok - $what (exit $st, want $want)"
		sed 's/^/  | /' "$dir/out"
		fails=$((fails + 1))
	fi
}
# page N of FILE: its 4 KiB
page() { dd if="$1" bs=4096 skip="$2" count=1 status=none; }

truncate -s 4M "$dir/dev" && truncate -s 64k "$dir/log" || exit 1
# O_DIRECT needs a file system that has it (not tmpfs on older kernels).
"$pcut" write -d "$dir/dev" -l "$dir/log" -o 0 -r 0 -j 0 -J 1 -s 4M -k 4 2>"$dir/err" &
pid=$!
sleep 1
kill "$pid" 2>/dev/null
wait "$pid" 2>/dev/null
if grep -q 'Invalid argument' "$dir/err"; then
	echo "pcut-selftest: no O_DIRECT on $dir; set TMPDIR" >&2
	exit 1
fi
cp "$dir/dev" "$dir/dev.run0"
"$pcut" write -d "$dir/dev" -l "$dir/log" -o 0 -r 1 -j 0 -J 1 -s 4M -k 4 -S 9 2>>"$dir/err" &
pid=$!
sleep 1
kill "$pid" 2>/dev/null
wait "$pid" 2>/dev/null

expect 0 "what two killed writers acknowledged verifies" \
	"$pcut" verify -d "$dir/dev" -l "$dir/log" -o 0 -s 4M
grep -q ' 2 writer slots' "$dir/out" || { echo "not ok - both slots found"; fails=$((fails + 1)); }

# A written page (its header names the format).
victim=
for p in $(seq 0 1023); do
	if page "$dir/dev" "$p" | head -c 8 | grep -q 'PuPagev1'; then victim=$p; break; fi
done
[ -n "$victim" ] || { echo "not ok - no page was written"; exit 1; }
cp "$dir/dev" "$dir/dev.orig"

printf 'X' | dd of="$dir/dev" bs=1 seek=$((victim * 4096 + 100)) conv=notrunc status=none
expect 1 "a torn page is caught" "$pcut" verify -d "$dir/dev" -l "$dir/log" -o 0 -s 4M
cp "$dir/dev.orig" "$dir/dev"
dd if=/dev/zero of="$dir/dev" bs=4096 seek="$victim" count=1 conv=notrunc status=none
expect 1 "a lost page is caught" "$pcut" verify -d "$dir/dev" -l "$dir/log" -o 0 -s 4M
# Rolled back: every page run 1 changed as run 0 left it. Run 1 wrote
# more pages than it left unacknowledged (4 at most), so some lose an
# acknowledged write.
cp "$dir/dev.orig" "$dir/dev"
for p in $(cmp -l "$dir/dev.run0" "$dir/dev.orig" | awk '{ print int(($1 - 1) / 4096) }' | uniq); do
	dd if="$dir/dev.run0" of="$dir/dev" bs=4096 skip="$p" seek="$p" count=1 conv=notrunc \
		status=none
done
expect 1 "pages rolled back to an earlier write are caught" \
	"$pcut" verify -d "$dir/dev" -l "$dir/log" -o 0 -s 4M
expect 3 "a bad command line is refused" "$pcut" write -d "$dir/dev"
[ "$fails" -eq 0 ] || { echo "pcut-selftest: $fails failed"; exit 1; }
echo "pcut-selftest: all passed"
