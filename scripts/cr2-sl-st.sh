#!/usr/bin/env bash
# CR2's hit rate against the sizes of its learning set (SL) and test set (ST), on face_recognition (real weights):
# learn the input-pattern buffer on the first N learning photos, then run on each test photo with that allocation.
# Photos: face-api's demo photos and python3-skimage's (scripts/fetch-photos.sh); SL and ST are disjoint.
# Usage: scripts/cr2-sl-st.sh [config.yaml]   Prints a Markdown table for docs/schemes.md.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bin="$root/build/testbench/reshare"
demo="$root/.cache/face-api/package/demo"
"$root/scripts/fetch-photos.sh" >/dev/null
config=()
[[ $# -ge 1 ]] && config=(--config "$1")
mapfile -t skimage < <(ls "$root"/.cache/photos/skimage/*.{png,jpg} | sort)
sl_pool=("$demo/sample4.jpg" "$demo/sample5.jpg" "$demo/sample6.jpg" "${skimage[@]}")
st=("$demo/sample1.jpg" "$demo/sample2.jpg" "$demo/sample3.jpg")
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
field() { python3 -c "import json,sys; t=json.load(open(sys.argv[1]))['totals']; print(eval(sys.argv[2]))" "$1" "$2"; }
echo "| SL images | ST images | hit rate | simulated ms | OU activations vs reshare |"
echo "|---:|---:|---:|---:|---:|"
for n in 1 3 6 12 ${#sl_pool[@]}; do
  learn="$(IFS=,; echo "${sl_pool[*]:0:$n}")"
  hits=0 lookups=0 ms=0 ratio=0
  for ((k = 0; k < ${#st[@]}; k++)); do
    base="$tmp/base-$k.json"
    [[ -f "$base" ]] || "$bin" run --model face_recognition --scheme reshare "${config[@]}" --image "${st[$k]}" --report "$base" >/dev/null 2>&1
    if ((k == 0)); then
      "$bin" run --model face_recognition --scheme cr2 "${config[@]}" --learn "$learn" --allocation "$tmp/a.json" \
        --image "${st[$k]}" --report "$tmp/r.json" >/dev/null 2>&1
    else
      "$bin" run --model face_recognition --scheme cr2 "${config[@]}" --allocation "$tmp/a.json" --image "${st[$k]}" \
        --report "$tmp/r.json" >/dev/null 2>&1
    fi
    hits=$((hits + $(field "$tmp/r.json" "t['input_reuse']['hits']")))
    lookups=$((lookups + $(field "$tmp/r.json" "t['input_reuse']['lookups']")))
    ms="$(awk -v a="$ms" -v b="$(field "$tmp/r.json" "t['time_ns']")" 'BEGIN {print a + b / 1e6}')"
    ratio="$(awk -v a="$ratio" -v b="$(field "$tmp/r.json" "t['ou_activations']")" -v c="$(field "$base" "t['ou_activations']")" 'BEGIN {print a + b / c}')"
    if ((k == 0 || k == ${#st[@]} - 1)); then
      awk -v n="$n" -v s="$((k + 1))" -v h="$hits" -v l="$lookups" -v ms="$ms" -v r="$ratio" \
        'BEGIN {printf "| %d | %d | %.2f%% | %.1f | %.3f |\n", n, s, 100 * h / l, ms / s, r / s}'
    fi
  done
done
