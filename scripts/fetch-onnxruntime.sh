#!/usr/bin/env bash
# Fetches onnxruntime-node (the npm package ships ONNX Runtime's prebuilt CPU library) into .cache/onnxruntime,
# pinned by tests/onnxruntime/package-lock.json, whose integrity hashes `npm ci` checks. It is the independent
# executor that the ONNX importer's float reference is checked against (tests/onnxruntime/run.sh); --ignore-scripts
# skips its install script, which only fetches GPU providers from NuGet (this machine has no GPU and no NuGet).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cache="$root/.cache/onnxruntime"
if [[ -f "$cache/node_modules/onnxruntime-node/package.json" ]] && cmp -s "$root/tests/onnxruntime/package-lock.json" "$cache/package-lock.json"; then
  echo "onnxruntime-node already in $cache"
  exit 0
fi
command -v npm >/dev/null || { echo "fetch-onnxruntime: npm is not installed (scripts/setup.sh installs it)" >&2; exit 1; }
rm -rf "$cache"
mkdir -p "$cache"
cp "$root/tests/onnxruntime/package.json" "$root/tests/onnxruntime/package-lock.json" "$cache/"
(cd "$cache" && npm ci --ignore-scripts --no-audit --no-fund --silent) || { echo "fetch-onnxruntime: npm ci failed" >&2; exit 1; }
echo "onnxruntime-node $(node -p "require('$cache/node_modules/onnxruntime-node/package.json').version") in $cache"
