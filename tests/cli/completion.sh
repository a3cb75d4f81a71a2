#!/usr/bin/env bash
# `relish completion`: the scripts come from the command tree; bash's completes a command, a
# subcommand, a command's other name and a flag, and offers nothing wrong after a flag's value.
set -euo pipefail
relish=$(realpath "$1")
fail() { echo "FAILED: $*"; exit 1; }
script=$("$relish" completion bash)
# shellcheck disable=SC1090
source <(printf '%s\n' "$script")
[ "$(complete -p relish)" = "complete -F _relish relish" ] || fail "complete -p: $(complete -p relish)"
complete_words() {  # complete_words WORD... (the last is the one being completed)
  COMP_WORDS=(relish "$@")
  COMP_CWORD=$#
  COMPREPLY=()
  _relish
  printf '%s\n' "${COMPREPLY[@]}" | sort | paste -sd' '
}
[ "$(complete_words con)" = "config connections" ] || fail "relish con: [$(complete_words con)]"
[ "$(complete_words tokens "")" = "create list revoke" ] || fail "relish tokens: [$(complete_words tokens "")]"
[ "$(complete_words tokens create --ex)" = "--expires" ] || fail "relish tokens create --ex: [$(complete_words tokens create --ex)]"
[ "$(complete_words --url http://x users set-role --js)" = "--json" ] ||
  fail "a flag after a flag's value: [$(complete_words --url http://x users set-role --js)]"
[ "$(complete_words rules en)" = "enable" ] || fail "relish rules en: [$(complete_words rules en)]"
[ "$(complete_words rules enable --j)" = "--json" ] || fail "an alias's flags: [$(complete_words rules enable --j)]"
# The commands and flags of issue 19's per-user round: functions, authorize --wait, run --topping,
# --json on version, config and check.
[ "$(complete_words fun)" = "functions" ] || fail "relish fun: [$(complete_words fun)]"
[ "$(complete_words functions "")" = "list show" ] || fail "relish functions: [$(complete_words functions "")]"
[ "$(complete_words functions show --t)" = "--token --topping" ] ||
  fail "relish functions show --t: [$(complete_words functions show --t)]"
[ "$(complete_words connections authorize --w)" = "--wait" ] || fail "authorize --w: [$(complete_words connections authorize --w)]"
[ "$(complete_words connections authorize --ti)" = "--timeout" ] || fail "authorize --ti: [$(complete_words connections authorize --ti)]"
[ "$(complete_words run --to)" = "--topping" ] || fail "run --to: [$(complete_words run --to)]"
for c in version config check; do
  [ "$(complete_words "$c" --js)" = "--json" ] || fail "relish $c --js: [$(complete_words "$c" --js)]"
done
# Every command in `relish --help` is in the script: nothing is listed by hand.
for c in $("$relish" --help | sed -n '/^Subcommands:/,$p' | awk 'NR > 1 && /^  [a-z]/ {print $1}'); do
  complete_words "$c" | grep -qw -- "$c" || fail "'$c' is not completed"
done
# zsh's is bash's through bashcompinit; fish's has the same table.
# (Held in variables: grep -q stopping early would end relish with SIGPIPE under pipefail.)
zsh=$("$relish" completion zsh)
fish=$("$relish" completion fish)
grep -qx "autoload -U +X bashcompinit && bashcompinit" <<<"$zsh" || fail "zsh script"
grep -q "case 'tokens create/flags'" <<<"$fish" || fail "fish script: no table"
grep -qx "complete -c relish -f -a '(__relish_complete)'" <<<"$fish" || fail "fish script"
rc=0; "$relish" completion tcsh > /dev/null 2>&1 || rc=$?
[ $rc = 2 ] || fail "completion tcsh: exit code $rc, expected 2"
echo "ok"
