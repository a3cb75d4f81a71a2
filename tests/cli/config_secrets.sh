#!/usr/bin/env bash
# Secret settings are never shown (base/config.h), with the real binary: `relish config` prints
# admin_password masked, and `relish serve`'s start-up log of its configuration does too.
set -euo pipefail
source "$(dirname "$0")/../testing/cli_test.sh" "$1"
unset RELISH_DATA RELISH_CONFIG RELISH_LOG_FILE
planted=planted-admin-password-5c2b9e
export RELISH_ADMIN_PASSWORD=$planted

out=$("$relish" config --data "$dir/data" 2>&1) || fail "relish config: $out"
grep -qxF "admin_password: [REDACTED]" <<<"$out" || fail "no masked admin_password line in [$out]"
grep -qxF "admin_email: admin@localhost" <<<"$out" || fail "an ordinary key is not shown in [$out]"
grep -qF "$planted" <<<"$out" && fail "relish config printed the password: [$out]"
# Unset, a secret key shows as unset.
out=$(RELISH_ADMIN_PASSWORD= "$relish" config --data "$dir/data" 2>&1)
grep -qx "admin_password: " <<<"$out" || fail "an unset secret: [$out]"

RELISH_LOG_LEVEL=debug start_relish "$relish" "$dir"
stop_relish
grep -qF "configuration: data_dir=$dir/data, " "$dir/relish.err" || fail "no configuration line: $(cat "$dir/relish.err")"
grep -qF ", admin_password=[REDACTED], " "$dir/relish.err" || fail "admin_password not masked in the log"
grep -qF "$planted" "$dir/relish.err" "$dir/relish.out" && fail "the log shows the password"
echo "ok"
