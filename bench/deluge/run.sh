#!/usr/bin/env bash
# Runs every workload in relish, lua5.4 and node --jitless, side by side, checks that they print
# the same result, and prints the median wall time of each with the ratios to relish.
#
#   bench/deluge/run.sh               # all workloads, 5 runs each
#   RUNS=9 bench/deluge/run.sh map    # one workload
#
# Uses hyperfine when it is installed, else repeated timing with `date`. Needs a built
# build/relish (make build). The Deluge scripts run past the 200,000 statement limit, so the
# runner raises it with --max-statements.
set -euo pipefail
cd "$(dirname "$0")"
RELISH=${RELISH:-../../build/relish}
RUNS=${RUNS:-5}
workloads=${*:-arith map text sort json}
[ -x "$RELISH" ] || { echo "run.sh: $RELISH not found; run 'make build' first" >&2; exit 2; }

cmd_for() {  # language workload
  case $1 in
    relish) echo "$RELISH run --max-statements 1000000000 --max-time 10m $2.dg" ;;
    lua) echo "lua5.4 $2.lua" ;;
    node) echo "node --jitless $2.js" ;;
  esac
}

median_ms() {  # command...: median wall time over RUNS runs, in milliseconds
  if command -v hyperfine >/dev/null 2>&1; then
    hyperfine -N --warmup 1 --runs "$RUNS" --export-json /tmp/relish-bench.json "$*" >/dev/null
    python3 -c 'import json;print(round(json.load(open("/tmp/relish-bench.json"))["results"][0]["median"]*1000))'
    return
  fi
  local times=()
  for _ in $(seq "$RUNS"); do
    local start end
    start=$(date +%s%N)
    "$@" >/dev/null 2>&1
    end=$(date +%s%N)
    times+=($(( (end - start) / 1000000 )))
  done
  printf '%s\n' "${times[@]}" | sort -n | sed -n "$(( (RUNS + 1) / 2 ))p"
}

printf '%-8s %10s %10s %14s %11s %12s\n' workload relish lua5.4 "node --jitless" relish/lua relish/node
for w in $workloads; do
  expected=""
  for lang in relish lua node; do
    out=$($(cmd_for $lang "$w") 2>/dev/null | tail -1)
    if [ -z "$expected" ]; then expected=$out; elif [ "$out" != "$expected" ]; then
      echo "run.sh: $w: $lang printed '$out', relish printed '$expected'" >&2; exit 1
    fi
  done
  r=$(median_ms $(cmd_for relish "$w"))
  l=$(median_ms $(cmd_for lua "$w"))
  n=$(median_ms $(cmd_for node "$w"))
  printf '%-8s %8sms %8sms %12sms %11s %12s\n' "$w" "$r" "$l" "$n" \
    "$(python3 -c "print(f'{$r/$l:.2f}')")" "$(python3 -c "print(f'{$r/$n:.2f}')")"
done
