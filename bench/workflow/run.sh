#!/usr/bin/env bash
# The workflow benchmark (bench/workflow/workflow_bench.cc): record writes -> rule -> function
# making two outbound calls to a local upstream, in one process, on this machine's cores.
#
#   bench/workflow/run.sh [RUNS]
#
# Prints, for each configuration, runs per second and the latency from a record being written to
# its function starting. The rows, side by side in one run:
#   platform, max rate    the real function runner, records written as fast as possible
#   platform, 1000/s      the same at a fixed rate below saturation: the latency of a loaded system
#   platform, 2000/s      at the goal's rate
#   null, max rate        a runner that returns at once: the engine and queue alone
#   no rule, max rate     the record writes alone, no rule: the producer's own cost
set -euo pipefail
cd "$(dirname "$0")/../.."
runs=${1:-20000}
bench=${WORKFLOW_BENCH:-build/bench/workflow_bench}
[ -x "$bench" ] || { echo "build first: make build"; exit 1; }
"$bench" --runs "$runs" --runner platform
"$bench" --runs "$runs" --runner platform --rate 1000
"$bench" --runs "$runs" --runner platform --rate 2000
"$bench" --runs "$runs" --runner null
"$bench" --runs "$runs" --runner null --rule none
