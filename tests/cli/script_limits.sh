#!/usr/bin/env bash
# Issue 13, items 8 and 9, end to end with the real binary and the real clock: the two
# scripts through `relish run`. A backtracking replaceAll stops at --max-time (it once ran 14 s
# under --max-time 2s: the deadline is read inside the regex engine), and the text that once grew
# to 2.5 GB stops at the text limit before it is allocated. The tests/deluge/limits cases cover
# the same limits with a fake clock; this one proves the binary wires them up.
set -euo pipefail
relish=$(realpath "$1")
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
fail() { echo "FAILED: $*"; exit 1; }
unset RELISH_DATA RELISH_CONFIG RELISH_LOG_FILE

printf 't = "aaaaaaaaaaaaaaaaaaac".repeat(20000) + "b";\ninfo t.replaceAll("(a+)+b", "x").length();\n' \
  > "$dir/backtracking.dg"
set +e
out=$("$relish" run --data "$dir/data" --max-time 1s "$dir/backtracking.dg" 2>&1)
rc=$?
set -e
[ $rc -eq 1 ] || fail "backtracking: exit $rc, [$out]"
[ "$out" = "$dir/backtracking.dg:2: Execution stopped: the run took longer than 1 s (limit: execution time)" ] \
  || fail "backtracking: [$out]"

printf 'info "a".repeat(10000000).replaceAll("a", "b".repeat(150)).length();\n' > "$dir/memory.dg"
set +e
out=$("$relish" run --data "$dir/data" "$dir/memory.dg" 2>&1)
rc=$?
set -e
[ $rc -eq 1 ] || fail "memory: exit $rc, [$out]"
[ "$out" = "$dir/memory.dg:1: Text would be longer than 67108864 bytes (limit: text size)" ] \
  || fail "memory: [$out]"
echo "ok"
