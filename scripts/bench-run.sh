#!/usr/bin/env bash
# Benchmark of whole-network runs on the accelerator model: wall time (median of N runs), peak memory and the
# simulated time of `reshare run`, per scheme, on ResNet50 (224x224, one image, synthetic weights) and
# face_recognition (real weights, a real photo). Usage: scripts/bench-run.sh [repeats=3]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
repeats="${1:-3}"
bin="$root/build/testbench/reshare"
photo="$root/.cache/face-api/package/demo/sample1.jpg"
[[ -x "$bin" ]] || { echo "bench-run: build first (scripts/build.sh)" >&2; exit 1; }
[[ -x /usr/bin/time ]] || { echo "bench-run: needs GNU time (apt-get install time)" >&2; exit 1; }
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT

echo "| model | scheme | median wall s | peak MiB | simulated ms | bit-exact |"
echo "|---|---|---:|---:|---:|---|"
for m in resnet50 face_recognition; do
  args=(--model "$m")
  [[ "$m" == face_recognition ]] && args+=(--image "$photo")
  for s in dense orc rws reshare; do
    times=() peak=0
    for ((i = 0; i < repeats; i++)); do
      /usr/bin/time -f "%e %M" -o "$out/time" "$bin" run "${args[@]}" --scheme "$s" --report "$out/r.json" >/dev/null
      read -r t kb <"$out/time"
      times+=("$t")
      ((kb > peak)) && peak=$kb
    done
    median="$(printf '%s\n' "${times[@]}" | sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}')"
    sim="$(grep -m1 '"time_ns"' <(sed -n '/"totals"/,$p' "$out/r.json") | tr -dc '0-9')"
    exact="$(grep -m1 '"bit_exact"' "$out/r.json" | grep -q true && echo yes || echo NO)"
    echo "| $m | $s | $median | $((peak / 1024)) | $(awk -v n="$sim" 'BEGIN {printf "%.1f", n / 1e6}') | $exact |"
  done
done
echo
echo "$(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'); $repeats runs each"
