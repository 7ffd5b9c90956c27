#!/usr/bin/env bash
# The ctest test "install: a separate CMake project finds and instantiates the model": installs the build tree into
# a temporary prefix, configures and builds tests/consumer against it (find_package(reshare CONFIG REQUIRED) through
# CMAKE_PREFIX_PATH only), runs it and checks that it printed "consumer ok". Removes its temporary directories, and
# leaves the build tree's install_manifest.txt as it found it.
# Usage: run.sh <reshare build dir> [config=Release] [cmake=cmake] [generator] [make program] [C++ compiler]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
build="$(cd "${1:?usage: run.sh <reshare build dir> [config] [cmake] [generator] [make program] [C++ compiler]}" && pwd)"
config="${2:-Release}"
cmake="${3:-cmake}"
generator="${4:-}"
make_program="${5:-}"
cxx="${6:-}"

tmp="$(mktemp -d "${TMPDIR:-/tmp}/reshare-consumer.XXXXXX")"
manifest="$build/install_manifest.txt"   # `cmake --install` (re)writes it
if [[ -f "$manifest" ]]; then cp -p "$manifest" "$tmp/install_manifest.saved"; fi
cleanup() {
  if [[ -f "$tmp/install_manifest.saved" ]]; then cp -p "$tmp/install_manifest.saved" "$manifest"; else rm -f "$manifest"; fi
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Runs a step quietly; on failure shows its output and fails the test.
step() {
  local name="$1"
  shift
  local start=$SECONDS
  if ! "$@" >"$tmp/$name.log" 2>&1; then
    echo "run.sh: $name failed: $*" >&2
    cat "$tmp/$name.log" >&2
    exit 1
  fi
  echo "run.sh: $name ok ($((SECONDS - start)) s)"
}

step install "$cmake" --install "$build" --prefix "$tmp/prefix" --config "$config"
# lib/ or lib64/ or lib/<multiarch>/, as GNUInstallDirs chose for the build's prefix.
package="$(find "$tmp/prefix" -path '*/cmake/reshare/reshareConfig.cmake' -print -quit)"
[[ -n "$package" && -f "$(dirname "$package")/reshareConfigVersion.cmake" ]] ||
  { echo "run.sh: the install has no cmake/reshare/reshareConfig.cmake + version file" >&2; exit 1; }
[[ -f "$tmp/prefix/include/reshare/hw/modules/accelerator.hpp" ]] ||
  { echo "run.sh: the install has no include/reshare/hw/modules/accelerator.hpp" >&2; exit 1; }

configure=("$cmake" -S "$here" -B "$tmp/build" -DCMAKE_BUILD_TYPE="$config" -DCMAKE_PREFIX_PATH="$tmp/prefix")
[[ -n "$generator" ]] && configure+=(-G "$generator")
[[ -n "$make_program" ]] && configure+=(-DCMAKE_MAKE_PROGRAM="$make_program")
[[ -n "$cxx" ]] && configure+=(-DCMAKE_CXX_COMPILER="$cxx")
step configure "${configure[@]}"
step build "$cmake" --build "$tmp/build" --config "$config"

status=0
exe="$tmp/build/reshare_consumer"
[[ -x "$exe" ]] || exe="$tmp/build/$config/reshare_consumer"   # multi-config generators
plugin="$(find "$tmp/build" -name '*reshare_plugin.so' -print -quit)"
[[ -n "$plugin" ]] || { echo "run.sh: the build made no reshare_plugin.so" >&2; exit 1; }
photo="$here/../../.cache/face-api/package/demo/sample1.jpg"
out="$(SYSTEMC_DISABLE_COPYRIGHT_MESSAGE=1 "$exe" "$plugin" face_recognition "$photo" 2>&1)" || status=$?
echo "$out"
if ((status != 0)) || ! grep -qx "consumer ok" <<<"$out"; then
  echo "run.sh: the consumer failed (exit status $status)" >&2
  exit 1
fi
