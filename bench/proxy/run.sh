#!/usr/bin/env bash
# A credentialed proxy hop, Relish against nginx doing the same header injection, same upstream,
# same run. Prints requests/s for both and the ratio.
#
#   bench/proxy/run.sh [DURATION_SECONDS] [CONNECTIONS]
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
export RELISH_LOG_LEVEL=warn
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

run() { wrk -t2 -c"$conns" -d"${duration}s" "$@" | tee -a "$work/wrk.txt" | awk '/Requests\/sec/ {print $2}'; }
echo "warm-up..."; wrk -t2 -c"$conns" -d2s "http://127.0.0.1:$px/items" > /dev/null; wrk -t2 -c"$conns" -d2s -H "Authorization: Bearer $token" "$url/api/v1/proxy/up/items" > /dev/null
nginx_rps=$(run "http://127.0.0.1:$px/items")
# PERF_OUT=file records a CPU profile of relish during its run (perf record, software clock).
if [ -n "${PERF_OUT:-}" ]; then
  perf record -e cpu-clock -F 499 -g -p "$relish_pid" -o "$PERF_OUT" -- sleep "$duration" 2>/dev/null &
fi
relish_rps=$(run -H "Authorization: Bearer $token" "$url/api/v1/proxy/up/items")
wait_perf=$(jobs -p | tail -1); [ -n "${PERF_OUT:-}" ] && wait "$wait_perf" 2>/dev/null || true
grep -E "Latency|Requests/sec" "$work/wrk.txt"
python3 - "$nginx_rps" "$relish_rps" <<PY
import sys
n, r = float(sys.argv[1]), float(sys.argv[2])
print(f"nginx  {n:10.0f} req/s")
print(f"relish {r:10.0f} req/s")
print(f"relish/nginx = {r/n:.2f}")
PY
