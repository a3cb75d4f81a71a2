#!/usr/bin/env bash
# The data directory belongs to the user running Relish (app/data_dir.h), with the real binary
# under the usual umask: a fresh directory is 0700 with every file 0600, SQLite's write-ahead log
# and shared-memory files included; a directory an older Relish left open (0755, database 0644)
# is closed at start, with a warning naming each path.
set -euo pipefail
source "$(dirname "$0")/../testing/cli_test.sh" "$1"
umask 022
unset RELISH_ADMIN_PASSWORD RELISH_MASTER_KEY RELISH_DATA RELISH_CONFIG
data=$dir/data

# Every file in the data directory, with its mode, one "MODE NAME" a line.
modes() { (cd "$data" && find . -mindepth 1 -printf '%m %P\n' | sort -k2); }

# --- A fresh data directory.
start_relish "$relish" "$dir"
# While the server runs, the database has its write-ahead log and shared-memory index.
[ -f "$data/relish.db-wal" ] && [ -f "$data/relish.db-shm" ] || fail "no WAL/SHM files: $(modes)"
[ "$(stat -c %a "$data")" = 700 ] || fail "fresh data directory is $(stat -c %a "$data")"
want="600 initial-admin-password
600 master.key
600 relish.db
600 relish.db-shm
600 relish.db-wal
600 server-settings.yaml"
[ "$(modes)" = "$want" ] || fail "fresh files: expected [$want], got [$(modes)]"
stop_relish
grep -q "open to group or others" "$dir/relish.err" && fail "a fresh directory was warned about"

# --- The same directory as an older Relish left it: open to everyone.
chmod 755 "$data"
chmod 644 "$data"/*
start_relish "$relish" "$dir"
[ "$(stat -c %a "$data")" = 700 ] || fail "open data directory stayed $(stat -c %a "$data")"
[ "$(modes)" = "$want" ] || fail "open files: expected [$want], got [$(modes)]"
warning="warning relish: the data directory was open to group or others; made private (it holds the master key and the database): $data 0755 -> 0700, $data/relish.db 0644 -> 0600, $data/master.key 0644 -> 0600, $data/initial-admin-password 0644 -> 0600, $data/server-settings.yaml 0644 -> 0600"
grep -qxF "$warning" <(cut -d' ' -f2- "$dir/relish.err") ||
  fail "warning: expected [$warning] in [$(cat "$dir/relish.err")]"
stop_relish

# --- A local command (relish run) opening the directory closes it too.
chmod 750 "$data"
echo 'info "ran";' > "$dir/a.dg"
out=$("$relish" run "$dir/a.dg" --data "$data" 2>"$dir/run.err") || fail "run: $(cat "$dir/run.err")"
[ "$out" = ran ] || fail "run printed [$out]"
[ "$(stat -c %a "$data")" = 700 ] || fail "relish run left the directory $(stat -c %a "$data")"
grep -qF "made private (it holds the master key and the database): $data 0750 -> 0700" "$dir/run.err" ||
  fail "relish run's warning: $(cat "$dir/run.err")"
echo "ok"
