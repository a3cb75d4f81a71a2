#!/usr/bin/env bash
# Issue 19: per-user connections people can follow from the CLI (each member by name and email,
# whether *you* have authorized, one member's revoke shown as theirs), `functions list|show`,
# `run --topping`, `connections authorize --wait`, and --json on config, check and version. Two
# organizations; Ann and Bob are members of the first, Carol of the second.
set -euo pipefail
source "$(dirname "$0")/../testing/cli_test.sh" "$1"
unset RELISH_DATA RELISH_CONFIG RELISH_LOG_FILE RELISH_URL RELISH_TOKEN RELISH_PUBLIC_URL \
  RELISH_SANDBOX_REMAP RELISH_EGRESS_ALLOW_LOOPBACK RELISH_LOG_LEVEL RELISH_ADMIN_PASSWORD
export XDG_CONFIG_HOME=$dir/admin-config
# Authorizing a connection to Relish's own CRM exchanges the code with this same server.
export RELISH_EGRESS_ALLOW_LOOPBACK=true
start_relish "$relish" "$dir"
export RELISH_URL=$RELISH_SERVER_URL
"$relish" login --email admin@localhost < "$dir/data/initial-admin-password" > /dev/null
org=$("$relish" whoami --json | jq -r '.orgs[0].id')
beta=$("$relish" orgs create Beta --json | jq -r .id)
for who in "ann Ann Lee $org" "bob Bob Stone $org" "carol Carol Ng $beta"; do
  read -r login first last in <<<"$who"
  echo "$login password 123" | "$relish" users create "$login@example.com" --name "$first $last" --org "$in" > /dev/null
  echo "$login password 123" | XDG_CONFIG_HOME=$dir/$login "$relish" login --email "$login@example.com" > /dev/null
done
as() { local who=$1; shift; XDG_CONFIG_HOME=$dir/$who "$relish" "$@"; }

cat > "$dir/probe.yaml" <<YAML
id: probe
name: Probe
auth: bearer
base_url: $RELISH_URL
allowed_hosts: ['$RELISH_URL']
YAML
as ann services create "$dir/probe.yaml" > /dev/null
expect "create per-user" "team  probe  sandbox  pending
  name: Team
  per user: you have not authorized it; 0 members have" 0 as ann connections create --service probe --name Team --per-user
echo "token=PLANTED-ann-token-41" | as ann connections credentials team > /dev/null
expect "Bob's list: Ann has, Bob has not" "team  probe  pending  (per user: you have not authorized it; 1 member has)" 0 \
  as bob connections list
expect "Bob's show names Ann" "team  probe  sandbox  pending
  name: Team
  per user: you have not authorized it; 1 member has
  authorization of Ann Lee <ann@example.com>: connected" 0 as bob connections show team
expect "Bob's call names Bob" "failed: connection 'team' is not authorized for Bob Stone (bob@example.com) yet" 1 \
  as bob connections test team --call "$RELISH_URL/healthz"
echo "token=PLANTED-bob-token-42" | as bob connections credentials team > /dev/null
# Ann revokes hers: her line says so; for Bob the connection stays connected.
as ann connections revoke team > /dev/null
expect "Bob's list after Ann's revoke" "team  probe  connected  (per user: you have authorized it; 1 member has)" 0 \
  as bob connections list
show=$(as bob connections show team)
grep -qx "  authorization of Ann Lee <ann@example.com>: revoked" <<<"$show" || fail "Ann's revoke: [$show]"
grep -qx "  authorization of Bob Stone <bob@example.com>: connected" <<<"$show" || fail "Bob's line: [$show]"
expect "Ann's list after her revoke" "team  probe  revoked  (per user: you have not authorized it; 1 member has)" 0 \
  as ann connections list
expect "Carol sees none of it" "no connections" 0 as carol connections list
expect "Carol cannot name it" "relish: no connection 'team' in the sandbox environment" 1 as carol connections show team
as bob connections show team --json | grep -q PLANTED && fail "a token in the JSON"

# authorize --wait: the URL, then the wait; nobody opens it, so it gives up with what to do.
as ann services set-client zoho_books --client-id books-client <<<"books-secret" > /dev/null
# Issue 20: --env sets the client of that environment only (no longer ignored).
expect "set-client --env production" "client set for zoho_books (production only)" 0 \
  as ann services set-client zoho_books --client-id books-prod --env production <<<"books-prod-secret"
as ann connections create --service zoho_books --name Books > /dev/null
out=$(as ann connections authorize books --wait --timeout 1 2>&1) && fail "a wait that timed out exited 0"
[ "$(sed -n 1p <<<"$out")" = "Open this URL in a browser to authorize (valid for 10 minutes):" ] || fail "wait: [$out]"
[ "$(sed -n 3,4p <<<"$out")" = "Waiting for the browser to finish...
relish: no authorization arrived in 1 s; open the URL and finish in the browser, then check with relish connections show books" ] ||
  fail "wait's timeout: [$out]"

# authorize --wait while Ann's browser (curl, signed in as Ann) allows: it waits, then prints the
# connection, connected, and exits 0.
as ann connections create --service bigin --name CRM > /dev/null
csrf=$(curl -sf -c "$dir/ann.jar" -H 'Content-Type: application/json' \
  -d '{"email":"ann@example.com","password":"ann password 123"}' "$RELISH_URL/api/v1/session" | jq -r .csrf)
authorize_in_browser() {  # authorize_in_browser LINK allow|deny [--json]: runs authorize --wait; its exit code
  local link=$1 decision=$2 json=${3:-} page form v f callback url rc=0
  : > "$dir/wait.out"
  as ann connections authorize "$link" --wait --timeout 60 $json > "$dir/wait.out" 2>&1 &
  local waiter=$!
  if [ -n "$json" ]; then  # JSON Lines: the first line is the authorize answer
    for _ in $(seq 1 100); do [ -s "$dir/wait.out" ] && break; sleep 0.1; done
    url=$(sed -n 1p "$dir/wait.out" | jq -r .authorize_url)
  else
    for _ in $(seq 1 100); do grep -q "^Waiting" "$dir/wait.out" && break; sleep 0.1; done
    url=$(sed -n 2p "$dir/wait.out")
  fi
  page=$(curl -sf -b "$dir/ann.jar" "$url")
  form="csrf_token=$csrf&decision=$decision"
  for f in response_type client_id redirect_uri scope state code_challenge code_challenge_method access_type relish_org relish_environment org environment; do
    v=$(grep -o "name=\"$f\" value=\"[^\"]*\"" <<<"$page" | head -1 | sed 's/.*value="//; s/"$//; s/&amp;/\&/g')
    [ -n "$v" ] && form="$form&$f=$(jq -rn --arg v "$v" '$v|@uri')"
  done
  callback=$(curl -s -o /dev/null -w '%{redirect_url}' -b "$dir/ann.jar" -d "$form" "$RELISH_URL/oauth/authorize")
  [ -n "$callback" ] || fail "no callback from the consent form"
  curl -s -o /dev/null -b "$dir/ann.jar" "$callback"
  wait $waiter || rc=$?
  return $rc
}
rc=0; authorize_in_browser crm allow || rc=$?
[ $rc = 0 ] || fail "authorize --wait exit code $rc: $(cat "$dir/wait.out")"
[ "$(sed -n '4,5p' "$dir/wait.out")" = "crm  bigin  sandbox  connected
  name: CRM" ] || fail "authorize --wait: [$(cat "$dir/wait.out")]"
# --json --wait: JSON Lines, the authorize answer then the connection, each a whole document.
as ann connections create --service bigin --name Lines > /dev/null
rc=0; authorize_in_browser lines allow --json || rc=$?
[ $rc = 0 ] || fail "authorize --wait --json exit code $rc: $(cat "$dir/wait.out")"
[ "$(wc -l < "$dir/wait.out")" = 2 ] || fail "authorize --wait --json: not two lines: [$(cat "$dir/wait.out")]"
[ "$(sed -n 1p "$dir/wait.out" | jq -r 'keys | join(",")')" = "authorize_url" ] ||
  fail "authorize --wait --json, line 1: [$(cat "$dir/wait.out")]"
[ "$(sed -n 2p "$dir/wait.out" | jq -r '.link_name + " " + .status')" = "lines connected" ] ||
  fail "authorize --wait --json, line 2: [$(cat "$dir/wait.out")]"
# Denied in the browser: the connection as it now is, then why, and exit 1.
as ann connections create --service bigin --name Denied > /dev/null
rc=0; authorize_in_browser denied deny || rc=$?
[ $rc = 1 ] || fail "a denied authorize --wait: exit code $rc: $(cat "$dir/wait.out")"
[ "$(sed -n '4,$p' "$dir/wait.out")" = "denied  bigin  sandbox  needs_reauth (the provider did not authorize: access_denied (The user denied access.))
  name: Denied
  requested scopes: ZohoBigin.modules.ALL, ZohoBigin.users.ALL, ZohoBigin.org.READ
  authorization: needs_reauth
relish: the authorization did not connect: needs_reauth (the provider did not authorize: access_denied (The user denied access.)); try again with relish connections authorize denied --wait" ] ||
  fail "a denied authorize --wait: [$(cat "$dir/wait.out")]"

# functions list|show, and run --topping: a topping's function by name.
mkdir -p "$dir/acme/functions"
cat > "$dir/acme/topping.yaml" <<YAML
namespace: acme
name: Acme
version: 1.0.0
functions:
  - name: greet
    description: Say hello
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
printf 'string greet(string who)\n{\n\tinfo "hello " + who;\n\treturn "hi " + who;\n}\n' > "$dir/acme/functions/greet.dg"
printf 'info "welcome " + contact.get("Last_Name");\n' > "$dir/acme/functions/welcome.dg"
as ann topping push "$dir/acme" > /dev/null
expect "functions list" "greet(who)  [acme]  Say hello
welcome(contact)  [acme]" 0 as ann functions list
expect "functions list --topping" "no functions" 0 as ann functions list --topping ""
show=$(as ann functions show greet --topping acme)
[ "$(sed -n 1p <<<"$show")" = "greet(who)  [acme]  Say hello" ] || fail "functions show: [$show]"
grep -Eqx "  updated [0-9]{4}-[0-9]{2}-[0-9]{2} [0-9:]{8} UTC" <<<"$show" || fail "functions show's time: [$show]"
[ "$(sed -n '3,$p' <<<"$show")" = "$(cat "$dir/acme/functions/greet.dg")" ] || fail "functions show's source: [$show]"
expect "functions show --json" '["who"]' 0 sh -c "XDG_CONFIG_HOME='$dir/ann' '$relish' functions show greet --topping acme --json | jq -c .params"
expect "no such function" "relish: no function 'nope'" 1 as ann functions show nope
expect "Carol does not see Acme's" "no functions" 0 as carol functions list
expect "run --topping" 'hello ann
=> "hi ann"' 0 "$relish" run greet --topping acme --data "$dir/data" --user ann@example.com --arg 'who="ann"'
expect "run --topping: no such function" "relish: no function 'nope' in topping acme (sandbox); relish functions list --topping acme lists its functions" 1 \
  "$relish" run nope --topping acme --data "$dir/data" --user ann@example.com
expect "run --topping without data" "relish: --topping needs a data directory with Relish data ($dir/none has none; --data names another)" 1 \
  "$relish" run greet --topping acme --data "$dir/none"

# A run records who it acted as: Bob creates a contact, the topping's rule runs as Bob.
bob_token=$(jq -r .token "$dir/bob/relish/cli.json")
curl -sf -X POST -H "Authorization: Bearer $bob_token" -H 'Content-Type: application/json' \
  -d '{"data":[{"Last_Name":"Stone"}]}' "$RELISH_URL/api/v1/crm/modules/Contacts/records" > /dev/null
run=""
for _ in $(seq 1 100); do
  run=$(as ann runs list --json | jq -r '.runs[0].id // empty')
  [ -n "$run" ] && [ "$(as ann runs list --json | jq -r '.runs[0].status')" != retrying ] && break
  sleep 0.1
done
[ -n "$run" ] || fail "no run recorded"
shown=$(as ann runs show "$run")
grep -qx "  acting user: Bob Stone <bob@example.com>" <<<"$shown" || fail "runs show: [$shown]"
grep -qx "    welcome Stone" <<<"$shown" || fail "runs show's info: [$shown]"
expect "run JSON's user" '{"id":"'"$(jq -r '.users[] | select(.email == "bob@example.com") | .id' <<<"$("$relish" users list --json)")"'","name":"Bob Stone","email":"bob@example.com"}' 0 \
  sh -c "XDG_CONFIG_HOME='$dir/ann' '$relish' runs show '$run' --json | jq -c .user"
expect "Carol does not see the run" "relish: no run '$run'" 1 as carol runs show "$run"

# --json on version, config and check.
[ "$("$relish" version --json | jq -r .version)" = "$("$relish" version | cut -d' ' -f2)" ] || fail "version --json"
[ "$("$relish" config --data "$dir/data" --json | jq -r .settings.data_dir)" = "$dir/data" ] || fail "config --json"
printf 'x = ;\n' > "$dir/bad.dg"
expect "check --json" "{\"ok\":false,\"problems\":[{\"file\":\"$dir/bad.dg\",\"line\":1,\"message\":\"Expected a value but found ';'\"}]}" 1 \
  bash -c "set -o pipefail; '$relish' check --json '$dir/bad.dg' | jq -c ."
expect "check --json, fine" '{"ok":true,"problems":[]}' 0 sh -c "'$relish' check --json '$dir/acme' | jq -c ."

# The audit queue's back-pressure on /metrics: everything audited above is written within the
# writer's tick (200 ms; up to 10 s allowed on a loaded machine), and no call waited.
for _ in $(seq 50); do
  curl -fsS "$RELISH_URL/metrics" | grep -qx 'relish_audit_queue_unwritten 0' && break
  sleep 0.2
done
expect "audit queue metrics" "relish_audit_queue_unwritten 0
relish_audit_queue_waits_total 0" 0 sh -c "curl -fsS '$RELISH_URL/metrics' | grep '^relish_audit_queue'"
echo "ok"
