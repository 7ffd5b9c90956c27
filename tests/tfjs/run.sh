#!/usr/bin/env bash
# The ctest test "keras: a layers model TF.js wrote runs bit-exact and its float reference agrees with TF.js":
# TF.js builds and saves a Keras functional model of its own (make_model.js: batch norm, ReLU6, zero padding,
# depthwise and separable convs, add, concat, both pools, global pooling, dropout, dense + softmax), `reshare run`
# imports it and runs it bit-exact through every scheme on a real photo (resized to its 32x32 input) with --outputs,
# and TF.js runs the same file on the recorded input (compare.js): agreement to float tolerance, top-1 equal.
# Usage: run.sh <reshare binary> <source dir>
set -euo pipefail
reshare="$1"
src="$2"
tfjs="$src/.cache/tfjs"
[[ -d "$tfjs/node_modules/@tensorflow/tfjs-layers" ]] || { echo "TF.js missing: run scripts/fetch-executors.sh (setup.sh does)"; exit 1; }
tmp="$(mktemp -d "${TMPDIR:-/tmp}/reshare-tfjs.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
quiet() { grep -v -e '^====' -e 'Hi, looks like' -e 'tfjs-node for more' -e '^ *$' || true; }
node "$src/tests/tfjs/make_model.js" "$tmp/model" "$tfjs" 2>&1 | quiet
photo="$src/.cache/face-api/package/demo/sample2.jpg"
for scheme in dense orc rws reshare sme reram-sharing cr2; do
  "$reshare" run --model "$tmp/model/model.json" --scheme "$scheme" --image "$photo" --outputs "$tmp/$scheme.json" | grep -q "bit-exact" ||
    { echo "$scheme: not bit-exact"; exit 1; }
done
echo "bit-exact through every scheme"
node "$src/tests/tfjs/compare.js" "$tmp/model/model.json" "$tmp/dense.json" "$tfjs" 2>&1 | quiet
exit "${PIPESTATUS[0]}"
