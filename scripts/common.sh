# Shared settings for the build and rig scripts. Sourced, not executed.
# shellcheck shell=bash

RP_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
RP_CACHE=${RP_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/dm-raid-p2p}
# The guest kernel: its series (RP_KERNEL), the Debian package of its
# source, and the exact version pinned for it in tests/vm/kernel.pin.
RP_KERNEL=${RP_KERNEL:-6.12}
RP_MIRROR=${RP_MIRROR:-http://deb.debian.org/debian}
RP_SECURITY_MIRROR=${RP_SECURITY_MIRROR:-http://deb.debian.org/debian-security}
# The suites that keep the versions we pin (older ones stay in -security and
# the backports suites after the main suite moved on).
RP_KSUITES=${RP_KSUITES:-trixie trixie-security trixie-backports bookworm-backports}

rp_log() { printf '%s: %s\n' "${0##*/}" "$*" >&2; }
rp_die() { rp_log "error: $*"; exit 1; }

# Short content hash of files (and literal strings) for cache keys.
rp_hash() {
	local f
	for f in "$@"; do
		if [ -f "$f" ]; then cat "$f"; else printf '%s\n' "$f"; fi
	done | sha256sum | cut -c1-12
}

# rp_must_build OUT LOCK: whether the cache entry OUT is still to be built.
# Returns 1 if it is built, now or once the builder this one waited for is
# done. Else returns 0 holding LOCK (on fd 9, until the caller exits): one
# builder at a time builds OUT, the others wait, then find it built.
rp_must_build() {
	[ ! -e "$1/.rp-built" ] || return 1
	mkdir -p "${2%/*}"
	exec 9>"$2"
	flock 9
	[ ! -e "$1/.rp-built" ]
}

# rp_debootstrap OUT SUITE PKGS: a minbase Debian SUITE with the packages
# PKGS (comma-separated) in OUT, its log in OUT.log, without apt's lists,
# caches and downloaded packages.
rp_debootstrap() {
	command -v debootstrap >/dev/null || rp_die "debootstrap missing: run scripts/install-deps"
	rm -rf "$1"
	debootstrap --variant=minbase --include="$3" "$2" "$1" "$RP_MIRROR" >"$1.log" 2>&1 ||
		{ tail -20 "$1.log" >&2; rp_die "debootstrap failed (log: $1.log)"; }
	rm -rf "$1"/var/lib/apt/lists/* "$1"/var/cache/apt/*.bin "$1"/var/cache/apt/archives/*.deb
}

# The guest kernel's flavour (RP_KFLAVOUR): empty for the normal kernel,
# "debug" for the one with lockdep, KASAN and fault injection
# (tests/vm/kernel-debug.config). Each flavour has its own cache entry
# and kernel release, so modules for both sit side by side.
RP_KFLAVOUR=${RP_KFLAVOUR:-}
case "$RP_KFLAVOUR" in
"" | debug) ;;
*) printf '%s: error: RP_KFLAVOUR=%s: the kernel flavours are "" and "debug"\n' "${0##*/}" "$RP_KFLAVOUR" >&2
	exit 1 ;;
esac

# The guest kernel's config fragments, in merge order: kernel.config, then
# kernel-<series>.config if the series has one (what it needs differently),
# then kernel-<flavour>.config for a flavour.
rp_kernel_fragments() {
	echo "$RP_TOP/tests/vm/kernel.config"
	[ ! -f "$RP_TOP/tests/vm/kernel-$RP_KERNEL.config" ] ||
		echo "$RP_TOP/tests/vm/kernel-$RP_KERNEL.config"
	[ -z "$RP_KFLAVOUR" ] || echo "$RP_TOP/tests/vm/kernel-$RP_KFLAVOUR.config"
}

# Configure the kernel source tree in the current directory like the rig's
# guest kernel: x86_64 defconfig, kvm_guest.config, then the fragments in
# order (rp_kernel_fragments). Fails, naming the option, if olddefconfig
# dropped or changed anything a fragment asks for; where several fragments
# set one option, the last wins, as in merge_config.sh.
rp_configure_kernel() { # FRAGMENT...
	local line opt val bad=0
	make -s defconfig >/dev/null &&
		make -s kvm_guest.config >/dev/null &&
		scripts/kconfig/merge_config.sh -m .config "$@" >/dev/null &&
		make -s olddefconfig >/dev/null || return 1
	while IFS= read -r line; do
		opt=${line%%=*} val=${line#*=}
		if [ "$val" = n ]; then
			! grep -q "^$opt=[ym]" .config || { rp_log "config: $opt wanted off, is on"; bad=1; }
		else
			grep -qx "$line" .config || { rp_log "config: $line did not stick"; bad=1; }
		fi
	done < <(awk '/^CONFIG_[A-Za-z0-9_]+=/ { o = $0; sub(/=.*/, "", o); v[o] = $0; if (!(o in seen)) { seen[o] = 1; order[++n] = o } }
		END { for (i = 1; i <= n; i++) print v[order[i]] }' "$@")
	[ $bad -eq 0 ] || { rp_log "the config fragments ($(basename -a "$@" | xargs)) do not apply cleanly"; return 1; }
}

# Cache key of the rig's guest kernel: the pinned version of the series
# and the hash of its config fragments.
rp_kernel_key() {
	local ver frags
	ver=$(rp_kernel_pin) || return 1
	mapfile -t frags < <(rp_kernel_fragments)
	echo "$ver-$(rp_hash "${frags[@]}")"
}

# The kernel build tree the rig uses (the pinned version of $RP_KERNEL);
# prints its path. Fails if it is not built.
rp_kernel_dir() {
	local d
	d="$RP_CACHE/kernel/$(rp_kernel_key)" || return 1
	[ -e "$d/.rp-built" ] || return 1
	echo "$d"
}

# The pinned Debian version of linux-source-$RP_KERNEL. RP_KVERSION
# overrides it, for trying a new pin before committing it.
rp_kernel_pin() {
	local series=$RP_KERNEL v
	if [ -n "${RP_KVERSION:-}" ]; then
		echo "$RP_KVERSION"
		return 0
	fi
	v=$(awk -v s="$series" '$1 == s { print $2 }' "$RP_TOP/tests/vm/kernel.pin")
	[ -n "$v" ] || rp_die "no pinned version for kernel series $series in tests/vm/kernel.pin" \
		"(have: $(awk '!/^#/ && NF { printf "%s ", $1 }' "$RP_TOP/tests/vm/kernel.pin"))"
	echo "$v"
}

# apt-get options for the private apt directory DIR (created), whose sources
# are $RP_KSUITES: the machine's own apt configuration is left alone.
rp_apt_opts() { # DIR -> sets the array rp_apt
	local dir=$1 s
	mkdir -p "$dir/lists/partial" "$dir/archives/partial"
	for s in $RP_KSUITES; do
		case "$s" in
		*-security) printf 'deb %s %s main\n' "$RP_SECURITY_MIRROR" "$s" ;;
		*) printf 'deb %s %s main\n' "$RP_MIRROR" "$s" ;;
		esac
	done >"$dir/sources.list.new"
	if ! cmp -s "$dir/sources.list.new" "$dir/sources.list"; then
		mv "$dir/sources.list.new" "$dir/sources.list"
		rm -f "$dir"/lists/*Packages* # other suites: refresh now
	else
		rm -f "$dir/sources.list.new"
	fi
	rp_apt=(-o "Dir::Etc::sourcelist=$dir/sources.list"
		-o "Dir::Etc::sourceparts=-" -o "Dir::State::Lists=$dir/lists"
		-o "Dir::State::status=/dev/null"
		-o "Dir::Cache::archives=$dir/archives" -o "APT::Get::List-Cleanup=0"
		-o "Debug::NoLocking=1" -o "APT::Sandbox::User=root")
}

# Refresh the private index if it is older than MAXAGE days (default 1).
rp_apt_update() { # DIR [MAXAGE]
	local dir=$1 age=${2:-1}
	if [ -z "$(find "$dir/lists" -maxdepth 1 -name '*Packages*' -mtime -"$age" 2>/dev/null)" ]; then
		apt-get "${rp_apt[@]}" -qq update >&2 || rp_log "warning: cannot refresh the index of $RP_KSUITES"
	fi
}

# Download the Debian package PKG at exactly VERSION from $RP_KSUITES into
# $RP_CACHE/downloads (kept: a second call costs nothing and needs no
# network); print its path.
rp_fetch_deb() { # PKG VERSION
	local pkg=$1 ver=$2 dl="$RP_CACHE/downloads" f
	f=$(rp_cached_deb "$dl" "$pkg" "$ver")
	if [ -z "$f" ]; then
		mkdir -p "$dl"
		rp_apt_opts "$dl/apt"
		rp_apt_update "$dl/apt"
		(cd "$dl" && apt-get "${rp_apt[@]}" -qq download "$pkg=$ver" >&2) || {
			rp_apt_update "$dl/apt" 0
			(cd "$dl" && apt-get "${rp_apt[@]}" -qq download "$pkg=$ver" >&2)
		} || rp_die "cannot download $pkg $ver from $RP_KSUITES" \
			"(apt-cache madison $pkg in those suites lists what exists)"
		f=$(rp_cached_deb "$dl" "$pkg" "$ver")
	fi
	[ -n "$f" ] || rp_die "downloaded $pkg $ver, but it is not in $dl"
	[ "$(dpkg-deb -f "$f" Version)" = "$ver" ] || rp_die "$f is not version $ver"
	echo "$f"
}

# The downloaded .deb of PKG VERSION in DIR, if there is one (apt writes
# the epoch's colon as %3a).
rp_cached_deb() { # DIR PKG VERSION
	local f
	for f in "$1/${2}_$(printf '%s' "$3" | sed 's/:/%3a/')"_*.deb; do
		[ -s "$f" ] && { echo "$f"; return 0; }
	done
	return 0
}

# Download linux-source-SERIES at exactly VERSION; print its path.
rp_fetch_kernel_source() { # SERIES VERSION
	rp_fetch_deb "linux-source-$1" "$2"
}

# Cache key of the rig's QEMU: the hash of its pin (tests/vm/qemu.pin).
rp_qemu_key() {
	rp_hash "$RP_TOP/tests/vm/qemu.pin"
}

# The QEMU system emulator the rig runs: the pinned one that
# tests/vm/build-qemu unpacked, or $RP_QEMU (a command or a path) to try
# another. Prints it; fails if the pinned one is not built.
rp_qemu() {
	if [ -n "${RP_QEMU:-}" ]; then
		echo "$RP_QEMU"
		return 0
	fi
	local q
	q="$RP_CACHE/qemu/$(rp_qemu_key)"
	[ -e "$q/.rp-built" ] || return 1
	echo "$q/bin/qemu-system-x86_64"
}
