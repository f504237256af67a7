#!/usr/bin/env bash
# tests/vm/dma-meter on a made-up trace and guest report: each kind of
# byte lands in its column and its phase, --check passes what agrees and
# fails what does not, and bad input is refused with exit 2.
here=$(cd "$(dirname "$(readlink -f "$0")")" && pwd)
meter=$here/dma-meter
ST_NAME=dma-meter-selftest
. "$here/../selftest-lib.sh"

# Two drives: A (CMB 0xf0000000-0xf3ffffff) and B (CMB 0xec000000-...),
# each with a register BAR 0.
cat >"$dir/t.guest" <<'G'
bar 0000:03:00.0 0 0x00000000fe400000 0x00000000fe403fff
bar 0000:03:00.0 2 0x00000000f0000000 0x00000000f3ffffff
bar 0000:04:00.0 0 0x00000000fe200000 0x00000000fe203fff
bar 0000:04:00.0 2 0x00000000ec000000 0x00000000efffffff
mark 1 one
bar 0000:03:00.0 2 0x00000000f0000000 0x00000000f3ffffff
mark 2 two
G
# (boot): 4096 host. one: 8192 host, 4096 own CMB (a map_addr into A's CMB
# and its map_addr_cmb), 4096 peer (into B's CMB). two: 512 into a
# register BAR; the kernel's own Get Features (no mark) changes nothing.
cat >"$dir/t" <<'T'
pci_nvme_map_addr addr 0x7efdc000 len 4096
pci_nvme_getfeat cid 24 nsid 0xffffffff fid 0x7 sel 0x0 cdw11 0x52500001
pci_nvme_map_addr addr 0x7efdc000 len 4096
1234@1700000000.000001:pci_nvme_map_addr addr 0x100000000 len 4096
pci_nvme_map_addr addr 0xf0001000 len 4096
pci_nvme_map_addr_cmb addr 0xf0001000 len 4096
pci_nvme_map_addr addr 0xec000000 len 4096
pci_nvme_getfeat cid 25 nsid 0x0 fid 0x7 sel 0x0 cdw11 0x0
pci_nvme_getfeat cid 26 nsid 0xffffffff fid 0x7 sel 0x0 cdw11 0x52500002
pci_nvme_map_addr addr 0xfe400000 len 512
T
out=$("$meter" --json "$dir/t") || not_ok "dma-meter --json exits 0"
j() { python3 -c 'import json,sys; d=json.load(sys.stdin); print(eval(sys.argv[1]))' "$1" <<<"$out"; }
expect_eq "phases in trace order" "$(j '[p["name"] for p in d["phases"]]')" "['(boot)', 'one', 'two']"
expect_eq "boot: host RAM" "$(j 'd["phases"][0]["host_ram"]')" 4096
expect_eq "one: host RAM, below and above 4 GiB" "$(j 'd["phases"][1]["host_ram"]')" 8192
expect_eq "one: own CMB" "$(j 'd["phases"][1]["own_cmb"]')" 4096
expect_eq "one: peer CMB" "$(j 'd["phases"][1]["peer_cmb"]')" 4096
expect_eq "two: a register BAR is other_bar" "$(j 'd["phases"][2]["other_bar"]')" 512
expect_eq "total host RAM" "$(j 'd["total"]["host_ram"]')" 12288
table=$("$meter" "$dir/t")
if grep -q '^one .* 8192 .* 4096 .* 4096 ' <<<"$table"; then ok "the table"; else not_ok "the table: $table"; fi

echo "one user=100000 host_ram=8192 cmb=8192 total=16384" >"$dir/good"
"$meter" --check "$dir/good" "$dir/t" >"$dir/out" && ok "--check passes what agrees" ||
	not_ok "--check passes what agrees: $(cat "$dir/out")"
# 2% of 100000 B is 2000 B: 8192 vs 5000 is out, 8192 vs 7000 is in.
echo "one user=100000 host_ram=5000 cmb=8192" >"$dir/bad"
"$meter" --check "$dir/bad" "$dir/t" >"$dir/out"
expect_eq "--check fails what does not agree" "$?" 1
grep -q '^not ok - one: meter host_ram 8192 B, expected 5000 B' "$dir/out" &&
	ok "--check names the value" || not_ok "--check names the value: $(cat "$dir/out")"
echo "one user=100000 host_ram=7000 cmb=8192" >"$dir/near"
"$meter" --check "$dir/near" "$dir/t" >/dev/null && ok "--check allows the tolerance" ||
	not_ok "--check allows the tolerance"
"$meter" --check "$dir/near" --tolerance 1 "$dir/t" >/dev/null
expect_eq "--tolerance 1 is stricter" "$?" 1

# Bad input: exit 2 and a message that names the problem.
refused() { # WHAT PATTERN CMD...
	local what=$1 pat=$2 err rc
	shift 2
	err=$("$@" 2>&1 >/dev/null)
	rc=$?
	if [ "$rc" = 2 ] && grep -q -- "$pat" <<<"$err"; then ok "$what"; else not_ok "$what (exit $rc: $err)"; fi
}
echo "three user=1 host_ram=0 cmb=0" >"$dir/nophase"
refused "--check: a phase the trace lacks" "no phase three" "$meter" --check "$dir/nophase" "$dir/t"
echo "one host_ram=0" >"$dir/nouser"
refused "--check: no user bytes" "want 'PHASE user=N" "$meter" --check "$dir/nouser" "$dir/t"
cp "$dir/t" "$dir/u" && sed '/^mark 2/d' "$dir/t.guest" >"$dir/u.guest"
refused "a mark the guest did not name" "mark 2 is not in" "$meter" "$dir/u"
cp "$dir/t" "$dir/v" && { cat "$dir/t.guest"; echo "mark 3 three"; } >"$dir/v.guest"
refused "a mark that never reached the trace" "marks \[3\] never reached" "$meter" "$dir/v"
cp "$dir/t" "$dir/w" && { cat "$dir/t.guest"; echo "bar 0000:05:00.0 zz"; } >"$dir/w.guest"
refused "a guest line it cannot read" "cannot read 'bar 0000:05:00.0 zz'" "$meter" "$dir/w"
refused "no guest report" "was the run given --dma-trace" "$meter" "$dir/nosuch"
{ cat "$dir/t"; echo "pci_nvme_map_addr addr zz"; } >"$dir/x" && cp "$dir/t.guest" "$dir/x.guest"
refused "a trace line it cannot read" "cannot read 'pci_nvme_map_addr addr zz'" "$meter" "$dir/x"

finish
