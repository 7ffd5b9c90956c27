#!/usr/bin/env bash
# Runs the whole test suite (building first if needed). Needs scripts/setup.sh to have run once.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$root/scripts/build.sh"
ctest --test-dir "$root/build" -j "$(nproc)" --output-on-failure "$@"
