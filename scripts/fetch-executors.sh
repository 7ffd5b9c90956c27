#!/usr/bin/env bash
# Fetches the independent executors the model importers are checked against, each pinned by its lockfile (whose
# integrity hashes `npm ci` checks) into .cache/<name>:
#   onnxruntime (tests/onnxruntime): npm onnxruntime-node, which ships ONNX Runtime's prebuilt CPU library;
#   tfjs (tests/tfjs): TensorFlow.js core, layers and CPU backend, pure JavaScript.
# --ignore-scripts skips onnxruntime-node's install script, which only fetches GPU providers from NuGet.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
command -v npm >/dev/null || { echo "fetch-executors: npm is not installed (scripts/setup.sh installs it)" >&2; exit 1; }
for name in onnxruntime tfjs; do
  cache="$root/.cache/$name"
  lock="$root/tests/$name/package-lock.json"
  if [[ -d "$cache/node_modules" ]] && cmp -s "$lock" "$cache/package-lock.json"; then
    echo "$name already in $cache"
    continue
  fi
  rm -rf "$cache"
  mkdir -p "$cache"
  cp "$root/tests/$name/package.json" "$lock" "$cache/"
  (cd "$cache" && npm ci --ignore-scripts --no-audit --no-fund --silent) || { echo "fetch-executors: npm ci of $name failed" >&2; exit 1; }
  echo "$name fetched into $cache"
done
