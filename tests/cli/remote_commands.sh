#!/usr/bin/env bash
# The CLI over the REST API against a real `relish serve`: login (password on stdin), services,
# connections (credentials on stdin, never argv), the proxy, key rotation, exit codes, and a
# topping's publish preview.
set -euo pipefail
source "$(dirname "$0")/../testing/cli_test.sh" "$1"
expect() {  # expect "description" "expected output" actual...
  local what=$1 want=$2; shift 2
  local got
  got=$("$@" 2>&1) || true
  [ "$got" = "$want" ] || fail "$what: expected [$want], got [$got]"
}
export XDG_CONFIG_HOME=$dir/config RELISH_ADMIN_PASSWORD=cli-test-password-1
unset RELISH_URL RELISH_TOKEN
start_relish "$relish" "$dir"
url=$RELISH_SERVER_URL

expect "no login yet" "relish: sign in, or send an API token as 'Authorization: Bearer <token>' (sign in with \`relish login\`, or set RELISH_TOKEN)" \
  "$relish" connections list --url "$url"
echo "wrong password" | "$relish" login --url "$url" --email admin@localhost > "$dir/login" 2>&1 && fail "a wrong password signed in"
grep -q "relish: wrong email or password" "$dir/login" || fail "login error: $(cat "$dir/login")"
echo "cli-test-password-1" | "$relish" login --url "$url" --email admin@localhost > /dev/null
[ "$(stat -c %a "$dir/config/relish/cli.json")" = 600 ] || fail "the saved token file is not 0600"

expect "empty list" "no connections" "$relish" connections list
expect "create" "stripe_test  stripe  sandbox  pending
  name: Stripe Test" "$relish" connections create --service stripe --name "Stripe Test"
printf 'token=sk_test_CLIPLANTED0123456789\n' | "$relish" connections credentials stripe_test > "$dir/creds"
grep -q "^stripe_test  stripe  sandbox  connected$" "$dir/creds" || fail "credentials: $(cat "$dir/creds")"
expect "list" "stripe_test  stripe  connected" "$relish" connections list
expect "egress" "failed: connection 'stripe_test' (service stripe) may not send credentials to example.com; allowed: api.stripe.com, files.stripe.com" \
  "$relish" connections test stripe_test --call https://example.com/
"$relish" connections test stripe_test --call https://example.com/ > /dev/null 2>&1 && fail "a refused test exited 0"
# The audit, as a table with each call's time (UTC), in the environment asked for (issue 19).
audit=$("$relish" connections audit)
echo "$audit" | grep -Eqx "[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}  stripe_test  GET https://example.com/  0  [0-9]+ms  connection 'stripe_test' \(service stripe\) may not send credentials to example.com; allowed: api.stripe.com, files.stripe.com" ||
  fail "audit: [$audit]"
expect "production's audit" "no audit entries" "$relish" connections audit --env production
expect "unknown service" "relish: no service 'nope'" "$relish" connections create --service nope --name X
rc=0; "$relish" connections create --service nope --name X > /dev/null 2>&1 || rc=$?
[ $rc = 1 ] || fail "failure exit code $rc"
rc=0; "$relish" connections create > /dev/null 2>&1 || rc=$?
[ $rc = 2 ] || fail "usage exit code $rc"

cat > "$dir/svc.yaml" <<YAML
id: cli_weather
name: CLI Weather
auth: api_key
base_url: https://api.weather.test
allowed_hosts: [api.weather.test]
api_key: {in: query, fields: [{name: appid, label: Key}]}
YAML
expect "validate" "valid: cli_weather (api_key)" "$relish" services validate "$dir/svc.yaml"
# A refusal names the file at the line and column, as a compiler does (stdin keeps "service").
sed 's/^base_url: .*/base_url: https:\/\/api.weather.test#now/' "$dir/svc.yaml" > "$dir/bad.yaml"
expect "validate names the file" "relish: $dir/bad.yaml:4:11: 'base_url' must not have a fragment ('#...')" \
  "$relish" services validate "$dir/bad.yaml"
expect "validate from stdin" "relish: service:4:11: 'base_url' must not have a fragment ('#...')" \
  sh -c '"$0" services validate - < "$1"' "$relish" "$dir/bad.yaml"
expect "create service" "created cli_weather (api_key)" "$relish" services create "$dir/svc.yaml"
sed -i 's/CLI Weather/CLI Weather 2/' "$dir/svc.yaml"
expect "update service" "updated cli_weather" "$relish" services update cli_weather "$dir/svc.yaml"
"$relish" services list | grep -q "^cli_weather  api_key  CLI Weather 2  (custom)$" || fail "services list"
expect "delete service" "deleted cli_weather" "$relish" services delete cli_weather

rotated=$("$relish" keys rotate)
echo "$rotated" | grep -Eq "^re-sealed [0-9]+ secrets; master key mk_[0-9a-f]{16} -> mk_[0-9a-f]{16}$" || fail "rotate: $rotated"
# The connection's secret still opens after rotation: the credential is still in use.
expect "after rotation" "stripe_test  stripe  connected" "$relish" connections list
grep -rq "sk_test_CLIPLANTED0123456789" "$dir" && fail "the API key leaked"
expect "delete" "deleted stripe_test" "$relish" connections delete stripe_test
# A topping: what publishing would change, asked first (nothing published by asking).
"$relish" topping push examples/bigin-books-sync > /dev/null
expect "publish preview" "publishing biginandbooksconnectionnew 1.0.0 (Bigin and Books contact sync) to production (not there yet) would:
  add function      sync_contact_to_books
  add rule          Sync contacts to Books
  create connection biginandbooksconnectionnew__biginconnection (bigin)
  create connection biginandbooksconnectionnew__booksconnection (zoho_books)
then authorize in production: biginandbooksconnectionnew__biginconnection (bigin)
then authorize in production: biginandbooksconnectionnew__booksconnection (zoho_books)" \
  "$relish" topping publish --preview biginandbooksconnectionnew
expect "not published" "" "$relish" topping list --env production
"$relish" topping publish biginandbooksconnectionnew > /dev/null
expect "publish preview, published" "publishing biginandbooksconnectionnew 1.0.0 (Bigin and Books contact sync) to production (now 1.0.0) would:
  change no function, rule, field or connection
then authorize in production: biginandbooksconnectionnew__biginconnection (bigin)
then authorize in production: biginandbooksconnectionnew__booksconnection (zoho_books)" \
  "$relish" topping publish --preview biginandbooksconnectionnew
echo "ok"
