# Helpers for the host-side self-tests of our test tools (sourced; bash):
# a scratch directory removed at exit, TAP-style checks and the verdict.
# shellcheck shell=bash
set -uo pipefail
ST_NAME=${ST_NAME:-$(basename "$0" .sh)}
dir=$(mktemp -d "${TMPDIR:-/tmp}/$ST_NAME.XXXXXX")
trap 'rm -rf "$dir"' EXIT
fails=0
ok() { echo "ok - $*"; }
not_ok() { echo "not ok - $*"; fails=$((fails + 1)); }
# expect_eq DESCRIPTION GOT WANT
expect_eq() { if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1 (got '$2', want '$3')"; fi; }
# finish: the verdict, and the exit status.
finish() {
	[ "$fails" -eq 0 ] || { echo "$ST_NAME: $fails check(s) failed" >&2; exit 1; }
	echo "$ST_NAME: all checks passed"
}
