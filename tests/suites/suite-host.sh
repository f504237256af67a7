#!/usr/bin/env bash
# suite-host.sh [VM-RUN OPTION...] -- CASE [ARG...]: run a rig case that
# uses external test suites. Runs on the host: builds the suites the case
# names on its "# Suites:" line (tests/suites/build-suite, from the pinned
# source archives; nothing is fetched), then boots the rig with the builds
# shared and runs CASE there. The case finds each build in
# RP_SUITE_<NAME> (upper case, - as _: RP_SUITE_P2PMEM_TEST) and writes
# the suites' results and logs under RP_SUITE_RESULTS, a host directory:
# the one given in that variable (kept), else a temporary one that is
# removed afterwards.
set -uo pipefail
here=$(cd "$(dirname "$(readlink -f "$0")")" && pwd)

vmargs=()
while [ $# -gt 0 ] && [ "$1" != -- ]; do vmargs+=("$1"); shift; done
[ $# -ge 2 ] || { echo "usage: ${0##*/} [VM-RUN OPTION...] -- CASE [ARG...]" >&2; exit 126; }
shift
case=$1

suites=$(sed -n 's/^# Suites: *//p' "$case" | head -n 1)
[ -n "$suites" ] || { echo "${0##*/}: $case has no '# Suites:' line" >&2; exit 126; }
shares=()
for s in $suites; do
	dir=$("$here/build-suite" "$s") || exit 126
	v=RP_SUITE_$(tr 'a-z-' 'A-Z_' <<<"$s")
	export "$v=$dir"
	shares+=(--share "$dir")
done

if [ -n "${RP_SUITE_RESULTS:-}" ]; then
	mkdir -p "$RP_SUITE_RESULTS" || exit 126
	RP_SUITE_RESULTS=$(readlink -f "$RP_SUITE_RESULTS")
else
	RP_SUITE_RESULTS=$(mktemp -d "${TMPDIR:-/tmp}/suite-results.XXXXXX")
	trap 'rm -rf "$RP_SUITE_RESULTS"' EXIT
fi
export RP_SUITE_RESULTS
"$here/../vm/vm-run" "${shares[@]}" --share "$RP_SUITE_RESULTS" "${vmargs[@]}" -- "$@"
