#!/usr/bin/env bash
# Before and after on the same machine: `reshare run` of two builds, run alternately (A, B, A, B, ...) so that a
# machine whose speed drifts during the benchmark - virtual machines do, by up to 2x within a day - slows both
# alike. Prints per scheme the median wall time and peak memory of each build and whether both simulated the same
# time (they must: a speed change may not move a result).
# Build the earlier commit elsewhere first, e.g.
#   git worktree add /tmp/old-src COMMIT && ln -s "$PWD/.cache" /tmp/old-src/.cache
#   cmake -S /tmp/old-src -B /tmp/old-build -G Ninja -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF
#   cmake --build /tmp/old-build --target reshare
# Usage: scripts/bench-ab.sh A_BINARY [repeats=3] [schemes="dense orc rws reshare sme reram-sharing cr2"] [models="vgg16"]
# (B is this tree's build/testbench/reshare.)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
a_bin="${1:?usage: scripts/bench-ab.sh A_BINARY [repeats] [schemes] [models]}"
repeats="${2:-3}"
schemes="${3:-dense orc rws reshare sme reram-sharing cr2}"
models="${4:-vgg16}"
[[ -x "$a_bin" ]] || { echo "${0##*/}: $a_bin is not an executable" >&2; exit 2; }
# shellcheck source=scripts/bench-lib.sh
source "$root/scripts/bench-lib.sh"

# One run: "wall_seconds peak_KiB simulated_ms" (the weight layers' simulated time from the run's summary line).
one_run() {
  local log="$out/time" said="$out/said"
  /usr/bin/time -f "%e %M" -o "$log" "$@" >"$said" 2>&1
  echo "$(cat "$log") $(grep -o 'weight layers: [0-9.]* ms' "$said" | grep -o '[0-9.]*' | head -1)"
}

median() { sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }

echo "Machine: $(machine). A: $a_bin; B: $bin; $repeats runs each, alternating."
echo
echo "| model | scheme | A median wall s | B median wall s | B / A | A peak MiB | B peak MiB | simulated ms (A = B) |"
echo "|---|---|---:|---:|---:|---:|---:|---|"
for m in $models; do
  for s in $schemes; do
    : >"$out/a"
    : >"$out/b"
    for ((i = 0; i < repeats; i++)); do
      one_run "$a_bin" run --model "$m" --scheme "$s" >>"$out/a"
      one_run "$bin" run --model "$m" --scheme "$s" >>"$out/b"
    done
    a_wall="$(cut -d' ' -f1 "$out/a" | median)"
    b_wall="$(cut -d' ' -f1 "$out/b" | median)"
    a_peak="$(cut -d' ' -f2 "$out/a" | sort -g | tail -1)"
    b_peak="$(cut -d' ' -f2 "$out/b" | sort -g | tail -1)"
    sims="$(cut -d' ' -f3 "$out/a" "$out/b" | sort -u)"
    same="$([[ "$(wc -l <<<"$sims")" == 1 && -n "$sims" ]] && echo "$sims (same)" || echo "DIFFERENT: $(tr '\n' ' ' <<<"$sims")")"
    printf '| %s | %s | %.2f | %.2f | %.2f | %d | %d | %s |\n' "$m" "$s" "$a_wall" "$b_wall" \
      "$(awk -v a="$a_wall" -v b="$b_wall" 'BEGIN {print b / a}')" $((a_peak / 1024)) $((b_peak / 1024)) "$same"
  done
done
