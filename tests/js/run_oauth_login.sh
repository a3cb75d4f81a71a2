#!/usr/bin/env bash
# Starts `relish serve` on a free loopback port with a fresh data directory, then runs the
# openid-client login test against it. Exits 77 (skipped) when the npm packages are missing
# (scripts/setup.sh installs them).
set -euo pipefail
relish=$1
cd "$(dirname "$0")/../.."
if [ ! -d tests/js/node_modules/openid-client ]; then
  echo "skipped: run scripts/setup.sh to install tests/js's npm packages"
  exit 77
fi
dir=$(mktemp -d)
pid=""
cleanup() {
  if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  rm -rf "$dir"
}
trap cleanup EXIT
export RELISH_ADMIN_EMAIL=admin@localhost
export RELISH_ADMIN_PASSWORD=js-test-password-1
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
node tests/js/oauth_login.mjs "$url"
