#!/usr/bin/env bash
# md-core (issue #3): the six -p2p modules load beside the kernel's own md.
#
# With the kernel's md-mod, raid1, raid456 and dm-raid loaded and an mdadm
# raid1 on rp-sw0/rp-sw1 under a fio write+verify load, the -p2p modules are
# loaded and unloaded ROUNDS times. Every round checks that both cores keep
# their own names (/proc, sysctl, block majors, workqueues, CPU hotplug
# states, module parameters, personalities). Three rounds also run an md-p2p
# raid10 on rp-sw2/rp-sw3, started with only md-p2p loaded, which proves that
# md-p2p autoloads raid10-p2p and not the kernel's raid10; the middle round
# also reloads the kernel's raid456 while raid456-p2p is loaded. At the end a
# final fio pass verifies the data and a raid1 check compares the mirrors.
# vm-run fails the run on any new WARN/BUG/oops/leak in the guest kernel.
#
# Every exec costs about half a second in the TCG guest, so the per-round
# checks use shell builtins only: two modprobe calls per round.
. "$(dirname "$0")/../lib.sh"

ROUNDS=${RP_MD_CORE_ROUNDS:-20}
P2P_MODS=(md-p2p linear-p2p raid0-p2p raid1-p2p raid10-p2p raid456-p2p)
P2P_PERS="linear raid0 raid1 raid10 raid4 raid5 raid6"
KERNEL_MODS=(md-mod raid1 raid456 dm-raid)
P2P_ARRAY="md-p2p_coexist"
work=$(mktemp -d)

loaded() { [ -d "/sys/module/${1//-/_}" ]; }
all_loaded() {
	local m
	for m in "$@"; do loaded "$m" || { log "module $m is not loaded"; return 1; }; done
}
none_loaded() {
	local m
	for m in "$@"; do ! loaded "$m" || { log "module $m is loaded"; return 1; }; done
}
unload_p2p() { # one modprobe for all: each exec is slow here
	local m mods=()
	for m in raid456-p2p raid10-p2p raid1-p2p raid0-p2p linear-p2p md-p2p; do
		loaded "$m" && mods+=("$m")
	done
	[ ${#mods[@]} -eq 0 ] || modprobe -r "${mods[@]}"
}
on_exit unload_p2p
# slurp VAR FILE: FILE's content into VAR, without forking.
slurp() {
	local -n _v=$1
	local _l
	_v=
	[ -r "$2" ] || return 1
	mapfile -t _l <"$2"
	printf -v _v '%s\n' "${_l[@]}"
}
# personalities FILE: the sorted personalities an mdstat file lists, in $REPLY.
personalities() {
	local text w out=()
	slurp text "$1" || return 1
	[[ $text =~ Personalities\ :\ ([^$'\n']*) ]] || return 1
	for w in ${BASH_REMATCH[1]}; do
		w=${w#[}
		out+=("${w%]}")
	done
	REPLY=$(printf '%s\n' "${out[@]}" | sort | xargs) # setup only; see pers_is
}
# pers_is FILE "WANT...": FILE lists exactly these personalities (any order).
pers_is() {
	local text w n=0
	slurp text "$1" || return 1
	[[ $text =~ Personalities\ :\ ([^$'\n']*) ]] || return 1
	for w in ${BASH_REMATCH[1]}; do
		w=${w#[}
		w=${w%]}
		[[ " $2 " == *" $w "* ]] || { log "$1 lists personality $w"; return 1; }
		n=$((n + 1))
	done
	set -- $2
	[ $n -eq $# ] || { log "$1 lists $n personalities, want $#"; return 1; }
}
# mdstat_has FILE ARRAY: ARRAY is listed in FILE.
mdstat_has() {
	local text
	slurp text "$1" && [[ $'\n'$text == *$'\n'"$2 : "* ]]
}
# mirrors_in_sync FILE ARRAY: the status line under ARRAY says [2/2] [UU].
mirrors_in_sync() {
	local text rest
	slurp text "$1" || return 1
	rest=${text#*$'\n'"$2 : "}
	[ "$rest" != "$text" ] || return 1
	rest=${rest#*$'\n'}
	[[ ${rest%%$'\n'*} == *"[2/2] [UU]"* ]]
}
# serial_dev VAR SERIAL: rig_dev without its two execs per controller.
serial_dev() {
	local c s
	for c in /sys/class/nvme/nvme*; do
		read -r s <"$c/serial"
		[ "$s" = "$2" ] && { printf -v "$1" '/dev/%sn1' "${c##*/}"; return 0; }
	done
	die "no NVMe controller with serial $2"
}
# only_p2p_aliases WORDS: every word is md-p2p-*.
only_p2p_aliases() {
	local a
	for a in "$@"; do [[ $a == md-p2p-* ]] || { log "alias $a"; return 1; }; done
}

# --- the modules as built: modinfo, one call for all six ------------------------
read -r krel </proc/sys/kernel/osrelease
[[ $krel =~ ^([0-9]+\.[0-9]+)\.[0-9]+ ]] || die "cannot parse kernel release $krel"
kver=${BASH_REMATCH[0]} series=${BASH_REMATCH[1]}
want_patches=()
for p in "$RP_TOP/md-core/patches/$series"/*.patch; do want_patches+=("${p##*/}"); done
declare -A info=()
mod=
while IFS= read -r line; do
	key=${line%%:*} val=${line#*:}
	val=${val#"${val%%[![:space:]]*}"}
	if [ "$key" = filename ]; then
		mod=${val##*/}
		mod=${mod%.ko}
		continue
	fi
	info[$mod:$key]+="${info[$mod:$key]:+ }$val"
done < <(modinfo "${P2P_MODS[@]}")
for m in "${P2P_MODS[@]}"; do
	expect_eq "$m: modinfo p2p_source_version" "${info[$m:p2p_source_version]:-}" "$kver"
	expect_eq "$m: modinfo p2p_series" "${info[$m:p2p_series]:-}" "$series"
	expect_eq "$m: modinfo p2p_patch lists md-core/patches/$series in order" \
		"${info[$m:p2p_patch]:-}" "${want_patches[*]}"
	check "$m: modinfo p2p_source names the Debian source package" \
		test "${info[$m:p2p_source]:-}" != "${info[$m:p2p_source]#*(linux-source-$series $kver-}"
	# shellcheck disable=SC2086 # a list of words
	check "$m: every alias is md-p2p-*" only_p2p_aliases ${info[$m:alias]:-}
	deps=",${info[$m:depends]:-},"
	bad_deps=
	for d in md-mod linear raid0 raid1 raid10 raid456; do
		[[ $deps == *",$d,"* ]] && bad_deps+=" $d"
	done
	check "$m: depends on no kernel md module${bad_deps:+ (does:$bad_deps)}" test -z "$bad_deps"
done
expect_eq "raid1-p2p depends on md-p2p only" "${info[raid1-p2p:depends]:-}" md-p2p
expect_eq "md-p2p has no aliases (no md, no block-major-9-*)" "${info[md-p2p:alias]:-}" ""

# --- the kernel's md, with an mdadm raid1 under load --------------------------
none_loaded "${P2P_MODS[@]}" || die "-p2p modules loaded before the test"
sw0="" sw1="" sw2="" sw3=""
serial_dev sw0 rp-sw0
serial_dev sw1 rp-sw1
serial_dev sw2 rp-sw2
serial_dev sw3 rp-sw3
modprobe md-mod || die "modprobe md-mod"
mdadm --create /dev/md/coexist --run --level=1 --raid-devices=2 --assume-clean \
	--metadata=1.2 --size=64M "$sw0" "$sw1" >"$work/mdadm.log" 2>&1 ||
	{ cat "$work/mdadm.log" >&2; die "mdadm --create failed"; }
on_exit "mdadm --stop /dev/md/coexist"
md=$(readlink -f /dev/md/coexist)
mdname=${md##*/}
check "kernel md autoloaded the kernel's raid1 for $mdname" loaded raid1
check "kernel md did not autoload raid1-p2p" none_loaded raid1-p2p
modprobe -a raid456 dm-raid || die "modprobe raid456 dm-raid"
check "kernel md-mod, raid1, raid456, dm-raid loaded" all_loaded "${KERNEL_MODS[@]}"
personalities /proc/mdstat
kernel_pers=$REPLY
log "kernel md personalities: $kernel_pers"

FIO_JOB=(--name=coexist --filename="$md" --rw=randwrite --bs=4k --size=16M
	--direct=1 --ioengine=libaio --iodepth=8 --verify=crc32c --verify_fatal=1 --eta=never)
stop=$work/stop
(
	# Write 16 MiB at random and verify it, again and again, until told to
	# stop; the final pass below re-verifies the last pass's data.
	n=0
	while [ ! -e "$stop" ]; do
		n=$((n + 1))
		fio "${FIO_JOB[@]}" --verify_backlog=1024 --output="$work/fio.$n.log" ||
			{ echo "$n" >"$work/fio.failed"; exit 1; }
		echo "$n" >"$work/fio.passes"
	done
) &
fio_pid=$!
on_exit "touch $stop; wait $fio_pid"
fio_running() { [ ! -e "$work/fio.failed" ] && kill -0 "$fio_pid"; }

# --- an md-p2p raid10 on rp-sw2/rp-sw3, built through sysfs -------------------
p2p_array() {
	local d=/sys/block/$P2P_ARRAY/md dev b s=0 i devno
	echo "$P2P_ARRAY" >/sys/module/md_p2p/parameters/new_array || return 1
	[ -d "$d" ] && [ -b "/dev/$P2P_ARRAY" ] || { log "no $d or /dev/$P2P_ARRAY"; return 1; }
	echo none >"$d/metadata_version" && echo raid10 >"$d/level" &&
		echo 2 >"$d/raid_disks" && echo 65536 >"$d/chunk_size" &&
		echo 258 >"$d/layout" && echo none >"$d/resync_start" || return 1
	for dev in "$sw2" "$sw3"; do
		b=${dev##*/}
		read -r devno <"/sys/class/block/$b/dev"
		echo "$devno" >"$d/new_dev" && echo $s >"$d/dev-$b/slot" &&
			echo 65536 >"$d/dev-$b/size" || return 1
		s=$((s + 1))
	done
	echo 65536 >"$d/component_size" && echo active >"$d/array_state" ||
		{ log "$P2P_ARRAY did not start"; return 1; }
	local text
	slurp text /proc/mdstat-p2p
	[[ $text == *$'\n'"$P2P_ARRAY : active raid10 "* ]] ||
		{ log "$P2P_ARRAY is not active in /proc/mdstat-p2p"; return 1; }
	! mdstat_has /proc/mdstat "$P2P_ARRAY" || { log "$P2P_ARRAY is in /proc/mdstat"; return 1; }
	fio --name=p2p --filename="/dev/$P2P_ARRAY" --rw=randwrite --bs=4k --size=4M \
		--direct=1 --ioengine=libaio --iodepth=8 --verify=crc32c --verify_fatal=1 \
		--eta=never --output="$work/fio.p2p.log" || { cat "$work/fio.p2p.log" >&2; return 1; }
	echo clear >"$d/array_state" || { log "cannot stop $P2P_ARRAY"; return 1; }
	# md with legacy_async_del_gendisk (7.x, on by default) keeps a disk
	# made through new_array after "clear", stopped, until the module goes;
	# older md deletes it.
	if [ -e /sys/module/md_p2p/parameters/legacy_async_del_gendisk ]; then
		slurp text /proc/mdstat-p2p
		[[ $text != *$'\n'"$P2P_ARRAY : active"* ]] && [ "$(cat "$d/array_state")" = clear ] ||
			{ log "$P2P_ARRAY is not stopped after clear: $(cat "$d/array_state")"; return 1; }
		return 0
	fi
	for ((i = 0; i < 20; i++)); do
		[ -e "/sys/block/$P2P_ARRAY" ] || break
		sleep 0.2
	done
	[ ! -e "/sys/block/$P2P_ARRAY" ] || { log "$P2P_ARRAY still exists after clear"; return 1; }
}

# --- what must hold while both cores are loaded, and after unloading ours -----
kernel_mdstat_ok() { mdstat_has /proc/mdstat "$mdname" && pers_is /proc/mdstat "$kernel_pers"; }
p2p_mdstat_ok() { pers_is /proc/mdstat-p2p "$P2P_PERS" && ! mdstat_has /proc/mdstat-p2p "$mdname"; }
sysctls_ok() {
	[ -e /proc/sys/dev/raid/speed_limit_min ] && [ -e /proc/sys/dev/raid-p2p/speed_limit_min ] &&
		[ -e /proc/sys/dev/raid-p2p/speed_limit_max ]
}
majors_ok() {
	local t n=$'\n'
	local mdp="$n *[0-9]+ mdp$n" mdp2p="$n *[0-9]+ md-p2p$n" mdpp2p="$n *[0-9]+ mdp-p2p$n"
	slurp t /proc/devices
	[[ $t == *"$n  9 md$n"* && $t =~ $mdp && $t =~ $mdp2p && $t =~ $mdpp2p ]]
}
raid456_names_ok() {
	local t
	[ -d /sys/devices/virtual/workqueue/raid5wq ] && [ -d /sys/devices/virtual/workqueue/raid5wq-p2p ] &&
		slurp t /sys/devices/system/cpu/hotplug/states &&
		[[ $t == *" md/raid5:prepare"$'\n'* && $t == *" md/raid5-p2p:prepare"$'\n'* ]]
}
params_ok() {
	[ -e /sys/module/md_mod/parameters/start_ro ] && [ -e /sys/module/md_p2p/parameters/start_ro ] &&
		[ -e /sys/module/md_p2p/parameters/new_array ] &&
		[ -e /sys/module/raid0_p2p/parameters/default_layout ]
}
both_loaded() {
	local i=$1
	check "round $i: kernel md and all -p2p modules loaded at once" \
		all_loaded "${KERNEL_MODS[@]}" "${P2P_MODS[@]}"
	check "round $i: /proc/mdstat is the kernel md's ($mdname, its personalities only)" kernel_mdstat_ok
	check "round $i: /proc/mdstat-p2p is md-p2p's ($P2P_PERS; not $mdname)" p2p_mdstat_ok
	check "round $i: sysctls dev.raid.* and dev.raid-p2p.*" sysctls_ok
	check "round $i: block majors 9 md, mdp, md-p2p, mdp-p2p" majors_ok
	check "round $i: raid5wq(-p2p) workqueues, md/raid5(-p2p):prepare hotplug states" raid456_names_ok
	check "round $i: module parameters under md_mod, md_p2p, raid0_p2p" params_ok
}
p2p_gone_ok() {
	local t
	slurp t /proc/devices
	[ ! -e /proc/mdstat-p2p ] && [ ! -e /proc/sys/dev/raid-p2p ] && [[ $t != *p2p* ]] &&
		[ ! -e /sys/devices/virtual/workqueue/raid5wq-p2p ] &&
		[ -e /proc/sys/dev/raid/speed_limit_min ] && kernel_mdstat_ok
}
modules_swapped_ok() { none_loaded "${P2P_MODS[@]}" && all_loaded "${KERNEL_MODS[@]}"; }
raid10_autoloaded_ok() { loaded raid10-p2p && none_loaded raid10; }
kernel_raid456_reload() { modprobe -r dm-raid raid456 && modprobe -a raid456 dm-raid; }

t0=$SECONDS
mid=$(((ROUNDS + 1) / 2))
for ((i = 1; i <= ROUNDS; i++)); do
	if [ "$i" = 1 ] || [ "$i" = "$mid" ] || [ "$i" = "$ROUNDS" ]; then
		# Only the core: md_run must autoload raid10-p2p by its md-p2p-* alias.
		check "round $i: modprobe md-p2p alone" modprobe md-p2p
		check "round $i: md-p2p raid10 on rp-sw2/rp-sw3 passes fio verify" p2p_array
		check "round $i: md-p2p autoloaded raid10-p2p, not the kernel's raid10" raid10_autoloaded_ok
	fi
	check "round $i: modprobe the -p2p modules" modprobe -a "${P2P_MODS[@]}"
	both_loaded "$i"
	if [ "$i" = "$mid" ]; then
		# The other order: the kernel's raid456 loads while raid456-p2p holds
		# its workqueue and CPU hotplug state.
		check "round $i: kernel raid456 unloads and loads again beside raid456-p2p" kernel_raid456_reload
		both_loaded "$i"
	fi
	check "round $i: unload the -p2p modules" unload_p2p
	check "round $i: -p2p modules gone, kernel md's modules loaded" modules_swapped_ok
	check "round $i: md-p2p's names gone, the kernel md's still there" p2p_gone_ok
	check "round $i: background fio still running" fio_running
	[ "$T_FAILS" -eq 0 ] || break
done
log "$((i - 1)) load/unload rounds took $((SECONDS - t0)) s"

touch "$stop"
fio_rc=0
wait "$fio_pid" || fio_rc=$?
[ ! -e "$work/fio.failed" ] || cat "$work/fio.$(cat "$work/fio.failed").log" >&2
passes=0
[ ! -e "$work/fio.passes" ] || read -r passes <"$work/fio.passes"
check "background fio write+verify: all $passes passes verified" test "$fio_rc" -eq 0 -a "$passes" -gt 0
check "final pass: the last pass's data still verifies" \
	fio "${FIO_JOB[@]}" --verify_only --output="$work/fio.final.log"
echo check >"/sys/block/$mdname/md/sync_action"
for ((s = 0; s < 300; s++)); do
	read -r action <"/sys/block/$mdname/md/sync_action"
	[ "$action" = idle ] && break
	sleep 0.2
done
read -r mismatches <"/sys/block/$mdname/md/mismatch_cnt"
expect_eq "$mdname: raid1 check finds no mismatch" "$mismatches" 0
check "$mdname: both mirrors in sync [UU]" mirrors_in_sync /proc/mdstat "$mdname"
finish
