# Sourced first by the CLI's shell tests, after `set -euo pipefail`:
#   source "$(dirname "$0")/../testing/cli_test.sh" "$1"
# With the relish binary as its argument: sets `relish` (an absolute path), moves to the
# repository root, sources relish_server.sh, makes `dir` (removed at exit, after stopping any
# server start_relish started) and defines fail and expect.
relish=$(realpath "$1")
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
source tests/testing/relish_server.sh
dir=$(mktemp -d)
trap 'stop_relish; rm -rf "$dir"' EXIT
fail() { echo "FAILED: $*"; exit 1; }
expect() {  # expect "description" "expected output" expected-exit-code command...
  local what=$1 want=$2 want_rc=$3; shift 3
  local got rc=0
  got=$("$@" 2>&1) || rc=$?
  [ "$got" = "$want" ] || fail "$what: expected [$want], got [$got]"
  [ "$rc" = "$want_rc" ] || fail "$what: exit code $rc, expected $want_rc"
}
