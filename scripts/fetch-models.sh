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

source "$root/scripts/npm-lib.sh"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
tarball="$(npm_pack_verified "@vladmandic/face-api@$VERSION" "$INTEGRITY" "$tmp")"
rm -rf "$cache"
mkdir -p "$cache"
tar -xzf "$tarball" -C "$cache" package/model package/demo package/LICENSE package/package.json
touch "$stamp"
echo "face-api $VERSION verified and unpacked into $cache"
