#!/usr/bin/env bash
# A credentialed proxy hop, Relish against nginx doing the same header injection, same upstream,
# same run. Prints requests/s for both and the ratio.
#
#   bench/proxy/run.sh [DURATION_SECONDS] [CONNECTIONS]
#
# ROUNDS=n (default 3) alternating rounds; PERF_OUT=file profiles relish during the first.
# RELISH_LOG_LEVEL=info turns relish's access log on (nginx runs with access_log off, so the
# default here is warn, which turns it off too).
#
# upstream: nginx answering {"ok":true} on loopback (the same for both).
# nginx:    proxy_pass to the upstream with `Authorization: Bearer <token>` set.
# relish:   GET /api/v1/proxy/up/items through a bearer connection to the same upstream.
set -euo pipefail
cd "$(dirname "$0")/../.."
duration=${1:-10}
conns=${2:-32}
relish=${RELISH:-build/relish}
[ -x "$relish" ] || { echo "build first: make build"; exit 1; }
command -v wrk >/dev/null || { echo "wrk is missing: scripts/setup.sh installs it"; exit 1; }
work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
up=$(free_port); px=$(free_port)
cat > "$work/nginx.conf" <<CONF
worker_processes 2;
pid $work/nginx.pid;
error_log $work/nginx-error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  upstream backend { server 127.0.0.1:$up; keepalive 64; }
  server {
    listen 127.0.0.1:$up;
    location / { default_type application/json; return 200 '{"ok":true}'; }
  }
  server {
    listen 127.0.0.1:$px;
    location / {
      proxy_pass http://backend;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Authorization "Bearer bench-upstream-token-0123456789";
    }
  }
}
CONF
nginx -c "$work/nginx.conf" -p "$work" -g 'daemon off;' &
pids+=($!)

export RELISH_ADMIN_EMAIL=admin@localhost RELISH_ADMIN_PASSWORD=bench-password-1 RELISH_EGRESS_ALLOW_LOOPBACK=true
export RELISH_LOG_LEVEL=${RELISH_LOG_LEVEL:-warn}
source tests/testing/relish_server.sh
start_relish "$relish" "$work"
relish_pid=$RELISH_PID
pids+=($relish_pid)
url=$RELISH_SERVER_URL
api() { curl -sf -X "$1" "$url$2" -H "Authorization: Bearer ${token:-}" -H "Content-Type: ${4:-application/json}" ${3:+--data-binary "$3"}; }
token=$(curl -sf -X POST "$url/api/v1/auth/token" -H 'Content-Type: application/json' \
  -d '{"email":"admin@localhost","password":"bench-password-1"}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
api POST /api/v1/services "id: upstream
name: Upstream
auth: bearer
base_url: http://127.0.0.1:$up
allowed_hosts: [127.0.0.1]
" application/yaml > /dev/null
api POST /api/v1/connections '{"name":"up","service":"upstream"}' > /dev/null
api PUT /api/v1/connections/up/credentials '{"fields":{"token":"bench-upstream-token-0123456789"}}' > /dev/null
# Check both paths answer the upstream's body before measuring.
[ "$(curl -sf "http://127.0.0.1:$px/items")" = '{"ok":true}' ]
[ "$(curl -sf "$url/api/v1/proxy/up/items" -H "Authorization: Bearer $token")" = '{"ok":true}' ]

# Alternating rounds (nginx, then relish) so that load from elsewhere on the machine hits both
# alike; the summary is the median round of each. --latency adds the percentiles.
run() { wrk -t2 -c"$conns" -d"${duration}s" --latency "$@" > "$work/last.txt"; cat "$work/last.txt" >> "$work/wrk.txt"
  awk '/Requests\/sec/ {rps=$2} $1=="50%" {p50=$2} $1=="99%" {p99=$2} END {print rps, p50, p99}' "$work/last.txt"; }
wrk -t2 -c"$conns" -d8s -H "Authorization: Bearer $token" "$url/api/v1/proxy/up/items" > $work/probe.txt &
sleep 2
timeout -s INT 3 strace -c -f -p "$relish_pid" 2> /tmp/pp-strace.txt || true
wait
cat $work/probe.txt | grep -E "Requests|requests in"
