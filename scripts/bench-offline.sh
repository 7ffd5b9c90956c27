#!/usr/bin/env bash
# Benchmark of the offline pass: wall time (median of N runs) and peak memory of `reshare stats` and of
# `reshare compress` for each scheme, on VGG16 (synthetic, 138 M weights) and face_recognition (real); then the
# ReShare pass over every zoo model in weights per second (its cost should grow linearly with the weights).
# Usage: scripts/bench-offline.sh [repeats=3] [models="vgg16 face_recognition"] [zoo="alexnet vgg16 ..."]
# Prints Markdown tables for docs/performance.md.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
repeats="${1:-3}"
models="${2:-vgg16 face_recognition}"
zoo="${3:-alexnet vgg16 resnet50 googlenet face_recognition ssd_mobilenetv1}"
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
echo "| model | weights | compress --scheme reshare: median wall s | peak MiB | M weights/s |"
echo "|---|---:|---:|---:|---:|"
for m in $zoo; do
  weights="$("$bin" stats --model "$m" --json | python3 -c 'import json, sys; print(sum(l["rows"] * l["cols"] for l in json.load(sys.stdin)["layers"]))')"
  read -r t mb < <(measure "$repeats" "$bin" compress --model "$m" --scheme reshare -o "$out/$m-zoo")
  echo "| $m | $weights | $t | $mb | $(awk -v w="$weights" -v t="$t" 'BEGIN {printf "%.1f", w / t / 1e6}') |"
done
echo
echo "$(machine); $repeats runs each"
