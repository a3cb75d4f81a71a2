#!/usr/bin/env bash
# scripts/demo.sh (what `make run` starts) on a free port with its own data and CLI login: it
# pushes the example topping, the Books connection authorizes at the stand-in, a second start
# does it again without signing in again, and Ctrl-C (SIGINT to the process group) stops Relish
# and the stand-in. Skipped (77) without node.
set -euo pipefail
relish=$(realpath "$1")
cd "$(dirname "$0")/../.."
command -v node >/dev/null 2>&1 || { echo "node is missing"; exit 77; }
dir=$(mktemp -d)
pid=""
stop() {
  if [ -n "$pid" ]; then
    kill -INT -- "-$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 -- "-$pid" 2>/dev/null || break; sleep 0.1; done
    if kill -0 -- "-$pid" 2>/dev/null; then
      kill -KILL -- "-$pid" 2>/dev/null || true
      pid=""
      fail "the demo left processes running after Ctrl-C"
    fi
    pid=""
  fi
}
trap 'stop; rm -rf "$dir"' EXIT
fail() { echo "FAILED: $*"; cat "$dir/out" 2>/dev/null || true; exit 1; }
export XDG_CONFIG_HOME=$dir/config RELISH_DATA=$dir/data RELISH_LISTEN=127.0.0.1:0
export BUILD=$(dirname "$relish")
unset RELISH_URL RELISH_TOKEN

start() {
  # The previous start's output goes first: the child truncates the file only once it runs, and
  # the loop below could otherwise find the old start's lines (and its port) before that.
  rm -f "$dir/out"
  setsid scripts/demo.sh >"$dir/out" 2>&1 &
  pid=$!
  for _ in $(seq 1 300); do
    grep -qs "Ctrl-C stops Relish and the stand-in" "$dir/out" && break
    kill -0 "$pid" 2>/dev/null || fail "the demo stopped"
    sleep 0.1
  done
  grep -q "Pushed examples/bigin-books-sync into the sandbox" "$dir/out" || fail "no push"
  export RELISH_URL=$(grep -o 'serving the Developer Console at http://[^/]*' "$dir/out" | cut -d' ' -f6)
}

start
grep -q "Signed in to $RELISH_URL" "$dir/out" || fail "the CLI was not signed in"
authorize=$("$relish" connections authorize biginandbooksconnectionnew__booksconnection | tail -1)
# curl is a browser not signed in to Relish: back from the stand-in, Relish shows what it will
# connect and who started it, and connects on the page's "Connect" (with its CSRF cookie).
jar=$dir/cookies
page=$(curl -s -L -c "$jar" -b "$jar" "$authorize")
echo "$page" | grep -q "It was started by <strong>Administrator (admin@localhost)</strong>" ||
  fail "no confirmation page: $page"
field() { echo "$page" | sed -n "s/.*name=\"$1\" value=\"\([^\"]*\)\".*/\1/p"; }
curl -s -b "$jar" --data-urlencode "csrf_token=$(field csrf_token)" \
  --data-urlencode "confirmation=$(field confirmation)" -d decision=connect "$RELISH_URL/oauth/callback" |
  grep -q "is authorized" || fail "the Books connection was not authorized"
"$relish" connections list | grep -q "biginandbooksconnectionnew__booksconnection  zoho_books  connected" ||
  fail "connections: $("$relish" connections list)"
stop

start
grep -q "Signed in" "$dir/out" && fail "signed in again though the saved login works"
"$relish" topping list | grep -q biginandbooksconnectionnew || fail "topping list: $("$relish" topping list)"
stop
echo "ok"
