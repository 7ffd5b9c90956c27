#!/usr/bin/env bash
# Fuzzes every reader of outside data (tests/fuzz, docs/fuzzing.md): builds the libFuzzer harnesses with clang,
# ASan and UBSan into build-fuzz/, seeds each corpus from real files (the setup's layer images, configs/, face-api's
# TF.js manifests, NSFWJS's Keras model, the photos, the regression inputs of tests/regressions) and fuzzes each
# harness for SECONDS (default 60). A finding (a crash, a sanitizer report, an exception other than the project's
# Error, a timeout, an out-of-memory) leaves its input in build-fuzz/findings/HARNESS/ and makes the exit code 1.
# The corpora grow across runs in .cache/fuzz/corpus/HARNESS. FUZZ_SEED=N fixes libFuzzer's random seed, so a
# run from the same corpus mutates the same inputs in the same order (CI uses FUZZ_SEED=1).
#
#   scripts/fuzz.sh [SECONDS] [HARNESS...]     harnesses: layer_image config tfjs keras onnx image descriptor
#   scripts/fuzz.sh --ci                        CI: every seed and regression input once under the sanitizers,
#                                               no mutation (libFuzzer's runs here are not reproducible run to
#                                               run, and a finding must not appear at random in CI)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ci=0
if [ "${1:-}" = --ci ]; then ci=1; FUZZ_SEED=1; shift; set -- 30 "$@"; fi
seconds=${1:-60}
shift || true
harnesses=("$@")
[ ${#harnesses[@]} -gt 0 ] || harnesses=(layer_image config tfjs keras onnx image descriptor)
py=/usr/bin/python3   # Debian's, with python3-onnx (setup.sh)

cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++ -DRESHARE_FUZZ=ON \
  -DBUILD_TESTING=ON > /dev/null   # as scripts/sanitize.sh configures it: one build serves both
cmake --build build-fuzz --target "${harnesses[@]/#/fuzz_}"

seeds=build-fuzz/seeds
rm -rf "$seeds"
mkdir -p "$seeds"

# TF.js bundles: the manifest rewritten to one group whose one shard is shard.bin, then the separator, then the
# shards concatenated in the manifest's order (tests/fuzz/fuzz_input.hpp).
bundle() {   # bundle JSON_FILE OUT KIND (manifest | model)
  "$py" - "$1" "$2" "$3" <<'EOF'
import json, os, sys
src, out, kind = sys.argv[1:]
doc = json.load(open(src))
groups = doc["weightsManifest"] if kind == "model" else doc
shard = b"".join(open(os.path.join(os.path.dirname(src), p), "rb").read() for g in groups for p in g["paths"])
merged = [{"paths": ["shard.bin"], "weights": [w for g in groups for w in g["weights"]]}]
if kind == "model":
    doc["weightsManifest"] = merged
else:
    doc = merged
open(out, "wb").write(json.dumps(doc).encode() + b"\n--shard--\n" + shard)
EOF
}

seed() {   # seed HARNESS
  local dir=$seeds/$1
  mkdir -p "$dir"
  case $1 in
    layer_image)
      cp tests/regressions/layer-images/* "$dir/"
      for f in out/face_recognition-reshare/layer-00[0-4].rsl; do if [ -f "$f" ]; then cp "$f" "$dir/"; fi; done ;;
    config) cp configs/*.yaml "$dir/" ;;
    tfjs)
      for m in tiny_face_detector face_landmark_68_tiny; do
        bundle .cache/face-api/package/model/${m}_model-weights_manifest.json "$dir/$m" manifest
      done ;;
    keras)
      if [ -f .cache/nsfwjs/mobilenet_v2/model.json ]; then bundle .cache/nsfwjs/mobilenet_v2/model.json "$dir/nsfwjs" model; fi ;;
    onnx)
      # A small network of the ops the importer reads, written by the ONNX project's own helper.
      "$py" - "$dir/small.onnx" <<'EOF'
import sys, numpy as np, onnx
from onnx import helper as h, numpy_helper as nh, TensorProto as T
r = np.random.default_rng(1)
w = lambda n, *s: nh.from_array(r.standard_normal(s).astype(np.float32), n)
nodes = [h.make_node("Conv", ["x", "w1", "b1"], ["c1"], pads=[1, 1, 1, 1], strides=[2, 2]),
         h.make_node("Relu", ["c1"], ["r1"]),
         h.make_node("Conv", ["r1", "w2"], ["c2"], group=4, pads=[1, 1, 1, 1]),
         h.make_node("Clip", ["c2", "lo", "hi"], ["r2"]),
         h.make_node("Add", ["r1", "r2"], ["a"]),
         h.make_node("MaxPool", ["a"], ["p"], kernel_shape=[2, 2], strides=[2, 2]),
         h.make_node("GlobalAveragePool", ["p"], ["g"]),
         h.make_node("Flatten", ["g"], ["f"]),
         h.make_node("Gemm", ["f", "w3", "b3"], ["y"], transB=1)]
inits = [w("w1", 4, 3, 3, 3), w("b1", 4), w("w2", 4, 1, 3, 3), w("w3", 5, 4), w("b3", 5),
         nh.from_array(np.array(0, np.float32), "lo"), nh.from_array(np.array(6, np.float32), "hi")]
g = h.make_graph(nodes, "small", [h.make_tensor_value_info("x", T.FLOAT, [1, 3, 16, 16])],
                 [h.make_tensor_value_info("y", T.FLOAT, [1, 5])], inits)
onnx.save(h.make_model(g, opset_imports=[h.make_opsetid("", 13)]), sys.argv[1])
EOF
      cp tests/regressions/onnx/* "$dir/"
      # A real exported file: PaddleOCR's MobileNetV3 (hard-swish chains, squeeze-excitation, shape arithmetic).
      if [ -f .cache/ocr/ch_ppocr_mobile_v2.0_cls_infer.onnx ]; then cp .cache/ocr/ch_ppocr_mobile_v2.0_cls_infer.onnx "$dir/"; fi ;;
    image)
      cp tests/regressions/images/* "$dir/"
      cp .cache/photos/skimage/moon.png "$dir/" 2>/dev/null || true
      cp .cache/face-api/package/demo/*.jpg "$dir/" ;;
    descriptor) cp tests/regressions/descriptors/* "$dir/" ;;
    *) echo "fuzz.sh: unknown harness '$1' (layer_image config tfjs keras onnx image descriptor)" >&2; exit 2 ;;
  esac
}

status=0
summary=()
for h in "${harnesses[@]}"; do
  seed "$h"
  corpus=.cache/fuzz/corpus/$h findings=build-fuzz/findings/$h limit=-max_total_time=$seconds
  if [ $ci = 1 ]; then corpus=build-fuzz/ci-corpus/$h limit=-runs=0; rm -rf "$corpus"; fi
  mkdir -p "$corpus" "$findings"
  log=build-fuzz/fuzz_$h.log
  # Bounds: 10 s per input, 2 GiB resident, 1 GiB in one allocation; inputs up to 4 MiB (the Keras seed is 2.7 MB).
  if build-fuzz/tests/fuzz/fuzz_$h "$limit" -timeout=10 -rss_limit_mb=2048 -malloc_limit_mb=1024 \
       -max_len=4194304 ${FUZZ_SEED:+-seed=$FUZZ_SEED} -print_final_stats=1 -artifact_prefix="$findings/" "$corpus" "$seeds/$h" > "$log" 2>&1; then
    result=clean
  else
    result="FINDING (see $log and $findings/)"
    status=1
  fi
  runs=$(grep -o 'stat::number_of_executed_units: [0-9]*' "$log" | awk '{print $2}' | tail -1)
  summary+=("$h: ${runs:-?} executions$([ $ci = 1 ] || echo " in ${seconds} s"), corpus $(ls "$corpus" | wc -l) inputs: $result")
  echo "${summary[-1]}"
done
rm -rf /tmp/reshare-fuzz-*
printf '%s\n' "${summary[@]}" > build-fuzz/summary.txt
exit $status
