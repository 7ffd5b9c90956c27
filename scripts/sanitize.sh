#!/usr/bin/env bash
# Builds the whole project and its test suite with clang, AddressSanitizer and UndefinedBehaviorSanitizer into
# build-fuzz/ (the fuzzers' build: -DRESHARE_FUZZ=ON instruments the whole tree) and runs the suite there, every
# `reshare` the tests start included. Any sanitizer report fails its test: UBSan halts on the first one, ASan always
# does. CI runs it (it also shows the code builds with clang); scripts/fuzz.sh then reuses the build.
#
# The install test is left out: the package it installs is instrumented, the separate project that links it is not.
# --quick (CI's) also leaves out the tests that run whole networks through several `reshare` processes (sweeps,
# figures, Slurm, cr2's learning runs, the golden compare, the external executors' agreement): under the sanitizers
# each takes 1.5 to 5 minutes, 35 minutes in all on 2 cores, and they run the code the others run, on more data.
# Usage: scripts/sanitize.sh [--quick] [ctest arguments, e.g. -R onnx]
set -euo pipefail
skip='^install: '
if [[ "${1:-}" == --quick ]]; then
  shift
  skip+='|^slurm: |^cli: sweep runs|^cli: figures|^cli: cr2 |^golden: the compare report|onnxruntime$|TF\.js$'
  skip+='|^inference: ssd_mobilenetv1 backbone|^cli: run computes face_recognition|^cli: run checks sme'
  skip+='|^real: every scheme is exact on face_recognition|^cli: compare '
fi
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
command -v clang++ >/dev/null || { echo "${0##*/}: needs clang (apt-get install clang)" >&2; exit 1; }
cmake -S "$root" -B "$root/build-fuzz" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++ \
  -DRESHARE_FUZZ=ON -DBUILD_TESTING=ON >/dev/null
cmake --build "$root/build-fuzz" -j "${RESHARE_BUILD_JOBS:-$(nproc)}"
# Leaks: a simulation's platform is never destroyed, on purpose (testbench/chip_run.cpp: SystemC elaborates once
# per process, and tearing a chip down costs O(n^2)); tests/sanitize/lsan.supp names it and nothing else.
export ASAN_OPTIONS="detect_stack_use_after_return=0:abort_on_error=0:${ASAN_OPTIONS:-}"
export LSAN_OPTIONS="suppressions=$root/tests/sanitize/lsan.supp:print_suppressions=0:${LSAN_OPTIONS:-}"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:${UBSAN_OPTIONS:-}"
ctest --test-dir "$root/build-fuzz" -j "$(nproc)" --output-on-failure -E "$skip" "$@"
