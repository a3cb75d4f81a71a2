#!/usr/bin/env bash
# Relish on SQLite (one node), on PostgreSQL (one node) and on PostgreSQL with two nodes, side by
# side in one run: workflow runs per second and credentialed-proxy requests per second, plus what
# the database did per run and per proxied call (BENCHMARKS.md, "Nodes and the database").
#
#   bench/nodes/run.sh            # ROUNDS=3 WRITE_SECONDS=5 DURATION=10 CONNS=32 by default
#
# Every set-up sits behind the same nginx load balancer (round robin, keep-alive to the nodes),
# so the only differences are the store and the number of `relish serve` processes. The nodes of
# the two-node set-up share the database URL and the master key (RELISH_MASTER_KEY).
#
# Each round runs the three set-ups one after the other (so that load from elsewhere hits all
# alike), each on a fresh database (a new PostgreSQL database or SQLite data directory):
#   proxy     wrk -t2 -cCONNS -dDURATION through the balancer: GET /api/v1/proxy/up/items, a
#             bearer connection to an nginx upstream answering {"ok":true}
#   workflow  wrk writes Contacts records through the balancer for WRITE_SECONDS (one record per
#             request, 8 connections); an active rule runs, per record, a function making two
#             invokeurl calls to the upstream (GET /lookup, POST /record). runs/s = runs / (time
#             from the first write until the queue is empty); the runs are counted in the
#             upstream's log of POST /record (one line per run), writes/s = runs / write time.
# For PostgreSQL the script also reads, over each phase, pg_stat_statements (statements and their
# server time), pg_stat_database (commits, rows inserted/updated/deleted), pg_stat_wal (WAL
# flushes) and the CPU time of all PostgreSQL processes, and prints them per run and per call.
#
# PostgreSQL runs with initdb's defaults (fsync, synchronous_commit and full_page_writes on:
# every commit waits for its WAL flush), plus max_connections=200 and pg_stat_statements. It
# listens on loopback TCP, as a database on another host would be reached.
set -euo pipefail
cd "$(dirname "$0")/../.."
rounds=${ROUNDS:-3}
write_seconds=${WRITE_SECONDS:-5}
duration=${DURATION:-10}
conns=${CONNS:-32}
configs=${CONFIGS:-"sqlite1 pg1 pg2 pg1-async pg2-async"}
relish=$(realpath "${RELISH:-build/relish}")
pgbin=${RELISH_PG_BIN:-/usr/lib/postgresql/15/bin}
[ -x "$relish" ] || { echo "build first: make build"; exit 1; }
[ -x "$pgbin/initdb" ] || { echo "no $pgbin/initdb (scripts/setup.sh installs postgresql)"; exit 1; }
command -v wrk >/dev/null || { echo "wrk is missing: scripts/setup.sh installs it"; exit 1; }
bench_dir=$(pwd)/bench/nodes
work=$(mktemp -d "${TMPDIR:-/tmp}/relish-nodes.XXXXXX")
chmod 755 "$work"
pids=()
as=()
[ "$(id -u)" -eq 0 ] && as=(runuser -u postgres --)
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  if [ -f "$work/pg/data/postmaster.pid" ]; then
    "${as[@]}" "$pgbin/pg_ctl" -D "$work/pg/data" -m fast -w stop >/dev/null 2>&1 || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT
trap 'echo "bench/nodes/run.sh: failed at line $LINENO" >&2' ERR
trap 'exit 130' INT
trap 'exit 143' TERM
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# --- PostgreSQL, durable defaults
pg_port=$(free_port)
mkdir -p "$work/pg"
[ ${#as[@]} -gt 0 ] && chown postgres: "$work/pg"
"${as[@]}" "$pgbin/initdb" -D "$work/pg/data" -U relish --auth=trust --encoding=UTF8 \
  --locale=C.UTF-8 >"$work/pg/initdb.log" 2>&1 || { cat "$work/pg/initdb.log"; exit 1; }
"${as[@]}" "$pgbin/pg_ctl" -D "$work/pg/data" -l "$work/pg/server.log" -w -s -o \
  "-p $pg_port -k $work/pg -c listen_addresses=127.0.0.1 -c max_connections=200 -c shared_preload_libraries=pg_stat_statements -c pg_stat_statements.track=all -c track_wal_io_timing=on" \
  start || { cat "$work/pg/server.log"; exit 1; }
pg_url="postgres://relish@127.0.0.1:$pg_port"
psql_q() { psql -X -q -t -A -F ' ' "$pg_url/${2:-postgres}" -c "$1"; }
psql_q "CREATE EXTENSION pg_stat_statements" >/dev/null
psql_q "SELECT 'postgres', version()" | head -1
psql_q "SELECT name || '=' || setting FROM pg_settings WHERE name IN
  ('fsync','synchronous_commit','full_page_writes','wal_sync_method','shared_buffers',
   'max_connections','wal_level','commit_delay') ORDER BY name" | tr '\n' ' '; echo

# The disk's flush rate bounds durable commits: pg_test_fsync's figure for one 8 kB write and
# fdatasync (PostgreSQL's wal_sync_method here).
"$pgbin/pg_test_fsync" -s 1 -f "$work/fsync.test" 2>/dev/null |
  awk '/one 8kB write/ {on = 1} on && /^[ \t]+fdatasync/ {print "pg_test_fsync: one 8 kB write + fdatasync:", $(NF-3), $(NF-2), $(NF-1), $NF; exit}'

# --- the upstream (an nginx of its own) and the balancer
start_nginx() {  # name, http block contents
  mkdir -p "$work/$1"
  cat >"$work/$1/nginx.conf" <<CONF
worker_processes ${3:-2};
pid $work/$1/nginx.pid;
error_log $work/$1/error.log warn;
events { worker_connections 4096; }
http { access_log off; $2 }
CONF
  nginx -c "$work/$1/nginx.conf" -p "$work/$1" -g 'daemon off;' &
  pids+=($!)
}
up=$(free_port)
: >"$work/records.log"
start_nginx upstream "log_format bare '\$msec'; server { listen 127.0.0.1:$up;
  location /record { access_log $work/records.log bare buffer=4k flush=100ms;
    default_type application/json; return 200 '{\"stored\":1}'; }
  location / { default_type application/json; return 200 '{\"ok\":true,\"id\":\"42\"}'; } }"
lb=$(free_port)

# CPU time (utime + stime, clock ticks) of every process of the PostgreSQL cluster, and of the
# given processes.
# A process may end between the listing and the read (a backend of a closed connection).
ticks_of() { for p in "$@"; do awk '{print $14 + $15}' "/proc/$p/stat" 2>/dev/null || true; done |
  awk '{t += $1} END {print t + 0}'; }
pg_ticks() { local main; main=$(head -1 "$work/pg/data/postmaster.pid"); ticks_of "$main" $(pgrep -P "$main"); }
# PostgreSQL counters for one database: commits, rows inserted, updated, deleted; WAL flushes and
# their time; statements and their server time; write transactions and their time in the lock.
# All but the WAL's from pg_stat_statements, which counts as each statement ends (pg_stat_database's
# row counts reach shared memory up to a second late, and a phase would get the last one's rows).
pg_counters() {
  psql_q "WITH s AS (SELECT s.* FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid
      WHERE d.datname = '$1')
    SELECT (SELECT coalesce(sum(calls), 0) FROM s WHERE query ILIKE 'COMMIT%'),
      (SELECT coalesce(sum(rows), 0) FROM s WHERE query ILIKE 'INSERT%'),
      (SELECT coalesce(sum(rows), 0) FROM s WHERE query ILIKE 'UPDATE%'),
      (SELECT coalesce(sum(rows), 0) FROM s WHERE query ILIKE 'DELETE%'),
      w.wal_sync, round(w.wal_sync_time::numeric, 1), w.wal_records,
      (SELECT coalesce(sum(calls), 0) FROM s),
      (SELECT round(coalesce(sum(total_exec_time), 0)::numeric, 1) FROM s),
      (SELECT coalesce(sum(calls), 0) FROM s WHERE query LIKE '%pg_advisory_xact_lock%'),
      (SELECT round(coalesce(sum(total_exec_time), 0)::numeric, 1) FROM s WHERE query LIKE '%pg_advisory_xact_lock%')
    FROM pg_stat_wal w"
}
pg_reset() { psql_q "SELECT pg_stat_statements_reset()" >/dev/null; psql_q "SELECT pg_stat_reset_shared('wal')" >/dev/null; }

setup_config() {  # config, round: starts the nodes and the balancer; sets url, token, node_pids
  local cfg=$1 round=$2 n=1 i dburl=""
  case $cfg in pg2*) n=2 ;; esac
  node_pids=()
  node_urls=()
  cfg_dir="$work/$cfg-$round"
  mkdir -p "$cfg_dir"
  if [ "$cfg" != sqlite1 ]; then
    db="bench_${cfg//-/_}_$round"
    psql_q "CREATE DATABASE $db TEMPLATE template0 LC_COLLATE 'C' LC_CTYPE 'C.UTF-8'" >/dev/null
    # -async: commits do not wait for their WAL flush, SQLite's synchronous=NORMAL in WAL mode
    # (Relish's default): an OS crash can lose the last commits, never corrupt the database.
    case $cfg in *-async) psql_q "ALTER DATABASE $db SET synchronous_commit = off" >/dev/null ;; esac
    dburl="$pg_url/$db"
  fi
  export RELISH_ADMIN_EMAIL=admin@localhost RELISH_ADMIN_PASSWORD=bench-password-1
  export RELISH_EGRESS_ALLOW_LOOPBACK=true RELISH_LOG_LEVEL=${RELISH_LOG_LEVEL:-warn}
  export RELISH_DATABASE_URL=$dburl
  RELISH_MASTER_KEY=$(head -c 32 /dev/urandom | base64)
  export RELISH_MASTER_KEY
  source tests/testing/relish_server.sh
  local servers=""
  for i in $(seq 1 "$n"); do  # one after the other: the first creates the schema
    mkdir -p "$cfg_dir/node$i"
    start_relish "$relish" "$cfg_dir/node$i"
    node_pids+=("$RELISH_PID")
    node_urls+=("$RELISH_SERVER_URL")
    pids+=("$RELISH_PID")
    servers="$servers server ${RELISH_SERVER_URL#http://};"
  done
  start_nginx "lb-$cfg-$round" "upstream nodes { $servers keepalive 64; }
    server { listen 127.0.0.1:$lb; location / { proxy_pass http://nodes; proxy_http_version 1.1;
      proxy_set_header Connection \"\"; } }" 1
  lb_pid=${pids[-1]}
  url="http://127.0.0.1:$lb"
  for _ in $(seq 1 50); do curl -sf "$url/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
  token=$(curl -sf -X POST "$url/api/v1/auth/token" -H 'Content-Type: application/json' \
    -d '{"email":"admin@localhost","password":"bench-password-1"}' |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
  api POST /api/v1/services "id: upstream
name: Upstream
auth: bearer
base_url: http://127.0.0.1:$up
allowed_hosts: ['http://127.0.0.1:$up']
" application/yaml >/dev/null
  api POST /api/v1/connections '{"name":"up","service":"upstream"}' >/dev/null
  api PUT /api/v1/connections/up/credentials '{"fields":{"token":"bench-upstream-token-0123456789"}}' >/dev/null
  local fn_source="lookup = invokeurl\n[\n  url: \\\"http://127.0.0.1:$up/lookup?id=\\\" + contact.get(\\\"Contacts.ID\\\")\n  type: GET\n];\nstored = invokeurl\n[\n  url: \\\"http://127.0.0.1:$up/record\\\"\n  type: POST\n  parameters: {\\\"id\\\": lookup.get(\\\"id\\\"), \\\"email\\\": contact.get(\\\"Email\\\")}\n];\ninfo \\\"stored \\\" + stored.get(\\\"stored\\\");"
  api PUT "/api/v1/workflow/functions/sync?environment=sandbox" "{\"source\":\"$fn_source\",\"params\":[\"contact\"]}" >/dev/null
  api POST "/api/v1/workflow/rules?environment=sandbox" '{"name":"Bench","module":"Contacts",
    "trigger":{"type":"create_or_edit","repeat":true},
    "conditions":[{"criteria":["Email is not empty"],"actions":[{"function":"sync"}]}]}' >/dev/null
  # Every node answers the proxied path (twice through the balancer reaches both).
  for _ in 1 2; do
    [ "$(curl -sf "$url/api/v1/proxy/up/items" -H "Authorization: Bearer $token")" = '{"ok":true,"id":"42"}' ]
  done
}
api() { curl -sf -X "$1" "$url$2" -H "Authorization: Bearer ${token:-}" -H "Content-Type: ${4:-application/json}" ${3:+--data-binary "$3"}; }
stop_config() {  # and frees the disk: the machine's disk is shared and small
  for p in "${node_pids[@]}" "$lb_pid"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
  # Reaped: out of the exit trap's list, whose kill could otherwise hit a reused pid.
  local keep=() q stopped
  for p in "${pids[@]}"; do
    stopped=0
    for q in "${node_pids[@]}" "$lb_pid"; do [ "$p" = "$q" ] && stopped=1; done
    [ $stopped = 1 ] || keep+=("$p")
  done
  pids=("${keep[@]}")
  [ "$cfg" != sqlite1 ] && psql_q "DROP DATABASE $db" >/dev/null
  rm -rf "$cfg_dir"
}
queue_busy() { api GET "/api/v1/workflow/queue?environment=sandbox" |
  python3 -c 'import json,sys; q=json.load(sys.stdin); print(q["due"] + q["running"])'; }
runs_logged() { wc -l <"$work/records.log"; }
# Waits until every node's audit writer has written what it had queued: an audit read on a node
# flushes that node's queue first (Connections::FlushAudit).
audit_drained() {
  local u
  for u in "${node_urls[@]}"; do
    curl -s -m 600 "$u/api/v1/audit?link=up&limit=1&environment=sandbox" -H "Authorization: Bearer $token" >"$work/audit.txt" || { echo "audit read failed"; cat "$work/audit.txt"; }
  done
}

# One phase's PostgreSQL figures divided by COUNT, as "key=value" words.
pg_phase() {  # db, before-counters, after-counters, pg ticks before, after, count
  python3 - "$@" "$(getconf CLK_TCK)" <<'PY'
import sys
db, a, b, t0, t1, n, hz = sys.argv[1:]
a = [float(x) for x in a.split()]; b = [float(x) for x in b.split()]; n = float(n)
d = [y - x for x, y in zip(a, b)]
names = ["commits", "inserted", "updated", "deleted", "wal_flushes", "wal_flush_ms", "wal_records",
         "statements", "stmt_ms", "write_tx", "lock_ms"]
v = dict(zip(names, d))
cpu_ms = (float(t1) - float(t0)) * 1000 / float(hz)
out = {"commits": v["commits"] / n, "rows": (v["inserted"] + v["updated"] + v["deleted"]) / n,
       "ins": v["inserted"] / n, "upd": v["updated"] / n, "del": v["deleted"] / n,
       "write_tx": v["write_tx"] / n, "statements": v["statements"] / n,
       "wal_flushes": v["wal_flushes"] / n,
       "flush_ms_each": v["wal_flush_ms"] / v["wal_flushes"] if v["wal_flushes"] else 0,
       "stmt_us": 1000 * v["stmt_ms"] / n, "lock_us": 1000 * v["lock_ms"] / n,
       "pg_cpu_us": 1000 * cpu_ms / n}
print(" ".join(f"{k}={x:.3f}" for k, x in out.items()))
PY
}

: >"$work/results.txt"
echo "load before: $(uptime)"
for round in $(seq 1 "$rounds"); do
  for cfg in $configs; do
    setup_config "$cfg" "$round"
    # proxy
    wrk -t2 -c"$conns" -d2s -H "Authorization: Bearer $token" "$url/api/v1/proxy/up/items" >/dev/null
    [ "$cfg" != sqlite1 ] && { pg_reset; c0=$(pg_counters "$db"); t0=$(pg_ticks); }
    audit_drained
    n0=$(ticks_of "${node_pids[@]}")
    proxy_start=$(date +%s.%N)
    wrk -t2 -c"$conns" -d"${duration}s" -H "Authorization: Bearer $token" \
      "$url/api/v1/proxy/up/items" >"$cfg_dir/proxy.txt"
    proxy_end=$(date +%s.%N)
    # One record write right after the burst, while the audit writers may still be behind: how
    # long another write waits for them.
    probe_ms=$(curl -s -o /dev/null -w '%{time_total}' -X POST -H "Authorization: Bearer $token" \
      -H 'Content-Type: application/json' -d '{"data":[{"Last_Name":"Probe","Email":"p@example.com"}]}' \
      "$url/api/v1/crm/modules/Contacts/records?environment=sandbox" | awk '{printf "%.0f", $1 * 1000}')
    audit_drained
    proxy_drained=$(date +%s.%N)
    n1=$(ticks_of "${node_pids[@]}")
    proxy_rps=$(awk '/Requests\/sec/ {print $2}' "$cfg_dir/proxy.txt")
    proxy_n=$(awk '/requests in/ {print $1}' "$cfg_dir/proxy.txt")
    grep -q "Non-2xx" "$cfg_dir/proxy.txt" && { echo "proxy errors:"; cat "$cfg_dir/proxy.txt"; }
    node_us=$(awk -v t=$((n1 - n0)) -v hz="$(getconf CLK_TCK)" -v n="$proxy_n" 'BEGIN {printf "%.0f", t * 1e6 / hz / n}')
    # Sustained: the calls over the time until their audit rows were written, since a proxy
    # whose audit falls behind queues rows in memory without bound.
    proxy_sustained=$(python3 -c "print(f'{$proxy_n / ($proxy_drained - $proxy_start):.0f} {$proxy_drained - $proxy_end:.2f}')")
    proxy_pg=""
    if [ "$cfg" != sqlite1 ]; then
      proxy_pg=$(pg_phase "$db" "$c0" "$(pg_counters "$db")" "$t0" "$(pg_ticks)" "$proxy_n")
    fi
    # workflow
    before=$(runs_logged)
    [ "$cfg" != sqlite1 ] && { pg_reset; c0=$(pg_counters "$db"); t0=$(pg_ticks); }
    n0=$(ticks_of "${node_pids[@]}")
    start=$(date +%s.%N)
    BENCH_TOKEN=$token wrk -t2 -c8 -d"${write_seconds}s" -s "$bench_dir/write_records.lua" \
      "$url/api/v1/crm/modules/Contacts/records?environment=sandbox" >"$cfg_dir/write.txt"
    written_at=$(date +%s.%N)
    grep -q "answer" "$cfg_dir/write.txt" && { echo "write errors:"; head "$cfg_dir/write.txt"; }
    while [ "$(queue_busy)" != 0 ]; do sleep 0.1; done
    done_at=$(date +%s.%N)
    n1=$(ticks_of "${node_pids[@]}")
    sleep 0.3  # the upstream's log buffer
    runs=$(( $(runs_logged) - before ))
    wf_pg=""
    if [ "$cfg" != sqlite1 ]; then
      wf_pg=$(pg_phase "$db" "$c0" "$(pg_counters "$db")" "$t0" "$(pg_ticks)" "$runs")
      # STATEMENTS=dir keeps each set-up's statements of the workflow phase, most called first.
      if [ -n "${STATEMENTS:-}" ]; then
        mkdir -p "$STATEMENTS"
        psql_q "SELECT calls, round(total_exec_time::numeric, 1) AS ms, rows, regexp_replace(left(query, 160), '\s+', ' ', 'g')
          FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid WHERE d.datname = '$db'
          ORDER BY calls DESC LIMIT 40" >"$STATEMENTS/$cfg-$round.txt"
        echo "runs $runs" >>"$STATEMENTS/$cfg-$round.txt"
      fi
    fi
    line=$(python3 -c "
s, w, d, runs = $start, $written_at, $done_at, $runs
print(f'{runs / (d - s):.0f} {runs / (w - s):.0f} {runs}')")
    wf_node_us=$(awk -v t=$((n1 - n0)) -v hz="$(getconf CLK_TCK)" -v n="$runs" 'BEGIN {printf "%.0f", t * 1e6 / hz / n}')
    load=$(cut -d' ' -f1 /proc/loadavg)
    echo "$round $cfg $proxy_rps $node_us $line $wf_node_us $load $proxy_sustained $probe_ms | ${proxy_pg:--} | ${wf_pg:--}" |
      tee -a "$work/results.txt" | awk '{printf "round %s %-7s proxy %6.0f req/s, sustained %6.0f (audit %ss behind, a write after the burst %s ms; nodes %s us CPU/call)  workflow %5s runs/s (writes %s/s, %s runs, nodes %s us CPU/run)  load %s\n", $1, $2, $3, $10, $11, $12, $4, $5, $6, $7, $8, $9}'
    stop_config
  done
done
python3 - "$work/results.txt" <<'PY'
import statistics, sys
rows = [line.split("|") for line in open(sys.argv[1])]
by = {}
for main, proxy_pg, wf_pg in rows:
    f = main.split()
    by.setdefault(f[1], []).append((f, proxy_pg.split(), wf_pg.split()))
med = lambda xs: statistics.median(xs)
base = None
if not by: sys.exit(0)
print(f"\nmedians of {len(next(iter(by.values())))} rounds:")
print(f"{'set-up':9} {'proxy req/s':>11} {'ratio':>6} {'sustained':>9} {'ratio':>6} {'write after':>11} {'workflow runs/s':>15} {'ratio':>6} {'writes/s':>9}  load")
for cfg, rs in by.items():
    p = med(float(r[0][2]) for r in rs); w = med(float(r[0][4]) for r in rs)
    wr = med(float(r[0][5]) for r in rs); ps = med(float(r[0][9]) for r in rs)
    load = ", ".join(r[0][8] for r in rs)
    if base is None: base = (p, w, ps)
    probe = med(float(r[0][11]) for r in rs)
    print(f"{cfg:9} {p:11.0f} {p / base[0]:6.2f} {ps:9.0f} {ps / base[2]:6.2f} {probe:8.0f} ms {w:15.0f} {w / base[1]:6.2f} {wr:9.0f}  {load}")
for cfg, rs in by.items():
    for label, idx in (("per proxied call", 1), ("per workflow run", 2)):
        kv = [dict(x.split("=") for x in r[idx]) for r in rs if r[idx] and r[idx][0] != "-"]
        if not kv: continue
        print(f"{cfg} PostgreSQL {label}: " +
              " ".join(f"{k}={med(float(d[k]) for d in kv):.2f}" for k in kv[0]))
PY

# --- The writer lock's ceiling: write transactions per second this database takes when every
# writer holds one advisory lock until its commit, as the PostgreSQL store's writers do, with a
# record write's shape (the lock, then 6 statements: 5 inserts of ~300 bytes and a read), against
# the same transactions without the lock. pgbench, 4 clients on loopback TCP, prepared statements.
ceiling() {  # label, synchronous_commit
  psql_q "CREATE DATABASE ceiling_$2 TEMPLATE template0" >/dev/null
  psql_q "ALTER DATABASE ceiling_$2 SET synchronous_commit = $2" >/dev/null
  psql_q "CREATE TABLE w (id bigserial PRIMARY KEY, k text, v text)" "ceiling_$2" >/dev/null
  local lock
  for lock in with without; do
    {
      echo "BEGIN ISOLATION LEVEL READ COMMITTED;"
      [ "$lock" = with ] && echo "SELECT pg_advisory_xact_lock(4242);"
      echo "SELECT count(*) FROM w WHERE id = 1;"
      for _ in 1 2 3 4 5; do echo "INSERT INTO w (k, v) VALUES ('org_bench', repeat('x', 300));"; done
      echo "COMMIT;"
    } >"$work/ceiling.sql"
    tps=$(pgbench -n -M prepared -c 4 -j 2 -T "${CEILING_SECONDS:-5}" -f "$work/ceiling.sql" \
      "$pg_url/ceiling_$2" 2>/dev/null | awk '/^tps/ {printf "%.0f", $3}')
    echo "writer ceiling ($1, synchronous_commit=$2, $lock the lock): $tps write transactions/s"
  done
}
ceiling durable on
ceiling async off
echo "load at the end: $(uptime)"
