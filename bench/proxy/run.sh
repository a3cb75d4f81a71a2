#!/usr/bin/env bash
# A credentialed proxy hop, Relish against nginx doing the same header injection, same upstream,
# same run. Prints requests/s for both and the ratio, in two set-ups:
#
#   separate  the upstream is an nginx process of its own; nginx's proxy is another process and
#             Relish the third. Each proxy is a process between wrk and the upstream, as a
#             credential broker is between a caller and an API. This is the headline figure.
#   shared    nginx serves the upstream and the proxy from the same worker processes (the set-up
#             used before 2026-11-29): nginx's proxy then hands many requests to the upstream in
#             the same process and epoll loop, which a proxy in front of a real API cannot do.
#             Relish calls that same upstream. Kept for comparison with the earlier figures.
#
#   bench/proxy/run.sh [DURATION_SECONDS] [CONNECTIONS]
#
# ROUNDS=n (default 3) alternating rounds; PERF_OUT=file profiles relish during the first.
# Each round also prints the CPU time and context switches (waits + preemptions) per request of
# both proxies (from /proc, against wrk's count). RELISH_LOG_LEVEL=info turns relish's access log on (nginx runs with access_log off, so
# the default here is warn, which turns it off too).
#
# upstream: nginx answering {"ok":true} on loopback.
# nginx:    proxy_pass to the upstream with `Authorization: Bearer <token>` set.
# relish:   GET /api/v1/proxy/{link}/items through a bearer connection to the same upstream.
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
token_header='Authorization "Bearer bench-upstream-token-0123456789"'
proxy_block() {  # listen port, upstream name
  echo "server { listen 127.0.0.1:$1; location / { proxy_pass http://$2; proxy_http_version 1.1;
    proxy_set_header Connection \"\"; proxy_set_header $token_header; } }"
}
upstream_block() { echo "server { listen 127.0.0.1:$1; location / { default_type application/json; return 200 '{\"ok\":true}'; } }"; }
start_nginx() {  # name, http block contents
  mkdir -p "$work/$1"
  cat > "$work/$1/nginx.conf" <<CONF
worker_processes 2;
pid $work/$1/nginx.pid;
error_log $work/$1/error.log warn;
events { worker_connections 4096; }
http { access_log off; $2 }
CONF
  nginx -c "$work/$1/nginx.conf" -p "$work/$1" -g 'daemon off;' &
  pids+=($!)
  eval "${1}_pid=$!"
}
up=$(free_port); px=$(free_port); shared_up=$(free_port); shared_px=$(free_port)
start_nginx upstream "$(upstream_block "$up")"
start_nginx proxy "upstream backend { server 127.0.0.1:$up; keepalive 64; } $(proxy_block "$px" backend)"
start_nginx shared "upstream backend { server 127.0.0.1:$shared_up; keepalive 64; }
  $(upstream_block "$shared_up") $(proxy_block "$shared_px" backend)"

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
for link in "up:$up" "shared:$shared_up"; do
  api POST /api/v1/services "id: upstream_${link%%:*}
name: Upstream ${link%%:*}
auth: bearer
base_url: http://127.0.0.1:${link#*:}
allowed_hosts: ['http://127.0.0.1:${link#*:}']
" application/yaml > /dev/null
  api POST /api/v1/connections "{\"name\":\"${link%%:*}\",\"service\":\"upstream_${link%%:*}\"}" > /dev/null
  api PUT "/api/v1/connections/${link%%:*}/credentials" '{"fields":{"token":"bench-upstream-token-0123456789"}}' > /dev/null
done
# Check every path answers the upstream's body before measuring.
for target in "http://127.0.0.1:$px/items" "http://127.0.0.1:$shared_px/items"; do
  [ "$(curl -sf "$target")" = '{"ok":true}' ]
done
for link in up shared; do
  [ "$(curl -sf "$url/api/v1/proxy/$link/items" -H "Authorization: Bearer $token")" = '{"ok":true}' ]
done

# Alternating rounds so that load from elsewhere on the machine hits all alike; the summary is
# the median round of each. --latency adds the percentiles.
run() { wrk -t2 -c"$conns" -d"${duration}s" --latency "$@" > "$work/last.txt"; cat "$work/last.txt" >> "$work/wrk.txt"
  awk '/Requests\/sec/ {rps=$2} $1=="50%" {p50=$2} $1=="99%" {p99=$2} END {print rps, p50, p99}' "$work/last.txt"; }
echo "warm-up..."
wrk -t2 -c"$conns" -d2s "http://127.0.0.1:$px/items" > /dev/null
wrk -t2 -c"$conns" -d2s -H "Authorization: Bearer $token" "$url/api/v1/proxy/up/items" > /dev/null
# CPU time per request, steadier than req/s when other jobs share the machine: utime + stime
# (or utime alone) of the given processes, in microseconds, divided by wrk's request count.
ticks() { local field=$1; shift; for p in "$@"; do awk -v f="$field" '{print f == "user" ? $14 : $14 + $15}' "/proc/$p/stat"; done | awk '{t += $1} END {print t}'; }
# Context switches of the given processes' threads, "voluntary involuntary" (waits; preemptions).
switches() { cat $(for p in "$@"; do echo /proc/"$p"/task/*/status; done) 2>/dev/null |
  awk '/^voluntary_ctxt_switches/ {v += $2} /^nonvoluntary_ctxt_switches/ {n += $2} END {print v, n}'; }
per_request_switches() { awk -v a="$1" -v b="$2" -v n="$(awk '/requests in/ {print $1}' "$work/last.txt")" \
  'BEGIN {split(a, x, " "); split(b, y, " "); printf "%.2f + %.2f", (y[1] - x[1]) / n, (y[2] - x[2]) / n}'; }
per_request() { awk -v t="$1" -v hz="$(getconf CLK_TCK)" -v n="$(awk '/requests in/ {print $1}' "$work/last.txt")" 'BEGIN {printf "%.0f", t * 1e6 / hz / n}'; }
proxy_workers=$(pgrep -P "$proxy_pid" | tr '\n' ' ')
rounds=${ROUNDS:-3}
: > "$work/rounds.txt"
for round in $(seq 1 "$rounds"); do
  n0=$(ticks all $proxy_workers); nu0=$(ticks user $proxy_workers); ns0=$(switches $proxy_workers)
  nginx_line=$(run "http://127.0.0.1:$px/items")
  n1=$(ticks all $proxy_workers); nu1=$(ticks user $proxy_workers); ns1=$(switches $proxy_workers)
  nginx_cpu="$(per_request $((n1 - n0))) us ($(per_request $((nu1 - nu0))) us user), switches $(per_request_switches "$ns0" "$ns1")"
  # PERF_OUT=file records a CPU profile of relish during its first round (perf record, software clock).
  if [ -n "${PERF_OUT:-}" ] && [ "$round" = 1 ]; then
    perf record -e cpu-clock -F 499 ${PERF_CALLGRAPH:--g} -p "$relish_pid" -o "$PERF_OUT" -- sleep "$duration" 2>/dev/null &
    perf_pid=$!
  fi
  r0=$(ticks all "$relish_pid"); u0=$(ticks user "$relish_pid"); rs0=$(switches "$relish_pid")
  relish_line=$(run -H "Authorization: Bearer $token" "$url/api/v1/proxy/up/items")
  r1=$(ticks all "$relish_pid"); u1=$(ticks user "$relish_pid"); rs1=$(switches "$relish_pid")
  [ -n "${perf_pid:-}" ] && { wait "$perf_pid" 2>/dev/null || true; perf_pid=; }
  relish_cpu="$(per_request $((r1 - r0))) us ($(per_request $((u1 - u0))) us user), switches $(per_request_switches "$rs0" "$rs1")"
  shared_nginx_line=$(run "http://127.0.0.1:$shared_px/items")
  shared_relish_line=$(run -H "Authorization: Bearer $token" "$url/api/v1/proxy/shared/items")
  echo "$round $nginx_line $relish_line $shared_nginx_line $shared_relish_line" | tee -a "$work/rounds.txt" |
    awk '{printf "round %s: separate: nginx %6.0f req/s (p50 %s, p99 %s)  relish %6.0f req/s (p50 %s, p99 %s)\n", $1, $2, $3, $4, $5, $6, $7;
          printf "         shared:   nginx %6.0f req/s (p50 %s, p99 %s)  relish %6.0f req/s (p50 %s, p99 %s)\n", $8, $9, $10, $11, $12, $13}'
  echo "  CPU per request (separate): nginx's proxy $nginx_cpu; relish $relish_cpu"
done
python3 - "$work/rounds.txt" "$conns" "$duration" <<'PY'
import statistics, sys
rows = [line.split() for line in open(sys.argv[1])]
med = lambda i: statistics.median(float(r[i]) for r in rows)
ratio = lambda r, n: statistics.median(float(x[r]) / float(x[n]) for x in rows)
spread = lambda r, n: sorted(round(float(x[r]) / float(x[n]), 2) for x in rows)
# The ratio is taken within each round (nginx and relish measured back to back) and the median
# of those reported: the machine's speed drifts between rounds more than between two runs.
print(f"{len(rows)} rounds of {sys.argv[3]}s, {sys.argv[2]} connections, wrk -t2; medians:")
for name, n, r in (("separate", 1, 4), ("shared", 7, 10)):
    print(f"{name:8} nginx {med(n):8.0f} req/s  relish {med(r):8.0f} req/s  "
          f"relish/nginx = {ratio(r, n):.2f} (rounds: {', '.join(map(str, spread(r, n)))})")
PY
