#!/usr/bin/env bash
# relish fmt (in place, --check, stdin, a script that does not parse) and relish lsp --data: the
# organization's connection link names are completed in a `connection:` place, and none of the
# connection's planted credentials ever appears in what the server says (issue 17).
set -euo pipefail
source "$(dirname "$0")/../testing/cli_test.sh" "$1"

printf 'm = Map();\nif(m.size()>0){info m;}\n' > "$dir/a.dg"
formatted=$'m = Map();\nif(m.size() > 0)\n{\n\tinfo m;\n}'
expect "check lists it" "$dir/a.dg is not formatted" 1 "$relish" fmt --check "$dir/a.dg"
expect "stdin to stdout" "$formatted" 0 sh -c "'$relish' fmt < '$dir/a.dg'"
expect "in place" "" 0 "$relish" fmt "$dir/a.dg"
[ "$(cat "$dir/a.dg")" = "$formatted" ] || fail "the file was not rewritten: $(cat "$dir/a.dg")"
expect "check passes" "" 0 "$relish" fmt --check "$dir/a.dg"
printf 'if(x {\n' > "$dir/bad.dg"
expect "not parsed, not touched" "$dir/bad.dg: cannot format: line 1:6: Expected ')' to close the condition but found '{'" 1 \
  "$relish" fmt "$dir/bad.dg"
[ "$(cat "$dir/bad.dg")" = "if(x {" ] || fail "a script that does not parse was changed"

# A connection with a planted secret, made through the API; then the server stops and the
# language server reads the same data directory.
export XDG_CONFIG_HOME=$dir/config RELISH_ADMIN_PASSWORD=lsp-test-password-1
unset RELISH_URL RELISH_TOKEN
start_relish "$relish" "$dir"
echo "lsp-test-password-1" | "$relish" login --url "$RELISH_SERVER_URL" --email admin@localhost > /dev/null
"$relish" connections create --service stripe --name "Stripe Lsp" > /dev/null
secret=sk_test_LSPPLANTED0123456789
printf 'token=%s\n' "$secret" | "$relish" connections credentials stripe_lsp > /dev/null
stop_relish
unset RELISH_PID

python3 - "$relish" "$dir/data" "$secret" <<'PY'
import json, subprocess, sys
relish, data, secret = sys.argv[1:]
def frame(m):
    b = json.dumps(m).encode()
    return b"Content-Length: %d\r\n\r\n" % len(b) + b
text = 'r = invokeurl\n[\n\turl :"https://api.stripe.com/v1/charges"\n\tconnection:"\n];\n'
msgs = [
    {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"capabilities": {}}},
    {"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {"textDocument": {
        "uri": "file:///s.dg", "languageId": "deluge", "version": 1, "text": text}}},
    {"jsonrpc": "2.0", "id": 2, "method": "textDocument/completion", "params": {
        "textDocument": {"uri": "file:///s.dg"}, "position": {"line": 3, "character": 13}}},
    {"jsonrpc": "2.0", "id": 3, "method": "shutdown"},
    {"jsonrpc": "2.0", "method": "exit"},
]
p = subprocess.run([relish, "lsp", "--data", data], input=b"".join(map(frame, msgs)),
                   capture_output=True, timeout=60)
out = p.stdout.decode()
assert p.returncode == 0, (p.returncode, p.stderr)
assert secret not in out and secret not in p.stderr.decode(), "the planted secret leaked"
replies, rest = [], out
while rest:
    head, rest = rest.split("\r\n\r\n", 1)
    n = int(head.split(": ")[1])
    replies.append(json.loads(rest.encode()[:n]))
    rest = rest.encode()[n:].decode()
completion = next(r for r in replies if r.get("id") == 2)
items = completion["result"]["items"]
assert [i["label"] for i in items] == ["stripe_lsp"], items
assert items[0]["detail"] == "connection", items
PY
echo "lsp_fmt: ok"
