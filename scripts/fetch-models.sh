#!/usr/bin/env bash
# Fetches the real trained weights and demo photos: the npm package @vladmandic/face-api, pinned and
# integrity-checked, unpacked into .cache/face-api/package (git-ignored; nothing of it is committed).
set -euo pipefail

readonly VERSION=1.7.15
# dist.integrity of @vladmandic/face-api@1.7.15 as the npm registry publishes it (`npm view ... dist.integrity`).
readonly INTEGRITY="sha512-WDMmK3CfNLo8jylWqMoQgf4nIst3M0fzx1dnac96wv/dvMTN4DxC/Pq1DGtduDk1lktCamQ3MIDXFnvrdHTXDw=="

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cache="$root/.cache/face-api"
stamp="$cache/.verified-$VERSION"

if [[ -f "$stamp" && -f "$cache/package/model/face_recognition_model.bin" ]]; then
  echo "face-api $VERSION already in $cache"
  exit 0
fi

command -v npm >/dev/null || { echo "fetch-models: npm is not installed (scripts/setup.sh installs it)" >&2; exit 1; }
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent "@vladmandic/face-api@$VERSION" >/dev/null 2>"$tmp/npm.log") || {
  echo "fetch-models: npm pack @vladmandic/face-api@$VERSION failed:" >&2; cat "$tmp/npm.log" >&2; exit 1; }
tarball="$(ls "$tmp"/*.tgz)"
actual="sha512-$(sha512sum "$tarball" | cut -d' ' -f1 | xxd -r -p | base64 -w0)"
if [[ "$actual" != "$INTEGRITY" ]]; then
  echo "fetch-models: integrity mismatch for $tarball: got $actual, expected $INTEGRITY" >&2
  exit 1
fi
rm -rf "$cache"
mkdir -p "$cache"
tar -xzf "$tarball" -C "$cache" package/model package/demo package/LICENSE package/package.json
touch "$stamp"
echo "face-api $VERSION verified and unpacked into $cache"
