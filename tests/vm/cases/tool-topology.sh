#!/usr/bin/env bash
# p2praid-tool on the live rig: its topology report equals the one it gives
# for the captured rig tree (tests/fixtures/sysfs/rig-switch4), the switch
# drives reach each other's CMBs and rp-far0 is unreachable, and list/stop
# work through the real libdevmapper.
. "$(dirname "$0")/../lib.sh"
tool=$RP_BUILD/tools/p2praid-tool
fixture=$RP_TOP/tests/fixtures/sysfs/rig-switch4

# Controller names and minor numbers follow the (asynchronous) probe order,
# so compare by what the rig fixes: PCI addresses and serial numbers.
stable() {
	jq -S '{
		pci: [.pci[] | {bdf, kind, id, acs, upstream}] | sort_by(.bdf),
		controllers: [.controllers[] | {pci, serial, attachment}] | sort_by(.pci),
		providers: [.providers[] | {pci, size, published, attachment}] | sort_by(.pci),
		paths: [.p2p_paths[] | {provider, client, map_type, distance, reachable, reason}]
			| sort_by(.provider, .client)
	}'
}
check "topology matches the captured rig tree" \
	diff <("$tool" topology -o json | stable) \
		<("$tool" --sysfs-root "$fixture" topology -o json | stable)

json=$("$tool" topology -o json)
far=$(rig_bdf rp-far0) sw1=$(rig_bdf rp-sw1)
dist() { # PROVIDER-BDF CONTROLLER-BDF
	jq -r --arg p "$1" --arg c "$2" \
		'.p2p_paths[] | select(.provider == $p and .client == $c) | .distance' <<<"$json"
}
expect_eq "rp-sw0 reaches rp-sw1's CMB at distance 4" "$(dist "$sw1" "$(rig_bdf rp-sw0)")" 4
expect_eq "rp-far0 cannot reach rp-sw1's CMB" "$(dist "$sw1" "$far")" null

dm_create tool-linear "0 2048 linear $(rig_dev rp-sw0) 0"
expect_eq "list shows no raid-p2p devices beside a linear one" "$("$tool" -o json list | jq -c '.arrays')" "[]"
"$tool" stop tool-linear 2>/tmp/err && rc=0 || rc=$?
expect_eq "stop refuses a device that is not raid-p2p (exit 5)" "$rc" 5
check "and says why" grep -q tool-linear /tmp/err
check "the linear device is still there" dmsetup info tool-linear
finish
