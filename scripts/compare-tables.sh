#!/usr/bin/env bash
# The schemes side by side in both chip views (docs/performance.md): for each model, `reshare compare --json`
# (resident: each scheme on the chip that holds its network once) and `reshare compare --json --equal-chip` (every
# scheme on the chip RWS, the baseline, needs; spare CUs filled with copies of layers, a scheme that needs more
# reprograms during the run), every registered scheme. Prints one Markdown table per model and each compare's wall time. face_recognition runs on the face-api demo
# photo (real weights); the ImageNet models on one synthetic image (synthetic weights).
# Usage: scripts/compare-tables.sh [MODEL...]   (default: face_recognition alexnet resnet50 googlenet vgg16)
#        SAVE=DIR keeps each compare's JSON as DIR/MODEL-{resident,equal}.json
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$root/scripts/bench-lib.sh"
models=("$@")
((${#models[@]})) || models=(face_recognition alexnet resnet50 googlenet vgg16)
photo="$root/.cache/face-api/package/demo/sample1.jpg"
save="${SAVE:-$out}"
mkdir -p "$save"

echo "$(machine), $(date -u +%Y-%m-%d)"
for model in "${models[@]}"; do
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
  python3 - "$model" "$save/$model-resident.json" "$save/$model-equal.json" "${walls[@]}" <<'PY'
import json, sys
model, res_path, eq_path, wall_res, wall_eq = sys.argv[1:6]
res, eq = json.load(open(res_path)), json.load(open(eq_path))
order = ["dense", "orc", "rws", "reshare", "sme", "reram-sharing", "cr2"]
names = [s for s in order if s in res["schemes"]] + sorted(set(res["schemes"]) - set(order))
equal_pes = eq["chip_pes"]
print(f"\n**{model}** ({res['weights']} weights; equal chip: {equal_pes} PEs, RWS's; compare wall time {wall_res} s resident, "
      f"{wall_eq} s equal chip)\n")
print("| scheme | PEs resident | time ms resident | speedup resident | time ms equal chip | speedup equal chip | "
      "MVM / sharing / stall ms (equal) | energy uJ dynamic + leakage | energy vs RWS | crossbars | storage Mbit | "
      "vs RWS | vs ORC | vs weights | CUs over eDRAM | cos int8 |")
print("|---|---:|---:|---:|---:|---:|---|---|---:|---:|---:|---:|---:|---:|---:|---:|")
for s in names:
    r, e = res["schemes"][s], eq["schemes"][s]
    t = r["report"]["totals"]
    b = e["time_breakdown_ns"]
    en = r["energy_pj"]
    cos = r["accuracy"]["vs_int8"]["cosine"] if "accuracy" in r else 1.0
    fits = "" if e["chip"]["holds_network"] else " (reprograms)"
    print(f"| {s} | {r['chip']['pes']} | {t['time_ns'] / 1e6:.1f} | {r['speedup']:.2f}x | "
          f"{e['report']['totals']['time_ns'] / 1e6:.1f}{fits} | {e['speedup']:.2f}x | "
          f"{b['mvm_busy'] / 1e6:.1f} / {b['sharing_busy'] / 1e6:.1f} / {b['stall'] / 1e6:.1f} | "
          f"{en['dynamic'] / 1e6:.0f} + {en['leakage'] / 1e6:.0f} | {r['energy_ratio']:.3f} | {t['crossbars']} | "
          f"{t['storage_bits']['total'] / 1e6:.1f} | {r['storage_ratio']:.3f} | {r['storage_vs_orc']:.3f} | "
          f"{r['storage_vs_weights']:.3f} | {t['cu_buffers']['overflow_cus']} | {cos:.4f} |")
PY
done
