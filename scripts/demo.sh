#!/usr/bin/env bash
# What `make run` starts: Relish (`relish serve`, unchanged) with the seed's flow ready to try
# on one machine, with no internet. It starts the Zoho Books stand-in (tests/standins/books),
# serves Relish with its sandbox remapping books.zoho.com and accounts.zoho.com to the stand-in,
# signs the CLI in as the first administrator (when the CLI has no working login and the first
# start's password file is there), registers a client for zoho_books that the stand-in accepts,
# pushes examples/bigin-books-sync into the first organization's sandbox, and prints the next
# steps. Every start does the same again (a push replaces the topping and keeps its
# connections). Ctrl-C stops Relish, and the stand-in with it.
#
# Settings: BUILD (default build), RELISH_DATA, RELISH_LISTEN and the other RELISH_* settings
# of `relish serve`, BOOKS_PORT (default: any free port). The stand-in keeps its state in
# memory: after a restart, authorize the Books connection again.
set -euo pipefail
cd "$(dirname "$0")/.."

relish="${BUILD:-build}/relish"
topping=examples/bigin-books-sync
run_dir=$(mktemp -d)
books_pid=""
relish_pid=""

cleanup() {
  trap - EXIT INT TERM
  if [ -n "$relish_pid" ]; then
    kill "$relish_pid" 2>/dev/null || true
    wait "$relish_pid" 2>/dev/null || true
  fi
  if [ -n "$books_pid" ]; then
    kill "$books_pid" 2>/dev/null || true
    wait "$books_pid" 2>/dev/null || true
  fi
  rm -rf "$run_dir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Reads the first http:// URL from FILE, waiting for process PID to write it; empty on failure.
wait_for_url() {
  local file=$1 pid=$2 url=""
  for _ in $(seq 1 300); do
    url=$(grep -o 'http://[^ /]*' "$file" 2>/dev/null | head -1 || true)
    if [ -n "$url" ] || ! kill -0 "$pid" 2>/dev/null; then break; fi
    sleep 0.1
  done
  echo "$url"
}

# 1. The Books stand-in, with a client of its own that only Relish knows.
if ! command -v node >/dev/null 2>&1; then
  echo "demo: node is missing (scripts/setup.sh installs it); starting Relish alone" >&2
  cleanup
  exec "$relish" serve
fi
client_id=relish-demo
client_secret=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
BOOKS_CLIENT_SECRET=$client_secret node tests/standins/books/server.mjs \
  --port "${BOOKS_PORT:-0}" --client-id "$client_id" >"$run_dir/books.out" 2>&1 &
books_pid=$!
books=$(wait_for_url "$run_dir/books.out" "$books_pid")
if [ -z "$books" ]; then
  echo "demo: the Books stand-in did not start:" >&2
  cat "$run_dir/books.out" >&2
  exit 1
fi

# 2. Relish, its sandbox sending Books (API and sign-in) to the stand-in. The CRM connection
# calls this server's own loopback URL, hence egress_allow_loopback.
"$relish" serve --set "sandbox_remap=books.zoho.com=$books,accounts.zoho.com=$books" \
  --set egress_allow_loopback=true > >(tee "$run_dir/relish.out") &
relish_pid=$!
url=$(wait_for_url "$run_dir/relish.out" "$relish_pid")
if [ -z "$url" ]; then
  wait "$relish_pid" || exit $?
  exit 1
fi
export RELISH_URL=$url

# 3. The CLI, signed in; the stand-in's client; the example topping in the sandbox.
data=$("$relish" config | sed -n 's/^data_dir: //p')
email=$("$relish" config | sed -n 's/^admin_email: //p')
ready=true
if ! "$relish" connections list >/dev/null 2>&1; then
  if [ -f "$data/initial-admin-password" ]; then
    "$relish" login --email "$email" <"$data/initial-admin-password" || ready=false
  else
    ready=false
  fi
fi
if $ready; then
  printf '%s\n' "$client_secret" | "$relish" services set-client zoho_books --client-id "$client_id" \
    >/dev/null || ready=false
fi
if $ready; then
  "$relish" topping push "$topping" >"$run_dir/push.out" || ready=false
fi

cat <<EOF

== The seed's flow, with Zoho Books played by a local stand-in at $books ==
EOF
if ! $ready; then
  cat <<EOF
The CLI could not sign in. Sign in and push the example topping yourself:
  $relish login --url $url --email $email
  $relish topping push $topping
EOF
else
  cat <<EOF
Pushed $topping into the sandbox. Next, in the Developer Console:

1. Open $url and sign in as $email (the first password is in
   $data/initial-admin-password unless you changed it).
2. Authorize the topping's two connections: open each, choose Authorize, and in the window that
   opens sign in to Relish and allow (the CRM), or go straight back (the Books stand-in):
     $url/connections/biginandbooksconnectionnew__biginconnection
     $url/connections/biginandbooksconnectionnew__booksconnection
   (from a terminal: $relish connections authorize LINK_NAME prints the URL to open)
   The topping's function, in the editor, runnable in the sandbox:
     $url/functions/biginandbooksconnectionnew.sync_contact_to_books
3. Create a contact with an email in the sandbox's CRM:
     TOKEN=\$(sed -n 's/.*"token": "\\(.*\\)".*/\\1/p' "\${XDG_CONFIG_HOME:-\$HOME/.config}/relish/cli.json")
     curl -s -X POST '$url/api/v1/crm/modules/Contacts/records?environment=sandbox' \\
       -H "Authorization: Bearer \$TOKEN" -H 'Content-Type: application/json' \\
       -d '{"data":[{"First_Name":"Jane","Last_Name":"Doe","Email":"jane@example.com","Phone":"+1 555 0100"}]}'
4. Watch the rule run, and Books get the customer:
     $relish runs list
     $relish runs show RUN_ID
     curl -s $books/_standin/contacts
Ctrl-C stops Relish and the stand-in.
EOF
fi
wait "$relish_pid"
