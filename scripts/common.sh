# Shared settings for the build and rig scripts. Sourced, not executed.
# shellcheck shell=bash

RP_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
RP_CACHE=${RP_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/dm-raid-p2p}
# Debian suite and package that provide the guest kernel source.
RP_KSUITE=${RP_KSUITE:-trixie}
RP_KPKG=${RP_KPKG:-linux-source-6.12}
RP_MIRROR=${RP_MIRROR:-http://deb.debian.org/debian}

rp_log() { printf '%s: %s\n' "${0##*/}" "$*" >&2; }
rp_die() { rp_log "error: $*"; exit 1; }

# Short content hash of files (and literal strings) for cache keys.
rp_hash() {
	local f
	for f in "$@"; do
		if [ -f "$f" ]; then cat "$f"; else printf '%s\n' "$f"; fi
	done | sha256sum | cut -c1-12
}

# The kernel build tree the rig uses; prints its path. Fails if not built.
rp_kernel_dir() {
	local link="$RP_CACHE/kernel/current"
	[ -e "$link/.rp-built" ] || return 1
	readlink -f "$link"
}
