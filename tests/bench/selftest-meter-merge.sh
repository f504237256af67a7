#!/usr/bin/env bash
# tests/bench/meter-merge on a made-up results file and trace: each cell
# gets its meter pass's bytes, a failed job and a cell without a pass get
# nulls, the top-level fields appear, and a phase missing from the trace
# is refused.
here=$(cd "$(dirname "$(readlink -f "$0")")" && pwd)
ST_NAME=meter-merge-selftest
. "$here/../selftest-lib.sh"

cat >"$dir/t.guest" <<'G'
bar 0000:03:00.0 2 0x00000000f0000000 0x00000000f3ffffff
bar 0000:04:00.0 2 0x00000000ec000000 0x00000000efffffff
mark 1 meter/raid-p2p/raid5/seq-write/p2p
mark 2 meter/dm-raid/raid5/seq-write/p2p
mark 3 meter-done
G
# Cell 1: 8192 B written: 4096 to the own CMB, 4096 peer, 2048 host.
cat >"$dir/t" <<'T'
pci_nvme_getfeat cid 1 nsid 0xffffffff fid 0x7 sel 0x0 cdw11 0x52500001
pci_nvme_map_addr addr 0xf0000000 len 4096
pci_nvme_map_addr_cmb addr 0xf0000000 len 4096
pci_nvme_map_addr addr 0xec000000 len 4096
pci_nvme_map_addr addr 0x1000 len 2048
pci_nvme_getfeat cid 2 nsid 0xffffffff fid 0x7 sel 0x0 cdw11 0x52500002
pci_nvme_getfeat cid 3 nsid 0xffffffff fid 0x7 sel 0x0 cdw11 0x52500003
T
cat >"$dir/r.json" <<'R'
{"kernel": "6.12.118", "runs": [
 {"target": "raid-p2p", "level": "raid5", "workload": "seq-write", "buffer": "p2p", "error": null},
 {"target": "dm-raid", "level": "raid5", "workload": "seq-write", "buffer": "p2p", "error": "EREMOTEIO"},
 {"target": "md", "level": "raid5", "workload": "seq-write", "buffer": "host", "error": null}]}
R
cat >"$dir/c.json" <<'C'
[{"mark": "meter/raid-p2p/raid5/seq-write/p2p", "target": "raid-p2p", "level": "raid5",
  "workload": "seq-write", "buffer": "p2p", "user_bytes": 8192, "errno": null},
 {"mark": "meter/dm-raid/raid5/seq-write/p2p", "target": "dm-raid", "level": "raid5",
  "workload": "seq-write", "buffer": "p2p", "user_bytes": 0, "errno": 121}]
C
cp "$dir/r.json" "$dir/r0.json"
"$here/meter-merge" --icount 3 --commit abc --qemu "QEMU emulator version 10.0.2" "$dir/r.json" "$dir/c.json" "$dir/t" || not_ok "meter-merge exits 0"
j() { jq -r "$1" "$dir/r.json"; }
expect_eq "raid-p2p cell: host RAM per user byte" "$(j '.runs[0].host_ram_bytes_per_user_byte')" 0.25
expect_eq "raid-p2p cell: own CMB bytes" "$(j '.runs[0].own_cmb_bytes')" 4096
expect_eq "raid-p2p cell: peer CMB bytes" "$(j '.runs[0].peer_cmb_bytes')" 4096
expect_eq "raid-p2p cell: user bytes" "$(j '.runs[0].meter_user_bytes')" 8192
expect_eq "a failed job gives null" "$(j '.runs[1].host_ram_bytes_per_user_byte')" null
expect_eq "a cell without a pass gives null" "$(j '.runs[2] | has("host_ram_bytes") and .host_ram_bytes == null')" true
expect_eq "icount" "$(j '.icount')" 3
expect_eq "git_commit" "$(j '.git_commit')" abc
expect_eq "qemu" "$(j '.qemu')" "QEMU emulator version 10.0.2"
expect_eq "the other fields are kept" "$(j '.kernel')" 6.12.118
"$here/meter-merge" "$dir/r0.json" "$dir/c.json" "$dir/t" >/dev/null || not_ok "meter-merge without --icount"
expect_eq "no --icount: null" "$(jq -r .icount "$dir/r0.json")" null
expect_eq "no --qemu: null" "$(jq -r .qemu "$dir/r0.json")" null

jq '.[1].mark = "meter/md/raid5/x/p2p"' "$dir/c.json" >"$dir/c1.json"
err=$("$here/meter-merge" "$dir/r0.json" "$dir/c1.json" "$dir/t" 2>&1 >/dev/null)
expect_eq "a phase the trace lacks is refused" "$?" 1
if grep -q "no phase meter/md/raid5/x/p2p" <<<"$err"; then ok "and named"; else not_ok "and named: $err"; fi
echo '[]' >"$dir/none.json"
err=$("$here/meter-merge" "$dir/r0.json" "$dir/none.json" "$dir/t" 2>&1 >/dev/null)
if grep -q "no cells" <<<"$err"; then ok "results without a meter pass are refused"
else not_ok "results without a meter pass are refused: $err"; fi

finish
