#!/usr/bin/env bash
# The project's test command (README): installs dependencies if missing, builds the ASan+UBSan
# preset, runs every test with ctest, then a short fuzzing run of the configuration front end.
# Exits non-zero on any failure.
#   scripts/test.sh              everything
#   FUZZ_SECONDS=0 scripts/test.sh   skip the fuzzing run
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh

jobs=$(nproc)
cmake --preset asan
cmake --build --preset asan -j "$jobs"
# Sanitizer settings: fail on any report, leaks included.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:halt_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
ctest --preset asan -j "$jobs"

fuzz_seconds=${FUZZ_SECONDS:-60}
if [ "$fuzz_seconds" -gt 0 ] && [ -x scripts/fuzz.sh ]; then
  scripts/fuzz.sh "$fuzz_seconds"
fi
