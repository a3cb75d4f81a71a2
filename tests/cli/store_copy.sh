#!/usr/bin/env bash
# Issue 16: `relish store copy` moves an installation made through relish itself (two
# organizations: users, API-key connections with planted secrets, OAuth clients' secrets, CRM
# records, a topping's rule and functions, a queued job) from SQLite to PostgreSQL; `relish serve`
# on the copy sees each organization's data and only its own, a credentialed call through a copied
# connection still works (its sealed secret decrypts with the data directory's master key), and
# the queued job runs there; the target's triggers number the copied sealed rows for
# Vault::Learn below its sequence, and a secret sealed on the copy after them. The copy's output
# names no secret and no database password. Refused:
# a source in use, a source with a newer schema, a non-empty target, a bad or unreachable URL.
# Run by tests/testing/with_postgres.sh (RELISH_TEST_POSTGRES_URL).
set -euo pipefail
source "$(dirname "$0")/../testing/cli_test.sh" "$1"
unset RELISH_DATA RELISH_CONFIG RELISH_LOG_FILE RELISH_URL RELISH_TOKEN RELISH_PUBLIC_URL \
  RELISH_SANDBOX_REMAP RELISH_EGRESS_ALLOW_LOOPBACK RELISH_LOG_LEVEL RELISH_ADMIN_PASSWORD \
  RELISH_MASTER_KEY RELISH_DATABASE_URL RELISH_WORKFLOW_WORKERS
[ -n "${RELISH_TEST_POSTGRES_URL:-}" ] || fail "run under tests/testing/with_postgres.sh"
export XDG_CONFIG_HOME=$dir/admin-config
# The copied connections call this same server.
export RELISH_EGRESS_ALLOW_LOOPBACK=true

# One port for both servers: the connections' base URL is the first server's.
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
url=http://127.0.0.1:$port
export RELISH_URL=$url
serve() {  # serve [serve flags...]: relish serve on $port with $dir/data
  : > "$dir/relish.out"
  "$relish" serve --data "$dir/data" --listen "127.0.0.1:$port" "$@" > "$dir/relish.out" 2> "$dir/relish.err" &
  RELISH_PID=$!
  for _ in $(seq 1 100); do
    grep -q "is serving" "$dir/relish.out" && return 0
    kill -0 "$RELISH_PID" 2>/dev/null || break
    sleep 0.1
  done
  cat "$dir/relish.err"
  fail "relish serve did not start"
}

# The source: SQLite, with no workflow workers so the rule's job stays queued.
serve --set workflow_workers=0
"$relish" login --email admin@localhost < "$dir/data/initial-admin-password" > /dev/null
alpha=$("$relish" whoami --json | jq -r '.orgs[0].id')
beta=$("$relish" orgs create Beta --json | jq -r .id)
for who in "ann $alpha" "carol $beta"; do
  read -r login in <<<"$who"
  echo "$login password 123" | "$relish" users create "$login@example.com" --name "$login" --org "$in" > /dev/null
  echo "$login password 123" | XDG_CONFIG_HOME=$dir/$login "$relish" login --email "$login@example.com" > /dev/null
done
as() { local who=$1; shift; XDG_CONFIG_HOME=$dir/$who "$relish" "$@"; }
ann_token=$(jq -r .token "$dir/ann/relish/cli.json")
carol_token=$(jq -r .token "$dir/carol/relish/cli.json")

# Each organization: a bearer service on this server whose planted secret is its member's API
# token (so a call through the connection works only if the secret decrypts), an OAuth client's
# secret, a CRM contact.
cat > "$dir/probe.yaml" <<YAML
id: probe
name: Probe
auth: bearer
base_url: $url
allowed_hosts: ['$url']
YAML
for who in "ann $ann_token Alpha-Stone" "carol $carol_token Beta-Ng"; do
  read -r login token contact <<<"$who"
  as "$login" services create "$dir/probe.yaml" > /dev/null
  as "$login" connections create --service probe --name "${login}team" > /dev/null
  echo "token=$token" | as "$login" connections credentials "${login}team" > /dev/null
  as "$login" services set-client zoho_books --client-id "books-$login" <<<"PLANTED-oauth-secret-$login" > /dev/null
  curl -sf -X POST -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
    -d "{\"data\":[{\"Last_Name\":\"$contact\"}]}" "$url/api/v1/crm/modules/Contacts/records" > /dev/null
done
# Alpha's topping: a function and a rule on new contacts; a contact made now queues its job.
mkdir -p "$dir/acme/functions"
cat > "$dir/acme/topping.yaml" <<YAML
namespace: acme
name: Acme
version: 1.0.0
functions:
  - name: welcome
    params: [contact]
rules:
  - name: Welcome contacts
    module: Contacts
    trigger: {type: create}
    conditions:
      - actions:
          - function: welcome
YAML
printf 'info "welcome " + contact.get("Last_Name");\n' > "$dir/acme/functions/welcome.dg"
as ann topping push "$dir/acme" > /dev/null
curl -sf -X POST -H "Authorization: Bearer $ann_token" -H 'Content-Type: application/json' \
  -d '{"data":[{"Last_Name":"Queued"}]}' "$url/api/v1/crm/modules/Contacts/records" > /dev/null
[ "$(as ann runs list --json | jq ".runs | length")" = 0 ] || fail "a run before the copy"

# The target: a new database, with a password in its URL that must never be printed (trust
# authentication ignores it).
pg_admin=$RELISH_TEST_POSTGRES_URL
psql -q "$pg_admin" -c "CREATE DATABASE copied" -c "CREATE DATABASE other"
pg_host=${pg_admin#postgres://relish@}
pg_host=${pg_host%%/*}
target="postgres://relish:PLANTED-pg-password@$pg_host/copied"
shown_target="postgres://relish:***@$pg_host/copied"

# Refused while the server has the database open.
expect "source in use" "relish: $dir/data/relish.db is open in another process (pid $RELISH_PID): stop relish serve (and any relish run) using it first, so that nothing written after the copy is lost" 1 \
  "$relish" store copy --from "$dir/data" --to "$target"
stop_relish

# Usage errors, an unreachable target, a missing file.
expect "not a postgres URL" "relish: --to takes a postgres:// or postgresql:// URL, got 'mysql://relish:***@$pg_host/copied'" 2 \
  "$relish" store copy --from "$dir/data" --to "mysql://relish:PLANTED-pg-password@$pg_host/copied"
rc=0; "$relish" store copy --from "$dir/data" > "$dir/usage.out" 2>&1 || rc=$?
[ $rc = 2 ] && grep -q -- "--to is required" "$dir/usage.out" || fail "no --to: exit $rc, [$(cat "$dir/usage.out")]"
expect "missing source" "relish: no such file: $dir/none.db" 1 "$relish" store copy --from "$dir/none.db" --to "$target"
out=$("$relish" store copy --from "$dir/data" --to "postgres://relish:PLANTED-pg-password@127.0.0.1:1/copied" 2>&1) &&
  fail "an unreachable target: exit 0"
[[ "$out" == "relish: cannot connect to postgres://relish:***@127.0.0.1:1/copied: "* ]] || fail "unreachable: [$out]"

# A source whose schema is newer than this relish: refused with what to do.
cp "$dir/data/relish.db" "$dir/newer.db"
python3 -c "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute(\"INSERT INTO relish_migrations VALUES ('crm', 999, 'future', 0)\"); c.commit()" "$dir/newer.db"
expect "newer source" "relish: the source's schema is newer than this relish (crm at version 999, this relish knows $(python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute(\"SELECT max(version) FROM relish_migrations WHERE module='crm'\").fetchone()[0])" "$dir/data/relish.db")): copy with the relish that last ran on it, or a newer one" 1 \
  "$relish" store copy --from "$dir/newer.db" --to "$target"

# ... or older: refused, saying how to bring it up to date.
cp "$dir/data/relish.db" "$dir/older.db"
crm_version=$(python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute(\"SELECT max(version) FROM relish_migrations WHERE module='crm'\").fetchone()[0])" "$dir/data/relish.db")
python3 -c "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute(\"DELETE FROM relish_migrations WHERE module='crm' AND version=$crm_version\"); c.commit()" "$dir/older.db"
expect "older source" "relish: the source's schema is older than this relish (crm at version $((crm_version - 1)), this relish has $crm_version): start this relish's \`relish serve\` on the data directory once (it migrates on start), stop it, then copy" 1 \
  "$relish" store copy --from "$dir/older.db" --to "$target"
"$relish" store copy --help | grep -q "Stop relish serve first" || fail "store copy --help does not say to stop the server"

# The copy.
"$relish" store copy --from "$dir/data" --to "$target" > "$dir/copy.out" 2>&1 || fail "copy: $(cat "$dir/copy.out")"
grep -Eqx "copied [0-9]+ tables, [0-9]+ rows from $dir/data/relish.db to postgres://relish:\*\*\*@$pg_host/copied in [0-9.]+ s" "$dir/copy.out" ||
  fail "copy's summary: [$(cat "$dir/copy.out")]"
for secret in "$ann_token" "$carol_token" PLANTED-oauth-secret-ann PLANTED-oauth-secret-carol PLANTED-pg-password; do
  grep -qF -- "$secret" "$dir/copy.out" && fail "the copy printed a secret: [$(cat "$dir/copy.out")]"
done
# Each table's rows, counted on both sides (one query each).
counts=$(python3 -c "
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
names = [r[0] for r in db.execute(\"SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite%' AND name <> 'relish_migrations' ORDER BY 1\")]
print('\\n'.join('%s|%d' % (n, db.execute('SELECT count(*) FROM \"%s\"' % n).fetchone()[0]) for n in names))" "$dir/data/relish.db")
[ "$(wc -l <<<"$counts")" -gt 20 ] || fail "few tables: [$counts]"
grep -q "^copied $(wc -l <<<"$counts") tables" "$dir/copy.out" || fail "table count: [$(cat "$dir/copy.out")] vs [$counts]"
copied_counts=$(psql -tAq "${pg_admin%/postgres}/copied" -c "$(sed -E "s/^([a-z_0-9]+)\|.*/SELECT '\1', count(*) FROM \"\1\" UNION ALL/" <<<"$counts") SELECT 'zzz', 0" | grep -v '^zzz|')
[ "$counts" = "$copied_counts" ] || fail "rows per table differ: $(diff <(echo "$counts") <(echo "$copied_counts"))"
# The sealed secrets, byte for byte (md5 of each, in a fixed order), and the wrapped data keys.
sealed_sql="SELECT md5(coalesce(fields, '')) FROM connection_credentials UNION ALL SELECT md5(client_secret) FROM service_clients UNION ALL SELECT md5(wrapped) FROM vault_keys ORDER BY 1"
want=$(python3 -c "
import hashlib, sqlite3, sys
db = sqlite3.connect(sys.argv[1])
rows = [r[0] or '' for r in db.execute(\"SELECT fields FROM connection_credentials UNION ALL SELECT client_secret FROM service_clients UNION ALL SELECT wrapped FROM vault_keys\")]
print('\\n'.join(sorted(hashlib.md5(v.encode()).hexdigest() for v in rows)))" "$dir/data/relish.db")
[ "$(wc -l <<<"$want")" -ge 5 ] || fail "few sealed values: [$want]"
[ "$(psql -tAq "${pg_admin%/postgres}/copied" -c "$sealed_sql")" = "$want" ] || fail "sealed values differ"
[ "$(psql -tAq "${pg_admin%/postgres}/copied" -c "SELECT count(*) FROM wf_jobs")" -ge 1 ] || fail "no queued job copied"
# Vault::Learn's numbering: the target's triggers numbered every copied row of a sealed table,
# each with its own number, all below the target's sequence (so what is sealed next is read).
sealed_tables="connection_credentials oauth_states service_clients service_env_clients webhook_endpoints"
seqs_sql=$(for t in $sealed_tables; do printf 'SELECT sealed_seq FROM %s UNION ALL ' "$t"; done)
numbering=$(psql -tAq "${pg_admin%/postgres}/copied" -c "SELECT count(*), count(DISTINCT sealed_seq), count(*) FILTER (WHERE sealed_seq < 1 OR sealed_seq > (SELECT last_value FROM vault_sealed_seq)) FROM (${seqs_sql% UNION ALL }) s")
[[ "$numbering" =~ ^([0-9]+)\|([0-9]+)\|0$ ]] && [ "${BASH_REMATCH[1]}" = "${BASH_REMATCH[2]}" ] &&
  [ "${BASH_REMATCH[1]}" -ge 4 ] || fail "sealed rows' numbers on the copy (rows|distinct|out of range): [$numbering]"
[ "$(psql -tAq "${pg_admin%/postgres}/copied" -c "SELECT count(*) FROM pg_trigger WHERE tgname LIKE '%\_sealed\_%'")" = 10 ] ||
  fail "the copy's sealed-column triggers: $(psql -tAq "${pg_admin%/postgres}/copied" -c "SELECT tgname FROM pg_trigger")"
last_seq=$(psql -tAq "${pg_admin%/postgres}/copied" -c "SELECT last_value FROM vault_sealed_seq")

# Copying again: the target is not empty.
out=$("$relish" store copy --from "$dir/data" --to "$target" 2>&1) && fail "a copy into a copy: exit 0"
[[ "$out" =~ ^"relish: the target database is not empty: "[a-z_0-9]+(", "[a-z_0-9]+)+" and "[0-9]+" more have rows; copy into a new, empty database"$ ]] ||
  fail "non-empty target: [$out]"
# A database with someone else's table with rows is not empty either.
psql -q "${pg_admin%/postgres}/other" -c "CREATE TABLE notes (t TEXT)" -c "INSERT INTO notes VALUES ('x')"
expect "someone else's table" "relish: the target database is not empty: notes has rows; copy into a new, empty database" 1 \
  "$relish" store copy --from "$dir/data" --to "postgres://relish@$pg_host/other"

# A target with the schema and no rows (what a copy that failed leaves: its one transaction rolled
# back after the migrations) takes a copy.
psql -q "$pg_admin" -c "CREATE DATABASE retried"
"$relish" store copy --from "$dir/data" --to "postgres://relish@$pg_host/retried" > /dev/null
psql -q "${pg_admin%/postgres}/retried" -c "SET client_min_messages = warning" -c "DO \$\$ DECLARE t text; BEGIN FOR t IN SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_name <> 'relish_migrations' LOOP EXECUTE format('TRUNCATE %I CASCADE', t); END LOOP; END \$\$"
"$relish" store copy --from "$dir/data" --to "postgres://relish@$pg_host/retried" > "$dir/retry.out" 2>&1 ||
  fail "a copy into an empty schema: $(cat "$dir/retry.out")"

# relish serve on the copy, same data directory (its master key), workers on.
serve --set "database_url=$target"
grep -q "relish.db" "$dir/relish.err" && fail "serve on PostgreSQL mentions the SQLite file: $(cat "$dir/relish.err")"
expect "Ann's connections" "annteam  probe  connected" 0 as ann connections list
expect "Carol's connections" "carolteam  probe  connected" 0 as carol connections list
expect "Carol cannot name Ann's" "relish: no connection 'annteam' in the sandbox environment" 1 as carol connections show annteam
# The sealed token decrypts: the call through the connection authenticates as its owner.
for login in ann carol; do
  out=$(as "$login" connections test "${login}team" --call "$url/api/v1/me" --json)
  [ "$(jq -r '.status' <<<"$out")" = 200 ] || fail "$login's call through the copied connection: [$out]"
  jq -r '.body' <<<"$out" | grep -q "$login@example.com" || fail "$login's call answered as someone else: [$out]"
done
for who in "ann $ann_token Alpha-Stone Queued" "carol $carol_token Beta-Ng"; do
  read -r login token first second <<<"$who"
  got=$(curl -sf -H "Authorization: Bearer $token" "$url/api/v1/crm/modules/Contacts/records" | jq -r '[.data[].Last_Name] | sort | join(",")')
  want=$(printf '%s\n' $first ${second:-} | sort | paste -sd,)
  [ "$got" = "$want" ] || fail "$login's contacts: [$got], expected [$want]"
  client=$(curl -sf -H "Authorization: Bearer $token" "$url/api/v1/services/zoho_books/client")
  [ "$(jq -r .client_id <<<"$client")" = "books-$login" ] || fail "$login's OAuth client: [$client]"
done
# Learn read the copy at start; a secret sealed on the copy is numbered after every copied one.
grep -qE "learning the sealed secrets|did not open while learning" "$dir/relish.err" && fail "Learn on the copy: $(cat "$dir/relish.err")"
as ann services set-client zoho_books --client-id "books-ann" <<<"PLANTED-oauth-secret-ann-2" > /dev/null
[ "$(psql -tAq "${pg_admin%/postgres}/copied" -c "SELECT count(*) FROM service_clients WHERE sealed_seq > $last_seq")" = 1 ] ||
  fail "a secret sealed on the copy is not numbered after the copied ones"
expect "Ann's functions" "welcome(contact)  [acme]" 0 as ann functions list
expect "Carol has no functions" "no functions" 0 as carol functions list
# The job queued in SQLite runs on PostgreSQL.
run=""
for _ in $(seq 1 100); do
  run=$(as ann runs list --json | jq -r '.runs[] | select(.status == "success") | .id' | head -1)
  [ -n "$run" ] && break
  sleep 0.1
done
[ -n "$run" ] || fail "the queued job did not run: $(as ann runs list)"
as ann runs show "$run" | grep -qx "    welcome Queued" || fail "the run: $(as ann runs show "$run")"
[ "$(as carol runs list --json | jq ".runs | length")" = 0 ] || fail "Carol sees a run"
echo "ok"
