#!/usr/bin/env bash
# Benchmark of the offline pass: wall time (median of N runs) and peak memory of `reshare stats` and of
# `reshare compress` for each scheme, on VGG16 (synthetic, 138 M weights) and face_recognition (real).
# Usage: scripts/bench-offline.sh [repeats=3] [models="vgg16 face_recognition"]
# Prints a Markdown table for docs/performance.md.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
repeats="${1:-3}"
models="${2:-vgg16 face_recognition}"
bin="$root/build/testbench/reshare"
[[ -x "$bin" ]] || { echo "bench-offline: build first (scripts/build.sh)" >&2; exit 1; }
[[ -x /usr/bin/time ]] || { echo "bench-offline: needs GNU time (apt-get install time)" >&2; exit 1; }
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT

# Runs one command `repeats` times; prints "median_seconds max_peak_MiB".
measure() {
  local times=() peak=0
  for ((i = 0; i < repeats; i++)); do
    /usr/bin/time -f "%e %M" -o "$out/time" "$@" >/dev/null
    read -r t kb <"$out/time"
    times+=("$t")
    ((kb > peak)) && peak=$kb
  done
  local median
  median="$(printf '%s\n' "${times[@]}" | sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}')"
  echo "$median $((peak / 1024))"
}

echo "| model | command | median wall s | peak MiB |"
echo "|---|---|---:|---:|"
for m in $models; do
  read -r t mb < <(measure "$bin" stats --model "$m" --json)
  echo "| $m | stats | $t | $mb |"
  for s in dense orc rws reshare; do
    read -r t mb < <(measure "$bin" compress --model "$m" --scheme "$s" -o "$out/$m-$s")
    echo "| $m | compress --scheme $s | $t | $mb |"
  done
done
echo
echo "$(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'); $repeats runs each"
