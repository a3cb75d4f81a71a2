#!/usr/bin/env bash
# Starts `relish serve` on a free loopback port with a fresh data directory, then checks its API
# document (tests/js/openapi.mjs). Exits 77 (skipped) when the npm packages are missing
# (scripts/setup.sh installs them).
set -euo pipefail
relish=$1
cd "$(dirname "$0")/../.."
if [ ! -d tests/js/node_modules/@seriousme/openapi-schema-validator ]; then
  echo "skipped: run scripts/setup.sh to install tests/js's npm packages"
  exit 77
fi
source tests/testing/relish_server.sh
dir=$(mktemp -d)
trap 'stop_relish; rm -rf "$dir"' EXIT
export RELISH_ADMIN_EMAIL=admin@localhost
export RELISH_ADMIN_PASSWORD=js-openapi-password-1
start_relish "$relish" "$dir"
node tests/js/openapi.mjs "$RELISH_SERVER_URL"
