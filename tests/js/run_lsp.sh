#!/usr/bin/env bash
# Drives `relish lsp` over stdio with an npm LSP client library (tests/js/lsp.mjs). Exits 77
# (skipped) when the npm packages are missing (scripts/setup.sh installs them).
set -euo pipefail
relish=$1
cd "$(dirname "$0")/../.."
if [ ! -d tests/js/node_modules/vscode-languageserver-protocol ]; then
  echo "skipped: run scripts/setup.sh to install tests/js's npm packages"
  exit 77
fi
node tests/js/lsp.mjs "$relish"
