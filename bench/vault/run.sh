#!/usr/bin/env bash
# Vault::Learn's scans over 5,000 connections' credentials, SQLite and PostgreSQL side by side
# (bench/vault/learn_bench.cc; BENCHMARKS.md has the figures).
#
#   bench/vault/run.sh [--connections N] [--steady-scans N]
#
# PostgreSQL is a throwaway cluster (tests/testing/with_postgres.sh); without one, SQLite alone:
#   build/bench/vault_learn_bench
set -euo pipefail
cd "$(dirname "$0")/../.."
bench=${VAULT_LEARN_BENCH:-build/bench/vault_learn_bench}
[ -x "$bench" ] || { echo "build first: make build"; exit 1; }
tests/testing/with_postgres.sh "$bench" "$@"
