#!/usr/bin/env bash
# Issue 19, second round: what only REST could do, from the CLI. Organizations, users and roles,
# API tokens (named, expiring, revocable), changing one's password; two organizations and a
# developer who sees only the one they belong to.
set -euo pipefail
source "$(dirname "$0")/../testing/cli_test.sh" "$1"
unset RELISH_DATA RELISH_CONFIG RELISH_LOG_FILE RELISH_URL RELISH_TOKEN RELISH_PUBLIC_URL \
  RELISH_SANDBOX_REMAP RELISH_EGRESS_ALLOW_LOOPBACK RELISH_LOG_LEVEL RELISH_ADMIN_PASSWORD
export XDG_CONFIG_HOME=$dir/admin-config
start_relish "$relish" "$dir"
export RELISH_URL=$RELISH_SERVER_URL
day=86400000

# login names its token after this machine and gives it 90 days.
expect "login" "Signed in to $RELISH_URL; the token (\"relish login on $(hostname)\", expires in 90 days) is saved in $dir/admin-config/relish/cli.json" 0 \
  "$relish" login --email admin@localhost < "$dir/data/initial-admin-password"
tokens=$("$relish" tokens list --json)
[ "$(jq -r '.tokens[0].name' <<<"$tokens")" = "relish login on $(hostname)" ] || fail "login's token name: $tokens"
[ "$(jq ".tokens[0].expires_at - .tokens[0].created_at" <<<"$tokens")" = $((90 * day)) ] ||
  fail "login's token does not expire in 90 days: $tokens"
"$relish" tokens list | head -1 | grep -qx "ID  *NAME  *PREFIX  *CREATED  *EXPIRES  *LAST USED" ||
  fail "tokens list header: $("$relish" tokens list)"
"$relish" tokens list | grep -q "relish login on $(hostname) .* UTC" || fail "tokens list: $("$relish" tokens list)"
rc=0; "$relish" login --email admin@localhost --expires 0 < /dev/null > /dev/null 2>&1 || rc=$?
[ $rc = 2 ] || fail "login --expires 0: exit code $rc, expected 2"

# tokens create prints the token alone on stdout, once; it works until revoked by name.
ci=$("$relish" tokens create "CI deploys" --expires 7 2> "$dir/create.err")
[[ $ci == rl_* ]] || fail "tokens create printed [$ci]"
grep -q "^token tok_[0-9a-z]* (CI deploys), expires .* UTC; it is not shown again$" "$dir/create.err" ||
  fail "tokens create's note: $(cat "$dir/create.err")"
created=$("$relish" tokens list --json | jq '.tokens[] | select(.name == "CI deploys") | .expires_at - .created_at')
[ "$created" = $((7 * day)) ] || fail "tokens create --expires 7: $created"
"$relish" tokens list | grep -q -- "$ci" && fail "tokens list shows a token"
expect "the new token works" "admin@localhost" 0 sh -c "'$relish' whoami --token '$ci' --json | jq -r .user.email"
id=$("$relish" tokens list --json | jq -r '.tokens[] | select(.name == "CI deploys") | .id')
expect "revoke by name" "revoked $id" 0 "$relish" tokens revoke "CI deploys"
expect "a revoked token" "relish: invalid or expired API token" 1 "$relish" whoami --token "$ci"
expect "revoke it again" "relish: no token 'CI deploys' (see \`relish tokens list\`)" 1 "$relish" tokens revoke "CI deploys"

# Two organizations; a developer who belongs to the second only.
first=$("$relish" orgs list --json | jq -r '.orgs[0].id')
second=$("$relish" orgs create "Second Org" --json | jq -r .id)
[[ $second == org_* ]] || fail "orgs create: $second"
"$relish" orgs list | head -1 | grep -qx "ID  *NAME  *CREATED" || fail "orgs list header"
"$relish" orgs list | grep -q "^$second  Second Org  *[0-9-]* [0-9:]* UTC$" || fail "orgs list: $("$relish" orgs list)"
expect "users create" "created dev@example.com (Dev One): developer, since $(date -u +%Y-%m-%d)" 0 \
  sh -c "echo 'dev password 1' | '$relish' users create dev@example.com --name 'Dev One' --org '$second' | sed 's/ [0-9:]* UTC\$//'"
expect "users create: a short password" "relish: passwords need at least 10 characters" 1 \
  sh -c "echo short | '$relish' users create dev2@example.com"
"$relish" users list | grep -q "^dev@example.com  *Dev One  *developer  *[0-9-]* [0-9:]* UTC$" ||
  fail "users list: $("$relish" users list)"
"$relish" users list | grep -q "usr_" && fail "users list shows bare ids"
expect "the last administrator" "relish: admin@localhost is the last administrator; make another first" 1 \
  "$relish" users set-role admin@localhost developer
expect "set-role by unknown email" "relish: no user with email nobody@example.com (see \`relish users list\`)" 1 \
  "$relish" users set-role nobody@example.com admin
rc=0; "$relish" users set-role dev@example.com owner > /dev/null 2>&1 || rc=$?
[ $rc = 2 ] || fail "set-role owner: exit code $rc, expected 2"

# The developer: their own login, their organization only, no administration.
export XDG_CONFIG_HOME=$dir/dev-config
echo 'dev password 1' | "$relish" login --email dev@example.com --name laptop --expires 1 > /dev/null
expect "the developer's organizations" "$second  Second Org" 0 sh -c "'$relish' orgs list | tail -n +2 | sed 's/  *[0-9-]* [0-9:]* UTC\$//'"
"$relish" orgs list | grep -q "$first" && fail "the developer sees the first organization"
expect "a developer lists users" "relish: only administrators may do this" 1 "$relish" users list
expect "a developer creates an org" "relish: only administrators may do this" 1 "$relish" orgs create Mine
[ "$("$relish" tokens list --json | jq -r '[.tokens[].name] | join(",")')" = "laptop" ] ||
  fail "the developer sees others' tokens: $("$relish" tokens list --json)"

# Changing one's password: the current one first; stdin's two lines when it is not a terminal.
expect "a wrong current password" "relish: the current password is wrong" 1 \
  sh -c "printf 'not it at all\nnew password 22\n' | '$relish' password"
expect "too short" "relish: passwords need at least 10 characters" 1 \
  sh -c "printf 'dev password 1\nshort\n' | '$relish' password"
expect "password" "Password changed; your browser sessions are signed out (API tokens stay: see \`relish tokens list\`)" 0 \
  sh -c "printf 'dev password 1\nnew password 22\n' | '$relish' password"
expect "the old password" "relish: wrong email or password" 1 \
  sh -c "echo 'dev password 1' | '$relish' login --email dev@example.com"
echo 'new password 22' | "$relish" login --email dev@example.com > /dev/null || fail "the new password"

# An administrator promotes the developer, who then may list users.
export XDG_CONFIG_HOME=$dir/admin-config
expect "set-role" "dev@example.com (Dev One): admin, since $(date -u +%Y-%m-%d)" 0 \
  sh -c "'$relish' users set-role DEV@example.com admin | sed 's/ [0-9:]* UTC\$//'"
export XDG_CONFIG_HOME=$dir/dev-config
"$relish" users list > /dev/null || fail "the promoted developer cannot list users"

# Rules: enable and disable are activate's and deactivate's other names.
"$relish" rules enable --help | grep -q "^Usage: relish rules activate" || fail "rules enable"
"$relish" rules disable --help | grep -q "^Usage: relish rules deactivate" || fail "rules disable"
echo "ok"
