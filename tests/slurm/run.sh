#!/usr/bin/env bash
# The ctest test "slurm: a sweep through a real Slurm job array gives the local sweep's CSV": brings up a one-node
# Slurm cluster (scripts/slurm-cluster.sh), submits configs/sweep-ou-block.yaml (ou.rows x sharing.block_bytes) with
# `reshare sweep --slurm` (two points per array task), waits for the job with squeue, gathers it with `--collect`, runs the same spec locally and requires
# the two results.csv to be identical, every point ok and bit-exact. Then `--slurm --wait` on the done folder submits
# nothing. Exit 77 (skipped) only where Slurm cannot be started here, with the reason.
# Usage: run.sh <reshare binary> <source dir>
set -euo pipefail
reshare="${1:?usage: run.sh <reshare binary> <source dir>}"
src="${2:?usage: run.sh <reshare binary> <source dir>}"
tmp="$(mktemp -d "${TMPDIR:-/tmp}/reshare-slurm.XXXXXX")"
cleanup() { "$src/scripts/slurm-cluster.sh" down "$tmp/cluster" >/dev/null 2>&1 || true; rm -rf "$tmp"; }
trap cleanup EXIT

set +e
env_line="$("$src/scripts/slurm-cluster.sh" up "$tmp/cluster")"
status=$?
set -e
if ((status == 77)); then echo "skipped: Slurm cannot be started on this machine (reason above)"; exit 77; fi
((status == 0)) || { echo "slurm-cluster.sh up failed ($status)"; exit 1; }
eval "$env_line"

# The shipped example: ou.rows x sharing.block_bytes on face_recognition, rws and reshare (8 points).
cp "$src/configs/sweep-ou-block.yaml" "$tmp/spec.yaml"

out="$("$reshare" sweep "$tmp/spec.yaml" -o "$tmp/slurm" --slurm --chunk 2 --time 10 --mem 2G)"
echo "$out"
job="$(sed -n 's/^submitted job \([0-9]*\);.*/\1/p' <<<"$out")"
[[ -n "$job" ]] || { echo "no job id in: $out"; exit 1; }
grep -q -- "--array=0-3" "$tmp/slurm/slurm/array.sh" || { echo "expected 4 array tasks"; cat "$tmp/slurm/slurm/array.sh"; exit 1; }
for _ in $(seq 300); do
  [[ -z "$(squeue -h -j "$job" 2>/dev/null)" ]] && break
  sleep 1
done
[[ -z "$(squeue -h -j "$job" 2>/dev/null)" ]] || { echo "job $job did not end in 300 s"; exit 1; }
"$reshare" sweep --collect -o "$tmp/slurm" || { cat "$tmp/slurm/slurm/"task-*.log; exit 1; }

"$reshare" sweep "$tmp/spec.yaml" -o "$tmp/local" --jobs 2 2>/dev/null
diff "$tmp/slurm/results.csv" "$tmp/local/results.csv" || { echo "the Slurm and the local CSV differ"; exit 1; }
rows="$(tail -n +2 "$tmp/slurm/results.csv" | grep -c ',ok,run,face_recognition,real,.*,synthetic,,[0-9]*,[0-9]*,true,')"
((rows == 8)) || { echo "expected 8 ok bit-exact rows, got $rows"; cat "$tmp/slurm/results.csv"; exit 1; }

again="$("$reshare" sweep "$tmp/spec.yaml" -o "$tmp/slurm" --slurm --wait 2>&1)"
grep -q "8 points, 0 not done" <<<"$again" || { echo "a done sweep resubmitted: $again"; exit 1; }
grep -q "submitting" <<<"$again" && { echo "a done sweep resubmitted: $again"; exit 1; }
echo "slurm sweep ok (job $job)"
