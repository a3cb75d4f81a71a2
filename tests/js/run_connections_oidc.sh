#!/usr/bin/env bash
# Starts `relish serve` (fresh data directory, loopback egress allowed, short refresh margin and
# authorization timeout, debug log to a file) and runs connections_oidc.mjs against it.
set -euo pipefail
relish=$1
cd "$(dirname "$0")/../.."
source tests/testing/relish_server.sh
dir=$(mktemp -d)
trap 'stop_relish; rm -rf "$dir"' EXIT
export RELISH_ADMIN_EMAIL=admin@localhost
export RELISH_ADMIN_PASSWORD=js-test-password-1
export RELISH_EGRESS_ALLOW_LOOPBACK=true
export RELISH_REFRESH_MARGIN=1s
export RELISH_AUTHORIZATION_TIMEOUT=4s
export RELISH_LOG_LEVEL=debug
export RELISH_LOG_FILE="$dir/relish.log"
start_relish "$relish" "$dir"
url=$RELISH_SERVER_URL
node tests/js/connections_oidc.mjs "$url" "$dir/data" "$dir/relish.log"
