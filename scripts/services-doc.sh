#!/bin/sh
# Regenerates docs/services.md's catalog section from services/*.yaml (the connections test
# checks that it is current). Usage: scripts/services-doc.sh [build-dir]
set -e
cd "$(dirname "$0")/.."
build=${1:-build}
ninja -C "$build" connections_test >/dev/null
tmp=$(mktemp)
RELISH_WRITE_SERVICES_DOC="$tmp" "$build/tests/connections_test" \
  --gtest_filter=CatalogFilesTest.DocsListTheCatalog >/dev/null || true
[ -s "$tmp" ] && cat "$tmp" > docs/services.md
rm -f "$tmp"
grep -m1 ' default services\.$' docs/services.md
