#!/usr/bin/env bash
# Builds the whole project with clang into build-clang/ and runs the test suite there: the code must build and pass
# with both Debian compilers (gcc is scripts/build.sh's). CI runs it after the gcc suite.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
command -v clang++ >/dev/null || { echo "${0##*/}: needs clang (apt-get install clang)" >&2; exit 1; }
if [[ ! -f "$root/build-clang/build.ninja" ]]; then
  CC=clang CXX=clang++ cmake -S "$root" -B "$root/build-clang" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
fi
cmake --build "$root/build-clang" -j "${RESHARE_BUILD_JOBS:-$(nproc)}"
ctest --test-dir "$root/build-clang" -j "$(nproc)" --output-on-failure "$@"
