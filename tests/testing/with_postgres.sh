#!/usr/bin/env bash
# with_postgres.sh COMMAND [ARGS...]: runs COMMAND with a throwaway PostgreSQL cluster, one per
# run: initdb in a temp dir, trust authentication, a free loopback port and a unix socket in
# that dir. COMMAND finds it in RELISH_TEST_POSTGRES_URL (a database it may create schemas or
# databases in). The cluster is stopped and its dir removed when this script exits, whether
# COMMAND passed, failed or crashed, or this script was interrupted.
set -euo pipefail

bin="${RELISH_PG_BIN:-/usr/lib/postgresql/15/bin}"
if [ ! -x "$bin/initdb" ]; then
  echo "with_postgres: no $bin/initdb (scripts/setup.sh installs Debian's postgresql)" >&2
  exit 1
fi

# The cluster lives in memory (/dev/shm) when there is room for it: each test creates a schema
# and its module's tables, and on disk that DDL (files for every table, index and TOAST table)
# was about half a PostgreSQL suite's time, fsync or not. A small /dev/shm (containers often
# give 64 MiB) or RELISH_PG_TMPDIR keeps it on disk.
parent="${RELISH_PG_TMPDIR:-}"
if [ -z "$parent" ]; then
  parent="${TMPDIR:-/tmp}"
  if [ -d /dev/shm ] && [ -w /dev/shm ] &&
     [ "$(df -Pk /dev/shm 2>/dev/null | awk 'NR == 2 { print $4 }')" -ge 1048576 ] 2>/dev/null; then
    parent=/dev/shm
  fi
fi
dir="$(mktemp -d "$parent/relish-pg.XXXXXX")"
# PostgreSQL refuses to run as root: as root (containers, some CI), the cluster belongs to the
# postgres user Debian's package creates.
as=()
if [ "$(id -u)" -eq 0 ]; then
  chown postgres: "$dir"
  as=(runuser -u postgres --)
fi
stop() {
  if [ -f "$dir/data/postmaster.pid" ]; then
    "${as[@]}" "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
  fi
  rm -rf "$dir"
}
trap stop EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# A free port: bind to 0 and read what the kernel gave (a race with other binders is possible but
# only loses this run, and pg_ctl then fails loudly).
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"

"${as[@]}" "$bin/initdb" -D "$dir/data" -U relish --auth=trust --encoding=UTF8 --locale=C.UTF-8 \
  --no-sync >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; exit 1; }
# Durability is not what these tests are about: no fsync makes a cluster start and each test's
# schema creation cheap.
if ! "${as[@]}" "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -s \
    -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
    start; then
  cat "$dir/server.log" >&2
  exit 1
fi

export RELISH_TEST_POSTGRES_URL="postgres://relish@127.0.0.1:$port/postgres"
set +e
"$@"
rc=$?
set -e
exit $rc
