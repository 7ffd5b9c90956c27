#!/usr/bin/env bash
# The ctest test "onnx: the float reference of an imported model agrees with onnxruntime": exports face_recognition
# (real weights; its demo photo) and googlenet (synthetic weights; a classifier, so the file ends in a Softmax) with
# `reshare export`, runs each imported file with `reshare run --outputs`, and has ONNX Runtime (npm onnxruntime-node,
# fetched by scripts/fetch-executors.sh) run the same file on the same input: agreement to float tolerance, top-1
# equal (tests/onnxruntime/compare.js). Then the trained NSFWJS MobileNetV2 (scripts/fetch-nsfwjs.sh), exported from
# its Keras model.json to ONNX, the same way: a real trained network through ONNX Runtime. Last, a real ONNX file as
# its authors exported it: PaddleOCR's text-direction MobileNetV3 (scripts/fetch-ocr.sh; hard-swish chains,
# squeeze-and-excitation, shape arithmetic) on skimage's photo of handwriting.
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

ocr="$src/.cache/ocr/ch_ppocr_mobile_v2.0_cls_infer.onnx"
text="$src/.cache/photos/text/text.png"
[[ -f "$ocr" && -f "$text" ]] || { echo "the OCR model or its photo is missing: run scripts/fetch-ocr.sh and scripts/fetch-photos.sh (setup.sh does)"; exit 1; }
"$reshare" run --model "$ocr" --input-size 48x192 --scheme reshare --image "$text" --input-scale 0.003921569 \
  --input-mean 0.5 --input-std 0.5 --outputs "$tmp/ocr.json" >/dev/null
node "$src/tests/onnxruntime/compare.js" "$ocr" "$tmp/ocr.json" "$ort"
