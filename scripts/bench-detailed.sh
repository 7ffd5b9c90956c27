#!/usr/bin/env bash
# Benchmark of detailed mode (issue 10): simulation events per second of the event-driven CU engines on
# face_recognition (real weights, a real photo), ReShare. Each case runs `reshare run --timings` twice per repeat:
# with sim.mode=detailed (the chosen layers event by event, the rest batched) and with sim.mode=batched. The events
# are the detailed engines' (every wait of their threads that returned: an OU wave, a buffer access, a notification);
# their cost is the simulation phase's extra wall time over the batched run. Medians of REPEATS.
# Usage: scripts/bench-detailed.sh [repeats=3] [cases="5:5 all"]   (a case is --layers' FROM:TO, or all)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
repeats="${1:-3}"
cases="${2:-5:5 all}"
photo="$root/.cache/face-api/package/demo/sample1.jpg"
# shellcheck source=scripts/bench-lib.sh
source "$root/scripts/bench-lib.sh"

# The simulation phase's seconds of one run (and, detailed, its events into $out/events).
sim_seconds() {
  "$bin" run --model face_recognition --image "$photo" --scheme reshare --timings "$@" 2>"$out/err" >/dev/null
  sed -n 's/^detailed mode: \([0-9]*\) engine events.*/\1/p' "$out/err" >"$out/events"
  grep -o 'simulation [0-9.]* s' "$out/err" | grep -o '[0-9.]*'
}
median() { sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }

echo "| layers | detailed events | simulation s detailed | simulation s batched | events/s |"
echo "|---|---:|---:|---:|---:|"
for c in $cases; do
  layers=()
  [[ "$c" == all ]] || layers=(--layers "$c")
  detailed=() batched=()
  for ((i = 0; i < repeats; i++)); do
    detailed+=("$(sim_seconds "${layers[@]}" --set sim.mode=detailed)")
    events="$(cat "$out/events")"
    batched+=("$(sim_seconds "${layers[@]}" --set sim.mode=batched)")
  done
  d="$(printf '%s\n' "${detailed[@]}" | median)" b="$(printf '%s\n' "${batched[@]}" | median)"
  echo "| $c | $events | $d | $b | $(awk -v e="$events" -v d="$d" -v b="$b" 'BEGIN {printf "%.2f M", (d > b) ? e / (d - b) / 1e6 : 0}') |"
done
echo
echo "$(machine); $repeats runs each"
