#!/usr/bin/env bash
# Fetches real photos beyond face-api's six demo photos, for CR2's learning (SL) and test (ST) image sets: the sample
# photographs scikit-image ships in the Debian package python3-skimage (bookworm 0.19.3-8). The package is downloaded
# and unpacked, not installed (its Python dependencies are not needed), and only its natural photos are kept, in
# .cache/photos/skimage (git-ignored); and its photograph of handwritten text (text.png, 448 x 172 grey), apart
# in .cache/photos/text so that CR2's photo sets stay natural scenes, for the OCR text-direction network
# (scripts/fetch-ocr.sh). Usage: scripts/fetch-photos.sh
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dest="$root/.cache/photos/skimage"
# Natural photographs only (scikit-image's data folder also holds synthetic test patterns and scans).
photos=(astronaut.png brick.png camera.png chelsea.png coffee.png coins.png grass.png gravel.png hubble_deep_field.jpg
        ihc.png moon.png motorcycle_left.png motorcycle_right.png retina.jpg rocket.jpg)
text_dest="$root/.cache/photos/text"
if [[ -f "$dest/.complete" && -f "$text_dest/text.png" ]]; then
  echo "photos already in $dest"
  exit 0
fi
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && apt-get download python3-skimage >/dev/null 2>"$tmp/apt.log") || {
  apt-get update -qq && (cd "$tmp" && apt-get download python3-skimage >/dev/null 2>"$tmp/apt.log"); } || {
  echo "fetch-photos: apt-get download python3-skimage failed:" >&2; cat "$tmp/apt.log" >&2; exit 1; }
dpkg-deb -x "$tmp"/python3-skimage_*.deb "$tmp/x"
mkdir -p "$dest"
for p in "${photos[@]}"; do cp "$tmp/x/usr/lib/python3/dist-packages/skimage/data/$p" "$dest/"; done
mkdir -p "$text_dest"
cp "$tmp/x/usr/lib/python3/dist-packages/skimage/data/text.png" "$text_dest/"
touch "$dest/.complete"
echo "${#photos[@]} photos and text.png from python3-skimage unpacked into $dest and $text_dest"
