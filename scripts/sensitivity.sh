#!/usr/bin/env bash
# The sensitivity of ReShare's advantage over RWS to the model's own choices (docs/timing.md): each variant is one
# configuration change from the defaults, compared with `reshare compare --schemes rws,reshare`. Prints a Markdown
# table: both schemes' times, the speedup, the energy ratio (dynamic and total) and the storage ratio.
# Usage: scripts/sensitivity.sh [MODEL] [IMAGE]   (default face_recognition on the face-api demo photo; IMAGE "" = synthetic)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$root/scripts/bench-lib.sh"
model="${1:-face_recognition}"
image="${2-$root/.cache/face-api/package/demo/sample1.jpg}"   # "" = a synthetic image
image_args=()
[[ -n "$image" && -f "$image" ]] && image_args=(--image "$image")

variants=(
  "defaults|"
  "sharing.pattern_read: result|sharing:\n  pattern_read: result"
  "adc.convention: mnsim|adc:\n  convention: mnsim"
  "rws.output_buffer_results: 8|rws:\n  output_buffer_results: 8"
  "rws.output_buffer_results: 128|rws:\n  output_buffer_results: 128"
  "rws.output_buffer_results: 4096 (64 KiB: never stalls here)|rws:\n  output_buffer_results: 4096"
  "rws.index_memory: edram|rws:\n  index_memory: edram"
  "energy.leakage_scope: occupied|energy:\n  leakage_scope: occupied"
  "energy.leakage_scope: chip|energy:\n  leakage_scope: chip"
  "equal chip (compare --equal-chip)|EQUAL"
)

echo "model $model, $(machine)"
echo
echo "| variant | RWS time (ms) | ReShare time (ms) | speedup | energy ratio (dynamic) | energy ratio (total) | storage ratio |"
echo "|---|---|---|---|---|---|---|"
for v in "${variants[@]}"; do
  label="${v%%|*}" yaml="${v#*|}"
  args=(compare --model "$model" "${image_args[@]}" --schemes rws,reshare --baseline rws --json)
  if [[ "$yaml" == EQUAL ]]; then
    args+=(--equal-chip)
  elif [[ -n "$yaml" ]]; then
    printf '%b\n' "$yaml" >"$out/variant.yaml"
    args+=(--config "$out/variant.yaml")
  fi
  "$bin" "${args[@]}" >"$out/result.json"
  python3 - "$label" "$out/result.json" <<'PY'
import json, sys
label, path = sys.argv[1], sys.argv[2]
j = json.load(open(path))["schemes"]
t = lambda s: j[s]["report"]["totals"]["time_ns"] / 1e6
r = j["reshare"]
print(f"| {label} | {t('rws'):.1f} | {t('reshare'):.1f} | {r['speedup']:.2f}x | {r['dynamic_energy_ratio']:.3f} | "
      f"{r['energy_ratio']:.3f} | {r['storage_ratio']:.3f} |")
PY
done
