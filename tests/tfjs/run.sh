#!/usr/bin/env bash
# The ctest test "keras: a layers model TF.js wrote runs bit-exact and its float reference agrees with TF.js":
# TF.js builds and saves a Keras functional model of its own (make_model.js: batch norm, ReLU6, zero padding,
# depthwise and separable convs, add, concat, both pools, global pooling, dropout, dense + softmax), `reshare run`
# imports it and runs it bit-exact through every scheme on a real photo (resized to its 32x32 input) with --outputs,
# and TF.js runs the same file on the recorded input (compare.js): agreement to float tolerance, top-1 equal.
# Then the same for a real trained network from the npm registry: NSFWJS's MobileNetV2 (scripts/fetch-nsfwjs.sh),
# bit-exact through every scheme on a face-api photo, its float reference against TF.js, the same top-1.
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

nsfw="$src/.cache/nsfwjs/mobilenet_v2/model.json"
[[ -f "$nsfw" ]] || { echo "NSFWJS missing: run scripts/fetch-nsfwjs.sh (setup.sh does)"; exit 1; }
for scheme in dense orc rws reshare sme reram-sharing cr2; do
  "$reshare" run --model "$nsfw" --scheme "$scheme" --image "$src/.cache/face-api/package/demo/sample1.jpg" --input-scale 0.003921569 --outputs "$tmp/nsfw-$scheme.json" |
    grep -q "bit-exact" || { echo "nsfwjs $scheme: not bit-exact"; exit 1; }
done
echo "nsfwjs MobileNetV2 (real weights): bit-exact through every scheme"
node "$src/tests/tfjs/compare.js" "$nsfw" "$tmp/nsfw-reshare.json" "$tfjs" 2>&1 | quiet
