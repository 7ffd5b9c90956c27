#!/usr/bin/env bash
# The schemes side by side in both chip views (docs/performance.md): for each model, `reshare compare --json`
# (resident: each scheme on the chip that holds its network once) and `reshare compare --json --equal-chip` (every
# scheme on the chip RWS, the baseline, needs; spare CUs filled with copies of layers, a scheme that needs more
# reprograms during the run), every registered scheme. Prints one Markdown table per model and each compare's wall
# time. face_recognition runs on the face-api demo photo (real weights); the ImageNet models on one synthetic image
# (synthetic weights).
# Usage: scripts/compare-tables.sh [MODEL...]   (default: face_recognition alexnet resnet50 googlenet vgg16)
#        SAVE=DIR keeps each compare's JSON as DIR/MODEL-{resident,equal}.json (and DIR/MODEL-wall.txt);
#        TABLES_ONLY=1 with SAVE=DIR prints the tables from the JSON kept there, running nothing.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
models=("$@")
((${#models[@]})) || models=(face_recognition alexnet resnet50 googlenet vgg16)
photo="$root/.cache/face-api/package/demo/sample1.jpg"
if [[ -z "${TABLES_ONLY:-}" ]]; then
  source "$root/scripts/bench-lib.sh"
  save="${SAVE:-$out}"
  echo "$(machine), $(date -u +%Y-%m-%d)"
else
  save="${SAVE:?TABLES_ONLY needs SAVE=DIR}"
fi
mkdir -p "$save"

for model in "${models[@]}"; do
  if [[ -z "${TABLES_ONLY:-}" ]]; then
    image_args=()
    [[ "$model" == face_recognition && -f "$photo" ]] && image_args=(--image "$photo")
    walls=()
    for view in resident equal; do
      args=(compare --model "$model" "${image_args[@]}" --baseline rws --json)
      [[ "$view" == equal ]] && args+=(--equal-chip)
      start=$(date +%s.%N)
      "$bin" "${args[@]}" >"$save/$model-$view.json"
      walls+=("$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN {printf "%.0f", b - a}')")
    done
    echo "${walls[*]}" >"$save/$model-wall.txt"
  fi
  python3 - "$model" "$save" <<'PY'
import json, sys
model, save = sys.argv[1:3]
res = json.load(open(f"{save}/{model}-resident.json"))
eq = json.load(open(f"{save}/{model}-equal.json"))
wall_res, wall_eq = open(f"{save}/{model}-wall.txt").read().split()
order = ["dense", "orc", "rws", "reshare", "sme", "reram-sharing", "cr2"]
names = [s for s in order if s in res["schemes"]] + sorted(set(res["schemes"]) - set(order))
print(f"\n**{model}** ({res['weights']} weights; equal chip: {eq['chip_pes']} PEs, RWS's; compare wall time {wall_res} s "
      f"resident, {wall_eq} s equal chip)\n")
print("| scheme | PEs resident | time ms resident | speedup resident | time ms equal chip | speedup equal chip | "
      "MVM / sharing / stall ms (equal) | energy uJ dynamic + leakage | energy vs RWS | crossbars | storage Mbit | "
      "vs RWS | vs ORC | vs weights | CUs over eDRAM | cos int8 |")
print("|---|---:|---:|---:|---:|---:|---|---|---:|---:|---:|---:|---:|---:|---:|---:|")
for s in names:
    r, e = res["schemes"][s], eq["schemes"][s]
    t = r["report"]["totals"]
    b = e["time_breakdown_ns"]
    en = r["energy_pj"]
    cos = r["accuracy"]["vs_int8"]["cosine"]
    reprogram = e["report"]["totals"]["energy_pj"].get("reprogramming", 0)
    fits = f" (reprograms: +{reprogram / 1e6:.0f} uJ)" if not e["chip"]["holds_network"] else ""
    print(f"| {s} | {r['chip']['pes']} | {t['time_ns'] / 1e6:.1f} | {r['speedup']:.2f}x | "
          f"{e['report']['totals']['time_ns'] / 1e6:.1f}{fits} | {e['speedup']:.2f}x | "
          f"{b['mvm_busy'] / 1e6:.1f} / {b['sharing_busy'] / 1e6:.1f} / {b['stall'] / 1e6:.1f} | "
          f"{en['dynamic'] / 1e6:.0f} + {en['leakage'] / 1e6:.0f} | {r['energy_ratio']:.3f} | {t['crossbars']} | "
          f"{t['storage_bits']['total'] / 1e6:.1f} | {r['storage_ratio']:.3f} | {r['storage_vs_orc']:.3f} | "
          f"{r['storage_vs_weights']:.3f} | {t['cu_buffers']['overflow_cus']} | {cos:.4f} |")
PY
done
