#!/usr/bin/env bash
# Runs fuzz targets built by `make fuzz` (build-fuzz/TARGET_fuzz) for SECONDS each, FUZZ_JOBS at
# a time (default 2: CI has two cores). Each starts from its seed corpus, fuzz/corpus/TARGET, and
# what earlier runs kept (build-fuzz/corpus/TARGET). A target that fails leaves the input in
# build-fuzz/crashes/TARGET/ and prints the end of its log; the script then exits 1.
#
#   fuzz/run.sh SECONDS TARGET...
set -uo pipefail
cd "$(dirname "$0")/.."
seconds=$1
shift
jobs=${FUZZ_JOBS:-2}

run() {
  local target=$1
  local log=build-fuzz/logs/$target.log
  mkdir -p "build-fuzz/corpus/$target" "build-fuzz/crashes/$target" build-fuzz/logs
  local dict=()
  [[ -f fuzz/$target.dict ]] && dict=("-dict=fuzz/$target.dict")
  # -timeout: one input running this long is a hang. -max_len: longer inputs find nothing new
  # in these parsers and make each run slower.
  if "build-fuzz/${target}_fuzz" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
       -max_len=4096 "${dict[@]}" -artifact_prefix="build-fuzz/crashes/$target/" \
       -print_final_stats=1 "build-fuzz/corpus/$target" "fuzz/corpus/$target" >"$log" 2>&1; then
    local runs
    runs=$(grep -m1 '^stat::number_of_executed_units' "$log" | awk '{print $2}')
    echo "fuzz: $target: ${runs:-?} inputs in ${seconds}s, $(grep -E '^#[0-9]+[[:space:]]+DONE' "$log" | tail -1 | grep -oE 'cov: [0-9]+ ft: [0-9]+ corp: [0-9]+')"
  else
    echo "fuzz: $target FAILED; the input is in build-fuzz/crashes/$target/, the log in $log:"
    grep -v -E '^#[0-9]+ ' "$log" | tail -n 60
    return 1
  fi
}

failed=0
running=0
for target in "$@"; do
  if ((running >= jobs)); then
    wait -n || failed=1
    ((running--))
  fi
  run "$target" &
  ((running++))
done
while ((running > 0)); do
  wait -n || failed=1
  ((running--))
done
exit $failed
