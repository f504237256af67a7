#!/usr/bin/env bash
# The Debian packages and their DKMS build (`make deb`, debian/, dkms/).
#
#   deb-test.sh conf          dkms.conf against the sources: the seven
#                             modules, the kernel series of md-core/patches
#   deb-test.sh build WORK    build the packages into WORK/deb and check them:
#                             contents, control fields, lintian, apt's
#                             simulation, unpacking into a scratch root; then
#                             DKMS builds the modules from the unpacked
#                             package against the rig kernel and its source
#                             tarball, in a DKMS tree under WORK; the seven
#                             .ko carry the rig kernel's vermagic; a source
#                             of another version is refused; then dpkg
#                             installs the packages in a scratch Debian root
#                             (build-install-root), where their maintainer
#                             scripts build and install the modules, the
#                             linux-source trigger rebuilds them and dpkg -r
#                             removes them; and the rig boots, loads the
#                             installed modules and runs a raid1 on them
#                             (RP_DEB_RIG=0: not that)
#
# Nothing on the host changes: no package is installed on it, /var/lib/dkms,
# /usr/src and /lib/modules are left alone (checked). The scratch root is
# an overlay in a mount namespace of the test's own.
set -euo pipefail
. "$(dirname "$0")/../../scripts/common.sh"

T_FAILS=0
ok() { printf 'ok - %s\n' "$*"; }
not_ok() { printf 'not ok - %s\n' "$*"; T_FAILS=$((T_FAILS + 1)); }
check() { # DESCRIPTION CMD...
	local what=$1; shift
	if "$@"; then ok "$what"; else not_ok "$what"; fi
}
expect_eq() { # DESCRIPTION GOT WANT
	if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1 (got '$2', want '$3')"; fi
}
quiet() { "$@" >/dev/null; }
has() { grep -qE "$1" <<<"$2"; }    # ERE TEXT
lacks() { ! grep -qE "$1" <<<"$2"; } # ERE TEXT
finish() {
	[ "$T_FAILS" -eq 0 ] || rp_die "$T_FAILS check(s) failed"
	rp_log "all checks passed"
}

conf=$RP_TOP/dkms/dkms.conf
mods=(md-p2p linear-p2p raid0-p2p raid1-p2p raid10-p2p raid456-p2p dm-raid-p2p)

# --- conf: dkms.conf agrees with the sources --------------------------------
conf_checks() {
	local got want series
	got=$(sed -nE 's/^BUILT_MODULE_NAME\[[0-9]+\]="([^"]+)"/\1/p' "$conf" | LC_ALL=C sort | xargs)
	want=$( {
		sed -n '/^MODMAP=(/,/)/p' "$RP_TOP/md-core/extract" | grep -oE ':[a-z0-9-]+' | tr -d :
		sed -nE 's/^obj-m \+= (.*)\.o$/\1/p' "$RP_TOP/dm-target/Kbuild"
	} | LC_ALL=C sort | xargs)
	expect_eq "dkms.conf builds md-core's modules and dm-target's" "$got" "$want"
	expect_eq "dkms.conf has 7 modules" "$(wc -w <<<"$got")" 7
	series=$(find "$RP_TOP/md-core/patches" -mindepth 1 -maxdepth 1 -type d -printf '%f\n' |
		LC_ALL=C sort -V | sed 's/\./\\./' | paste -sd'|')
	expect_eq "BUILD_EXCLUSIVE_KERNEL: the series of md-core/patches" \
		"$(sed -nE 's/^BUILD_EXCLUSIVE_KERNEL="(.*)"$/\1/p' "$conf")" "^($series)\\."
	for s in "$RP_TOP"/md-core/patches/*/; do
		s=$(basename "$s")
		check "debian/control depends on linux-source-$s" \
			grep -qE "linux-source-$s( |,|\$)" "$RP_TOP/debian/control"
		check "the trigger watches linux-source-$s" \
			grep -qx "interest-noawait /usr/src/linux-source-$s.tar.xz" \
			"$RP_TOP/debian/dm-raid-p2p-dkms.triggers"
	done
	check "PACKAGE_VERSION is left to dh_dkms" grep -qx 'PACKAGE_VERSION="#MODULE_VERSION#"' "$conf"
}

if [ "${1:-}" = conf ]; then
	conf_checks
	finish
	exit 0
fi
{ [ "${1:-}" = build ] && [ -n "${2:-}" ]; } || rp_die "usage: deb-test.sh conf | build WORK"
work=$(mkdir -p "$2" && cd "$2" && pwd)
rm -rf "${work:?}"/*

"$RP_TOP/scripts/install-deps" deb
for p in dpkg-buildpackage dh_dkms dkms lintian; do
	command -v "$p" >/dev/null || rp_die "$p missing: run scripts/install-deps deb"
done
kd=$(rp_kernel_dir) || rp_die "the rig kernel is not built: make rig"
krel=$(cat "$kd/kernelrelease")
version=$(sed -nE 's/^project\(dm-raid-p2p VERSION ([^ )]+).*/\1/p' "$RP_TOP/CMakeLists.txt")
host_state() {
	{ find /var/lib/dkms /usr/src /lib/modules -maxdepth 3 2>/dev/null || true; } | LC_ALL=C sort | sha256sum
}
before=$(host_state)

conf_checks

# --- build and inspect the packages -----------------------------------------
t0=$SECONDS
RP_LINTIAN=0 "$RP_TOP/scripts/build-deb" "$work/deb" >/dev/null ||
	rp_die "make deb failed"
rp_log "packages built in $((SECONDS - t0)) s"
dkms_deb=$work/deb/dm-raid-p2p-dkms_${version}_all.deb
tool_deb=$(find "$work/deb" -name "p2praid-tool_${version}_*.deb")
check "dm-raid-p2p-dkms_${version}_all.deb built" test -s "$dkms_deb"
check "p2praid-tool_${version}_<arch>.deb built" test -s "$tool_deb"

src=usr/src/dm-raid-p2p-$version
dkms_files=$(dpkg-deb -c "$dkms_deb" | awk '{ print $6 }' | sed 's,^\./,,')
want_files=("$src/dkms.conf" "$src/dkms-make" "$src/Kbuild" "$src/md-core/Kbuild"
	"$src/md-core/extract" "$src/md-core/check-symbols" usr/share/man/man7/dm-raid-p2p.7.gz
	usr/share/doc/dm-raid-p2p-dkms/copyright)
# Everything Kbuild reads from the repository: dm-target's sources, the
# on-disk format header, every patch of every series.
while IFS= read -r f; do
	want_files+=("$src/$f")
done < <(cd "$RP_TOP" && git ls-files dm-target include md-core/patches 2>/dev/null ||
	find dm-target include md-core/patches -type f)
missing=0
for f in "${want_files[@]}"; do
	grep -qxF "$f" <<<"$dkms_files" || { not_ok "dm-raid-p2p-dkms lacks $f"; missing=1; }
done
[ $missing = 1 ] || ok "dm-raid-p2p-dkms has the module sources, dkms.conf, dm-raid-p2p(7) (${#want_files[@]} files)"
check "dm-raid-p2p-dkms has no build products" lacks '\.(o|ko|mod\.c)$|/md-core/src/' "$dkms_files"
expect_eq "dkms.conf's PACKAGE_VERSION" \
	"$(dpkg-deb --fsys-tarfile "$dkms_deb" | tar -xOf - "./$src/dkms.conf" |
		sed -nE 's/^PACKAGE_VERSION="(.*)"/\1/p')" "$version"
expect_eq "dm-raid-p2p-dkms: Architecture" "$(dpkg-deb -f "$dkms_deb" Architecture)" all
deps=$(dpkg-deb -f "$dkms_deb" Depends)
check "dm-raid-p2p-dkms depends on dkms" grep -qE '(^|, )dkms( |,|$)' <<<"$deps"
check "dm-raid-p2p-dkms depends on linux-source-6.12 | ..." grep -qE 'linux-source-6\.12' <<<"$deps"
ctrl=$(dpkg-deb --ctrl-tarfile "$dkms_deb" | tar -tf - | sed 's,^\./,,' | xargs)
for f in postinst prerm triggers; do
	check "dm-raid-p2p-dkms has a $f" grep -qw "$f" <<<"$ctrl"
done

tool_files=$(dpkg-deb -c "$tool_deb" | awk '{ print $6 }' | sed 's,^\./,,')
for f in usr/bin/p2praid-tool usr/share/man/man8/p2praid-tool.8.gz \
	usr/share/bash-completion/completions/p2praid-tool usr/share/doc/p2praid-tool/copyright; do
	check "p2praid-tool has $f" grep -qxF "$f" <<<"$tool_files"
done
check "p2praid-tool has no module sources" lacks '^usr/src/.' "$tool_files"
# The units and the rule run the tool where the package puts it.
unpacked=$(mktemp -d)
dpkg-deb -x "$tool_deb" "$unpacked"
for f in usr/lib/systemd/system/p2praid-monitor.service usr/lib/systemd/system/p2praid-degraded.service \
	usr/lib/udev/rules.d/69-p2praid.rules; do
	check "p2praid-tool's $f runs /usr/bin/p2praid-tool" \
		grep -qE '(ExecStart=|RUN\+=")/usr/bin/p2praid-tool ' "$unpacked/$f"
done
rm -rf "$unpacked"
tdeps=$(dpkg-deb -f "$tool_deb" Depends)
check "p2praid-tool depends on libdevmapper (shlibs)" grep -qE 'libdevmapper1\.02\.1 \(>=' <<<"$tdeps"
check "p2praid-tool depends on libstdc++6 (shlibs)" has 'libstdc\+\+6 \(>=' "$tdeps"
check "p2praid-tool depends on libc6 (shlibs)" has 'libc6 \(>=' "$tdeps"
check "p2praid-tool does not depend on dkms" lacks dkms "$tdeps"

# lintian: no error but the maintainer's placeholder address.
lint=$(lintian "$work"/deb/*.changes 2>&1 || true)
printf '%s\n' "$lint" | sed 's/^/  lintian: /'
check "lintian: no errors (but bogus-mail-host, debian/control's placeholder)" \
	lacks '^E: ' "$(grep -vE '^E: .* bogus-mail-host(-in-debian-changelog)? ' <<<"$lint" || true)"

# apt resolves their dependencies (simulation; nothing is installed).
check "apt-get --simulate install of both resolves" \
	quiet apt-get -qq --simulate install "$dkms_deb" "$tool_deb"

# Unpacked into a scratch root (dpkg --root; no maintainer scripts run).
root=$work/root
mkdir -p "$root/var/lib/dpkg/info" "$root/var/lib/dpkg/updates"
: >"$root/var/lib/dpkg/status"
check "dpkg --root unpacks both" quiet \
	dpkg --root="$root" --force-depends --force-script-chrootless --unpack "$dkms_deb" "$tool_deb"
check "unpacked: $src/dkms.conf" test -f "$root/$src/dkms.conf"
check "unpacked: p2praid-tool --version" has "^p2praid-tool $version\$" \
	"$("$root/usr/bin/p2praid-tool" --version 2>/dev/null || true)"

# --- DKMS, from the unpacked package, against the rig kernel ----------------
# sign_file: no module signing, so no key is made in /var/lib/dkms.
export sign_file=/nonexistent
dk=(--sourcetree "$root/usr/src")

# A source of another version is refused, naming both versions.
fake=$work/fake-src
mkdir -p "$fake/linux-source-6.12"
printf 'VERSION = 6\nPATCHLEVEL = 12\nSUBLEVEL = 1\nEXTRAVERSION =\n' >"$fake/linux-source-6.12/Makefile"
tar -C "$fake" -cJf "$fake/linux-source-6.12.tar.xz" linux-source-6.12
mkdir -p "$work/dkms-bad" "$work/dkms"
dkms add -m dm-raid-p2p -v "$version" --dkmstree "$work/dkms-bad" "${dk[@]}" >/dev/null
if DM_RAID_P2P_KSRC=$fake/linux-source-6.12.tar.xz dkms build -m dm-raid-p2p -v "$version" \
	-k "$krel" --kernelsourcedir "$kd/linux" --dkmstree "$work/dkms-bad" "${dk[@]}" \
	>"$work/dkms-bad.log" 2>&1; then
	not_ok "dkms build with a Linux 6.12.1 source for $krel fails"
else
	ok "dkms build with a Linux 6.12.1 source for $krel fails"
	check "... saying: kernel source version mismatch, 6.12.1 vs ${krel%%[-+]*}" \
		grep -q "kernel source version mismatch: KSRC .* is Linux 6.12.1, but KDIR .* is Linux ${krel%%[-+]*}" \
		"$work/dkms-bad/dm-raid-p2p/$version/build/make.log"
fi

t0=$SECONDS
dkms add -m dm-raid-p2p -v "$version" --dkmstree "$work/dkms" "${dk[@]}" >/dev/null
if DM_RAID_P2P_KSRC=$kd/linux-source.tar.xz dkms build -m dm-raid-p2p -v "$version" \
	-k "$krel" --kernelsourcedir "$kd/linux" --dkmstree "$work/dkms" "${dk[@]}" \
	>"$work/dkms.log" 2>&1; then
	ok "dkms build for $krel from the rig kernel's source tarball ($((SECONDS - t0)) s)"
else
	cat "$work/dkms.log" "$work/dkms/dm-raid-p2p/$version/build/make.log" 2>/dev/null | tail -n 40
	not_ok "dkms build for $krel from the rig kernel's source tarball"
fi
built=$work/dkms/dm-raid-p2p/$version/$krel/$(uname -m)/module
for m in "${mods[@]}"; do
	ko=$built/$m.ko
	if [ ! -f "$ko" ]; then
		not_ok "$m.ko built"
		continue
	fi
	expect_eq "$m.ko: vermagic is the rig kernel's" "$(modinfo -F vermagic "$ko" | cut -d' ' -f1)" "$krel"
done
expect_eq "md-p2p.ko: md from Linux ${krel%%[-+]*}" \
	"$(modinfo -F p2p_source_version "$built/md-p2p.ko" 2>/dev/null)" "${krel%%[-+]*}"
expect_eq "dkms status" "$(dkms status --dkmstree "$work/dkms" "${dk[@]}" -m dm-raid-p2p -k "$krel")" \
	"dm-raid-p2p/$version, $krel, $(uname -m): built"

# --- a real install: dpkg and the maintainer scripts, in a scratch root ------
# A Debian root of the host's release (tests/packaging/build-install-root,
# cached) under an overlay, in a mount namespace of its own: the rig
# kernel's modules directory is copied in, its build tree is bound at the
# path the build symlink names, and dpkg installs the pinned
# linux-source-X.Y and both packages. dkms's postinst must then build and
# install the seven modules for the rig kernel (the newest kernel of the
# root; the host's own has no headers there).
iroot_lower=$("$RP_TOP/tests/packaging/build-install-root") ||
	rp_die "cannot build the scratch root for the install"
ksrc_deb=$(rp_fetch_kernel_source "$RP_KERNEL" "$(rp_kernel_pin)")
iroot=$work/iroot
mkdir -p "$iroot"/{upper/tmp/debs,ovl,root}
cp "$dkms_deb" "$tool_deb" "$ksrc_deb" "$iroot/upper/tmp/debs/"
in_root() { # CMD... : run CMD in the scratch root, as root, output to stdout
	unshare --mount --propagation private -- bash -c '
		set -e
		lower=$1 i=$2 kd=$3 krel=$4; shift 4
		r=$i/root
		mount -t overlay overlay -o "lowerdir=$lower,upperdir=$i/upper,workdir=$i/ovl" "$r"
		mount -t proc proc "$r/proc"
		mount --bind /dev "$r/dev"
		mkdir -p "$r$kd/linux"
		mount --bind -o ro "$kd/linux" "$r$kd/linux"
		if [ ! -d "$r/lib/modules/$krel" ]; then
			mkdir -p "$r/lib/modules"
			cp -a "$kd/modroot/lib/modules/$krel" "$r/lib/modules/"
		fi
		exec chroot "$r" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 "$@"
	' in_root "$iroot_lower" "$iroot" "$kd" "$krel" "$@"
}
ideb=/tmp/debs
# Where the root's /lib/modules lands in the overlay's upper layer (/lib
# is a link to usr/lib in a merged-/usr root).
imods=$iroot/upper/lib/modules
[ -L "$iroot_lower/lib" ] && imods=$iroot/upper/usr/lib/modules
ksrc_name=$(basename "$ksrc_deb")
t0=$SECONDS
if in_root dpkg -i "$ideb/$ksrc_name" "$ideb/$(basename "$dkms_deb")" \
	"$ideb/$(basename "$tool_deb")" >"$work/install.log" 2>&1; then
	ok "dpkg -i linux-source-$RP_KERNEL, dm-raid-p2p-dkms and p2praid-tool ($((SECONDS - t0)) s)"
else
	tail -n 40 "$work/install.log"
	not_ok "dpkg -i linux-source-$RP_KERNEL, dm-raid-p2p-dkms and p2praid-tool"
fi
ilog=$(cat "$work/install.log")
check "the postinst built for $krel (dkms: Building for $krel)" has "Building for $krel\$" "$ilog"
check "... with md from the installed linux-source-$RP_KERNEL" grep -q \
	"building for $krel against .*, md from /usr/src/linux-source-$RP_KERNEL.tar.xz" \
	"$iroot/upper/var/lib/dkms/dm-raid-p2p/$version/$krel/$(uname -m)/log/make.log"
upd=$imods/$krel/updates/dkms
for m in "${mods[@]}"; do
	if [ -f "$upd/$m.ko" ]; then
		expect_eq "installed: updates/dkms/$m.ko for $krel" \
			"$(modinfo -F vermagic "$upd/$m.ko" | cut -d' ' -f1)" "$krel"
	else
		not_ok "installed: updates/dkms/$m.ko for $krel"
	fi
done
check "depmod took them (modules.dep: updates/dkms/raid456-p2p.ko)" \
	grep -q '^updates/dkms/raid456-p2p.ko:' "$imods/$krel/modules.dep"
expect_eq "dkms status in the root" \
	"$(in_root dkms status -m dm-raid-p2p -k "$krel" 2>/dev/null)" \
	"dm-raid-p2p/$version, $krel, $(uname -m): installed"
check "p2praid-tool --version runs in the root" has "^p2praid-tool $version\$" \
	"$(in_root p2praid-tool --version 2>/dev/null || true)"
check "the udev rule and units are installed" in_root test -f /usr/lib/udev/rules.d/69-p2praid.rules \
	-a -f /usr/lib/systemd/system/p2praid-monitor.service
installed=$work/installed-ko
rm -rf "$installed" && mkdir -p "$installed"
cp "$upd"/*.ko "$installed/" 2>/dev/null || true

# The trigger: a linux-source-X.Y update builds the modules for the
# kernels of that series that lack them (dm-raid-p2p-dkms.postinst).
in_root dkms unbuild -m dm-raid-p2p -v "$version" -k "$krel" >/dev/null 2>&1 || true
check "dkms unbuild removed them" test ! -e "$upd/md-p2p.ko"
if in_root dpkg -i "$ideb/$ksrc_name" >"$work/trigger.log" 2>&1; then
	ok "dpkg -i linux-source-$RP_KERNEL again"
else
	tail -n 40 "$work/trigger.log"
	not_ok "dpkg -i linux-source-$RP_KERNEL again"
fi
check "its trigger built them again for $krel" \
	grep -q "dm-raid-p2p: building the modules for $krel with the new source" "$work/trigger.log"
check "... and installed them" test -f "$upd/dm-raid-p2p.ko"

# Removal leaves no module and no DKMS state behind.
if in_root dpkg -r dm-raid-p2p-dkms p2praid-tool >"$work/remove.log" 2>&1; then
	ok "dpkg -r dm-raid-p2p-dkms p2praid-tool"
else
	tail -n 40 "$work/remove.log"
	not_ok "dpkg -r dm-raid-p2p-dkms p2praid-tool"
fi
left=$( { find "$upd" -name '*.ko' 2>/dev/null || true; } | wc -l)
expect_eq "no module left in updates/dkms" "$left" 0
check "no DKMS state left" in_root test ! -e /var/lib/dkms/dm-raid-p2p
check "no p2praid-tool left" in_root test ! -e /usr/bin/p2praid-tool

expect_eq "the host's /var/lib/dkms, /usr/src and /lib/modules unchanged" "$(host_state)" "$before"

# --- the rig loads and uses the installed modules -----------------------------
if [ "${RP_DEB_RIG:-1}" != 0 ] && [ -f "$installed/dm-raid-p2p.ko" ]; then
	check "the rig loads the modules the package installed and runs a raid1 on them" \
		"$RP_TOP/tests/vm/vm-run" --share "$installed" --timeout 600 -- \
		"$RP_TOP/tests/packaging/dkms-load.sh" "$installed"
fi
finish
