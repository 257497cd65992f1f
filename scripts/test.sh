#!/usr/bin/env bash
# The project's test command (README): installs dependencies if missing, builds the ASan+UBSan
# preset, runs every test with ctest, then a short fuzzing run of the configuration front end.
# Exits non-zero on any failure.
#   scripts/test.sh              everything
#   FUZZ_SECONDS=0 scripts/test.sh   skip the fuzzing run
set -euo pipefail
cd "$(dirname "$0")/.."

# Each phase's wall time goes to the log, to keep CI's 40-minute budget in view.
phase_start=$SECONDS
phase() { echo "test.sh: $1 took $((SECONDS - phase_start)) s"; phase_start=$SECONDS; }

scripts/install-deps.sh
phase "installing dependencies"

jobs=$(nproc)
cmake --preset asan
cmake --build --preset asan -j "$jobs"
phase "the ASan+UBSan build"
# Sanitizer settings: fail on any report, leaks included.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:halt_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
ctest --preset asan -j "$jobs"
phase "the tests"

fuzz_seconds=${FUZZ_SECONDS:-60}
if [ "$fuzz_seconds" -gt 0 ] && [ -x scripts/fuzz.sh ]; then
  scripts/fuzz.sh "$fuzz_seconds"
  phase "fuzzing (build and run)"
fi
