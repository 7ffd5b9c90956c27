#!/usr/bin/env bash
# Benchmark of whole-network runs on the accelerator model: wall time (median of N runs), peak memory and the
# simulated time of `reshare run`, per scheme, on ResNet50 (224x224, one image, synthetic weights) and
# face_recognition (real weights, a real photo), and each run's wall time over a plain int8 GEMM of the same layer
# shapes (bench/gemm_baseline.cpp: oneDNN, every core, median of 5 passes) measured here too.
# Usage: scripts/bench-run.sh [repeats=3] [schemes="dense orc rws reshare sme reram-sharing"] [models="resnet50 face_recognition"]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
repeats="${1:-3}"
schemes="${2:-dense orc rws reshare sme reram-sharing}"
models="${3:-resnet50 face_recognition}"
photo="$root/.cache/face-api/package/demo/sample1.jpg"
# shellcheck source=scripts/bench-lib.sh
source "$root/scripts/bench-lib.sh"

gemm="$root/build/bench/reshare-gemm-baseline"
[[ -x "$gemm" ]] || { echo "${0##*/}: the GEMM yardstick is not built (it needs libdnnl-dev: scripts/setup.sh)" >&2; exit 1; }
declare -A gemm_s
for m in $models; do
  line="$("$gemm" "$m")"
  gemm_lines+="$line"$'\n'
  gemm_s[$m]="$(grep -o 'median [0-9.]* s' <<<"$line" | grep -o '[0-9.]*')"
done

echo "| model | scheme | median wall s | peak MiB | simulated ms | bit-exact | wall / int8 GEMM |"
echo "|---|---|---:|---:|---:|---|---:|"
for m in $models; do
  args=(--model "$m")
  [[ "$m" == face_recognition ]] && args+=(--image "$photo")
  for s in $schemes; do
    read -r median mb < <(measure "$repeats" "$bin" run "${args[@]}" --scheme "$s" --report "$out/r.json")
    sim="$(grep -m1 '"time_ns"' <(sed -n '/"totals"/,$p' "$out/r.json") | tr -dc '0-9')"
    exact="$(grep -m1 '"bit_exact"' "$out/r.json" | grep -q true && echo yes || echo NO)"
    ratio="$(awk -v w="$median" -v g="${gemm_s[$m]}" 'BEGIN {printf "%.0fx", w / g}')"
    echo "| $m | $s | $median | $mb | $(awk -v n="$sim" 'BEGIN {printf "%.1f", n / 1e6}') | $exact | $ratio |"
  done
done
echo
printf '%s' "$gemm_lines"
echo "$(machine); $repeats runs each"
