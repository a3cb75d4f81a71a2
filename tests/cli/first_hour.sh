#!/usr/bin/env bash
# Issue 19, "a newcomer's first hour", with the real binary: what was wrong on main, each checked
# the way a new user meets it.
set -euo pipefail
source "$(dirname "$0")/../testing/cli_test.sh" "$1"
unset RELISH_DATA RELISH_CONFIG RELISH_LOG_FILE RELISH_URL RELISH_TOKEN RELISH_PUBLIC_URL \
  RELISH_SANDBOX_REMAP RELISH_EGRESS_ALLOW_LOOPBACK RELISH_LOG_LEVEL RELISH_ADMIN_PASSWORD
export XDG_CONFIG_HOME=$dir/config

# `relish config` refuses what `relish serve` refuses, naming the key and where the value came
# from, and shows public_url's default as it is used.
expect "config: a bad remap" \
  "relish: --sandbox_remap: sandbox_remap: remap entries are host=origin, got 'nonsense'" 1 \
  "$relish" config --data "$dir/cfg" --set sandbox_remap=nonsense
expect "config: a bad log level" \
  "relish: --log_level: log_level: unknown log level 'loud' (use trace, debug, info, warn, error or off)" 1 \
  "$relish" config --data "$dir/cfg" --set log_level=loud
expect "config: a bad public URL from the environment" \
  "relish: RELISH_PUBLIC_URL: public_url: expected the URL users reach this server at, like https://relish.example.com, got 'relish.example.com'" 1 \
  env RELISH_PUBLIC_URL=relish.example.com "$relish" config --data "$dir/cfg"
mkdir -p "$dir/cfg"
printf 'threads: 2\noutbound_proxy: socks5://proxy:1080\n' > "$dir/cfg/relish.yaml"
out=$("$relish" config --data "$dir/cfg" 2>&1) && fail "a bad proxy in the file was accepted: $out"
[ "$out" = "relish: $dir/cfg/relish.yaml:2: outbound_proxy: not a valid value (not shown: the key is secret)" ] ||
  fail "config: a bad proxy in the file: [$out]"
rm "$dir/cfg/relish.yaml"
"$relish" config --data "$dir/cfg" | grep -qx "public_url: http://127.0.0.1:8080" ||
  fail "public_url's default: $("$relish" config --data "$dir/cfg" | grep public_url)"
"$relish" config --data "$dir/cfg" --set listen=127.0.0.1:9000 | grep -qx "public_url: http://127.0.0.1:9000" ||
  fail "public_url follows listen"

# `topping push` always goes to the sandbox: it does not offer --env.
"$relish" topping push --help | grep -q -- "--env" && fail "topping push --help offers --env"
"$relish" topping push --help | grep -q -- "--org" || fail "topping push --help lost --org"
rc=0; "$relish" topping push --env production examples/bigin-books-sync > /dev/null 2>&1 || rc=$?
[ $rc = 2 ] || fail "topping push --env: exit code $rc, expected 2"

# The server remembers where its runs reach; `relish run` on its data directory does the same
# without repeating --set. Here the sandbox sends books.zoho.com to the server itself.
start_relish "$relish" "$dir" --set log_file="$dir/relish.log"
url=$RELISH_SERVER_URL
# log_file: the first administrator's notice is in the file while the server runs.
grep -q "created the first administrator admin@localhost; the password is in" "$dir/relish.log" ||
  fail "the log file has nothing while the server runs: [$(cat "$dir/relish.log")]"
stop_relish
# The remap needs the server's own address, which a port-0 server learns when it listens: start
# again on the port it had.
"$relish" serve --data "$dir/data" --listen "${url#http://}" --set egress_allow_loopback=true \
  --set sandbox_remap="books.zoho.com=$url" > "$dir/again.out" 2>&1 &
RELISH_PID=$!
for _ in $(seq 1 100); do
  grep -q "^Relish is serving" "$dir/again.out" && break
  kill -0 "$RELISH_PID" 2>/dev/null || fail "relish did not start again: $(cat "$dir/again.out")"
  sleep 0.1
done
[ "$(stat -c %a "$dir/data/server-settings.yaml")" = 600 ] || fail "server-settings.yaml is not 0600"
grep -qx "public_url: \"$url\"" "$dir/data/server-settings.yaml" ||
  fail "server-settings.yaml: $(cat "$dir/data/server-settings.yaml")"
printf 'r = invokeurl\n[\n\turl: "https://books.zoho.com/healthz"\n\ttype: GET\n];\ninfo r;\n' > "$dir/call.dg"
expect "run reaches what the server's runs reach" '{"status":"ok"}' 0 \
  "$relish" run "$dir/call.dg" --data "$dir/data"
# The run's own --set still wins.
out=$("$relish" run "$dir/call.dg" --data "$dir/data" --set sandbox_remap=books.zoho.com=http://127.0.0.1:1 2>&1) &&
  fail "--set did not override the server's setting: $out"
grep -q "cannot reach books.zoho.com" <<<"$out" || fail "the run's own remap: $out"

# --url without a scheme (http is meant), whoami, logout.
"$relish" login --url "${url#http://}" --email admin@localhost < "$dir/data/initial-admin-password" > /dev/null
expect "whoami" "admin@localhost (Administrator, admin) at $url
  $(grep -o 'org_[0-9a-z]*' <<<"$("$relish" whoami --json)" | head -1)  My Organization" 0 "$relish" whoami
expect "logout" "Signed out of $url: the token is revoked and $dir/config/relish/cli.json removed" 0 \
  "$relish" logout
[ -e "$dir/config/relish/cli.json" ] && fail "logout left the saved login"
expect "logout again" "relish: not signed in: no API token in --token, RELISH_TOKEN or $dir/config/relish/cli.json" 1 \
  "$relish" logout
stop_relish

# Unknown commands and flags: exit 2, the closest match, and where to look.
expect "unknown command" "relish: unknown command 'conections' for 'relish'; did you mean 'connections'?
Run 'relish --help' for its commands." 2 "$relish" conections list
expect "unknown subcommand" "relish: unknown command 'lst' for 'relish connections'; did you mean 'list'?
Run 'relish connections --help' for its commands." 2 "$relish" connections lst
expect "unknown flag" "relish: unknown flag '--jsn' for 'relish connections list'; did you mean '--json'?
Run 'relish connections list --help' for its flags." 2 "$relish" connections list --jsn
expect "nothing close" "relish: unknown command 'bogus' for 'relish'
Run 'relish --help' for its commands." 2 "$relish" bogus
# Text arguments need their JSON quotes; a time zone must exist.
printf 'info name;\n' > "$dir/name.dg"
expect "--arg hint" "relish: --arg name: 'ann' is not JSON; text is written in quotes, e.g. --arg 'name=\"ann\"'" 2 \
  "$relish" run "$dir/name.dg" --data "$dir/none" --arg name=ann
expect "--arg quoted" "ann" 0 "$relish" run "$dir/name.dg" --data "$dir/none" --arg 'name="ann"'
expect "--timezone" "relish: --timezone: unknown time zone 'Mars/Base'; use a name from the tz database, e.g. Europe/Berlin, Asia/Kolkata or UTC" 2 \
  "$relish" run "$dir/name.dg" --data "$dir/none" --arg 'name="ann"' --timezone Mars/Base
# relish run --json: the run as the API answers it.
printf 'info "hi";\ninfo 1 + 2;\n' > "$dir/json.dg"
expect "run --json" '{"ok":true,"error":null,"info":["hi","3"],"calls":[],"mails":[],"return":null}' 0 \
  sh -c "'$relish' run '$dir/json.dg' --data '$dir/none' --json | jq -c 'del(.statements, .started_at, .ended_at)'"
echo "ok"
