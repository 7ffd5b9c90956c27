#!/usr/bin/env bash
# Benchmark of `reshare compare` of every scheme (issue 10): wall time (median of N runs) and peak memory (the
# largest of its processes, GNU time) per model and chip view, ResNet50 and VGG16 by default (224x224, one
# synthetic image, synthetic weights).
# Usage: scripts/bench-compare.sh [repeats=3] [models="resnet50 vgg16"] [views="resident"]   (views: resident equal-chip)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
repeats="${1:-3}"
models="${2:-resnet50 vgg16}"
views="${3:-resident}"
# shellcheck source=scripts/bench-lib.sh
source "$root/scripts/bench-lib.sh"

echo "| model | view | median wall s | peak MiB |"
echo "|---|---|---:|---:|"
for m in $models; do
  for v in $views; do
    flags=()
    [[ "$v" == equal-chip ]] && flags=(--equal-chip)
    read -r t mb < <(measure "$repeats" "$bin" compare --model "$m" --json "${flags[@]}")
    echo "| $m | $v | $t | $mb |"
  done
done
echo
echo "$(machine); $repeats runs each; every scheme: $("$bin" compare --help | grep -o 'every registered one, [^)]*' | cut -d' ' -f4)"
