#!/usr/bin/env bash
# Fetches a real trained Keras network from the npm registry: NSFWJS's MobileNetV2 image classifier (npm nsfwjs,
# MIT), a Keras layers model as TF.js stores it, with uint8-quantized weights. The package wraps model.json and its
# shard in JavaScript modules (the shard base64-encoded); node unwraps them into
# .cache/nsfwjs/mobilenet_v2/{model.json, group1-shard1of1}. Pinned and integrity-checked like face-api.
# Its five classes: 0 Drawing, 1 Hentai, 2 Neutral, 3 Porn, 4 Sexy; input 224x224 RGB, pixels / 255.
set -euo pipefail
readonly VERSION=4.3.0
# dist.integrity of nsfwjs@4.3.0 as the npm registry publishes it (`npm view nsfwjs@4.3.0 dist.integrity`).
readonly INTEGRITY="sha512-WTKDte0vp1X97N1h34P79G/hG+sVT3+TnDz9di1WseIJR93v11E4viNX7Vg9WsO6HYoR772Nzq2iM8jo3XBZ+g=="
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cache="$root/.cache/nsfwjs"
stamp="$cache/.verified-$VERSION"
if [[ -f "$stamp" && -f "$cache/mobilenet_v2/model.json" ]]; then
  echo "nsfwjs $VERSION already in $cache"
  exit 0
fi
source "$root/scripts/npm-lib.sh"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
tarball="$(npm_pack_verified "nsfwjs@$VERSION" "$INTEGRITY" "$tmp")"
tar -xzf "$tarball" -C "$tmp" package/dist/models/mobilenet_v2 package/LICENSE
rm -rf "$cache"
mkdir -p "$cache/mobilenet_v2"
node -e '
const [from, to] = process.argv.slice(1), fs = require("fs"), path = require("path");
const model = require(path.join(from, "model.min.js"));
fs.writeFileSync(path.join(to, "model.json"), JSON.stringify(model));
for (const p of model.weightsManifest.flatMap(g => g.paths))
  fs.writeFileSync(path.join(to, p), Buffer.from(require(path.join(from, p + ".min.js")), "base64"));
' "$tmp/package/dist/models/mobilenet_v2" "$cache/mobilenet_v2"
cp "$tmp/package/LICENSE" "$cache/"
touch "$stamp"
echo "nsfwjs $VERSION MobileNetV2 verified and unpacked into $cache/mobilenet_v2"
