#!/usr/bin/env bash
# Starts `relish serve` (fresh data directory, loopback egress allowed, short refresh margin and
# authorization timeout, debug log to a file) and runs connections_oidc.mjs against it.
set -euo pipefail
relish=$1
cd "$(dirname "$0")/../.."
dir=$(mktemp -d)
pid=""
cleanup() {
  if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  rm -rf "$dir"
}
trap cleanup EXIT
export RELISH_ADMIN_EMAIL=admin@localhost
export RELISH_ADMIN_PASSWORD=js-test-password-1
export RELISH_EGRESS_ALLOW_LOOPBACK=true
export RELISH_REFRESH_MARGIN=1s
export RELISH_AUTHORIZATION_TIMEOUT=4s
export RELISH_LOG_LEVEL=debug
export RELISH_LOG_FILE="$dir/relish.log"
"$relish" serve --data "$dir/data" --listen 127.0.0.1:0 >"$dir/stdout" 2>"$dir/stderr" &
pid=$!
url=""
for _ in $(seq 1 100); do
  url=$(grep -o 'http://127\.0\.0\.1:[0-9]*' "$dir/stdout" | head -1 || true)
  [ -n "$url" ] && break
  sleep 0.1
done
if [ -z "$url" ]; then
  echo "relish did not start:"; cat "$dir/stderr"; exit 1
fi
node tests/js/connections_oidc.mjs "$url" "$dir/data" "$dir/relish.log"
