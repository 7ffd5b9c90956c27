#!/usr/bin/env bash
# Benchmark of whole-network runs on the accelerator model: wall time (median of N runs), peak memory and the
# simulated time of `reshare run`, per scheme, on ResNet50 (224x224, one image, synthetic weights) and
# face_recognition (real weights, a real photo).
# Usage: scripts/bench-run.sh [repeats=3] [schemes="dense orc rws reshare sme reram-sharing"] [models="resnet50 face_recognition"]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
repeats="${1:-3}"
schemes="${2:-dense orc rws reshare sme reram-sharing}"
models="${3:-resnet50 face_recognition}"
photo="$root/.cache/face-api/package/demo/sample1.jpg"
# shellcheck source=scripts/bench-lib.sh
source "$root/scripts/bench-lib.sh"

echo "| model | scheme | median wall s | peak MiB | simulated ms | bit-exact |"
echo "|---|---|---:|---:|---:|---|"
for m in $models; do
  args=(--model "$m")
  [[ "$m" == face_recognition ]] && args+=(--image "$photo")
  for s in $schemes; do
    read -r median mb < <(measure "$repeats" "$bin" run "${args[@]}" --scheme "$s" --report "$out/r.json")
    sim="$(grep -m1 '"time_ns"' <(sed -n '/"totals"/,$p' "$out/r.json") | tr -dc '0-9')"
    exact="$(grep -m1 '"bit_exact"' "$out/r.json" | grep -q true && echo yes || echo NO)"
    echo "| $m | $s | $median | $mb | $(awk -v n="$sim" 'BEGIN {printf "%.1f", n / 1e6}') | $exact |"
  done
done
echo
echo "$(machine); $repeats runs each"
