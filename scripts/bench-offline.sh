#!/usr/bin/env bash
# Benchmark of the offline pass: wall time (median of N runs) and peak memory of `reshare stats` and of
# `reshare compress` for each scheme, on VGG16 (synthetic, 138 M weights) and face_recognition (real).
# Usage: scripts/bench-offline.sh [repeats=3] [models="vgg16 face_recognition"]
# Prints a Markdown table for docs/performance.md.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
repeats="${1:-3}"
models="${2:-vgg16 face_recognition}"
# shellcheck source=scripts/bench-lib.sh
source "$root/scripts/bench-lib.sh"

echo "| model | command | median wall s | peak MiB |"
echo "|---|---|---:|---:|"
for m in $models; do
  read -r t mb < <(measure "$repeats" "$bin" stats --model "$m" --json)
  echo "| $m | stats | $t | $mb |"
  for s in dense orc rws reshare sme reram-sharing; do
    read -r t mb < <(measure "$repeats" "$bin" compress --model "$m" --scheme "$s" -o "$out/$m-$s")
    echo "| $m | compress --scheme $s | $t | $mb |"
  done
done
echo
echo "$(machine); $repeats runs each"
