#!/usr/bin/env bash
# Installs everything Relish needs to build and test on Debian 12: Debian packages through
# apt-get, and the npm packages the tests use. Idempotent; when everything is present it only
# checks, in well under a second.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
  # build
  cmake ninja-build g++ pkg-config clang
  # libraries (docs/architecture.md says which module uses which)
  libboost-dev libcurl4-openssl-dev nlohmann-json3-dev libyaml-cpp-dev libsqlite3-dev
  libsodium-dev libpcre2-dev libhowardhinnant-date-dev libcli11-dev libspdlog-dev libfmt-dev
  libssl-dev libjemalloc-dev tzdata
  zlib1g-dev  # compress() and extract() (src/deluge/zip.cc)
  # the PostgreSQL store backend (libpq) and the throwaway clusters its tests start
  libpq-dev postgresql
  # tests and benchmarks
  libgtest-dev libgmock-dev libbenchmark-dev libclang-rt-14-dev lua5.4 wrk nginx-light curl
  ca-certificates
  # tests/cli/not_relish.py: a JSON server that is not Relish (standard library only)
  python3
  # tests/js/console: the Developer Console's browser tests drive Debian's Chromium
  chromium
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  missing+=(nodejs npm)
fi

if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
  export DEBIAN_FRONTEND=noninteractive
  if ! $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"; then
    $sudo apt-get update -q
    $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
  fi
  # nginx-light starts a system nginx on install; the benchmarks run their own.
  if command -v systemctl >/dev/null 2>&1; then $sudo systemctl disable --now nginx >/dev/null 2>&1 || true; fi
fi

# npm packages, each directory pinned by its package-lock.json: web/ builds the Developer
# Console (the build needs them), tests/js the integration and browser tests.
for dir in web tests/js; do
  if [ -f "$dir/package.json" ]; then
    stamp=$dir/node_modules/.relish-installed
    if [ ! -f "$stamp" ] || [ "$dir/package-lock.json" -nt "$stamp" ]; then
      echo "setup: installing npm packages for $dir"
      (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
      touch "$stamp"
    fi
  fi
done
