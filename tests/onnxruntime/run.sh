#!/usr/bin/env bash
# The ctest test "onnx: the float reference of an imported model agrees with onnxruntime": exports face_recognition
# (real weights; its demo photo) and googlenet (synthetic weights; a classifier, so the file ends in a Softmax) with
# `reshare export`, runs each imported file with `reshare run --outputs`, and has ONNX Runtime (npm onnxruntime-node,
# fetched by scripts/fetch-executors.sh) run the same file on the same input: agreement to float tolerance, top-1
# equal (tests/onnxruntime/compare.js). Then the trained NSFWJS MobileNetV2 (scripts/fetch-nsfwjs.sh), exported from
# its Keras model.json to ONNX, the same way: a real trained network through ONNX Runtime.
# Usage: run.sh <reshare binary> <source dir>
set -euo pipefail
reshare="$1"
src="$2"
ort="$src/.cache/onnxruntime"
[[ -d "$ort/node_modules/onnxruntime-node" ]] || { echo "onnxruntime-node missing: run scripts/fetch-executors.sh (setup.sh does)"; exit 1; }
tmp="$(mktemp -d "${TMPDIR:-/tmp}/reshare-ort.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
photo="$src/.cache/face-api/package/demo/sample1.jpg"
for model in face_recognition googlenet; do
  "$reshare" export --model "$model" -o "$tmp/$model.onnx" >/dev/null
  image=()
  [[ "$model" == face_recognition ]] && image=(--image "$photo")
  "$reshare" run --model "$tmp/$model.onnx" --scheme dense "${image[@]}" --outputs "$tmp/$model.json" >/dev/null
  node "$src/tests/onnxruntime/compare.js" "$tmp/$model.onnx" "$tmp/$model.json" "$ort"
done

nsfw="$src/.cache/nsfwjs/mobilenet_v2/model.json"
[[ -f "$nsfw" ]] || { echo "NSFWJS missing: run scripts/fetch-nsfwjs.sh (setup.sh does)"; exit 1; }
"$reshare" export --model "$nsfw" -o "$tmp/nsfw.onnx" >/dev/null
"$reshare" run --model "$tmp/nsfw.onnx" --scheme reshare --image "$photo" --input-scale 0.003921569 --outputs "$tmp/nsfw.json" >/dev/null
node "$src/tests/onnxruntime/compare.js" "$tmp/nsfw.onnx" "$tmp/nsfw.json" "$ort"
