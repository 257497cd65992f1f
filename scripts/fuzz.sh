#!/usr/bin/env bash
# Builds the libFuzzer target for the configuration front end with clang and fuzzes it.
#   scripts/fuzz.sh [SECONDS]      fuzz for SECONDS (default 60; 0 = only replay the corpus)
# Environment:
#   FUZZ_BUILD_DIR   build directory (default build/fuzz)
#   FUZZ_MAX_LEN     largest input libFuzzer generates (default 16384 bytes)
#   FUZZ_FRESH=1     forget the corpus grown by earlier runs and start from the seeds again
#   FUZZ_ARGS        extra libFuzzer flags, e.g. FUZZ_ARGS="-jobs=4 -workers=4", or
#                    FUZZ_ARGS="-fork=2 -ignore_crashes=1" to collect every finding in one run
#
# The working corpus (build/fuzz/corpus) is a copy: keepalived's sample configurations, our own
# seeds (tests/fuzz/seeds) and every saved reproducer (tests/fuzz/regressions), plus whatever
# earlier runs added. Exits non-zero if anything crashes, leaks, hangs (-timeout) or exceeds the
# memory limit; the reproducer is left in build/fuzz/artifacts/ — copy it to
# tests/fuzz/regressions/ once the bug is understood, so it is replayed on every run.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

seconds=${1:-60}
build=${FUZZ_BUILD_DIR:-$root/build/fuzz}
max_len=${FUZZ_MAX_LEN:-16384}
samples=/usr/share/doc/keepalived/samples

cmake -S "$root" -B "$build" -G Ninja -DCMAKE_CXX_COMPILER=clang++ -DVIGIL_FUZZ=ON \
  -DVIGIL_TESTS=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" --target config_fuzzer
fuzzer=$build/tests/fuzz/config_fuzzer

corpus=$build/corpus
artifacts=$build/artifacts
if [ "${FUZZ_FRESH:-0}" = 1 ]; then rm -rf "$corpus"; fi
mkdir -p "$corpus" "$artifacts"
# Seeds: keepalived's samples (only the configuration files, not the helper scripts), ours, and
# the regressions. Names are prefixed so that a seed never overwrites a libFuzzer-named entry.
if [ -d "$samples" ]; then
  for f in "$samples"/keepalived.conf*; do
    if [ -f "$f" ]; then cp "$f" "$corpus/sample-$(basename "$f")"; fi
  done
else
  echo "fuzz: $samples not found (install keepalived); fuzzing from our seeds only" >&2
fi
for dir in seeds regressions; do
  for f in "$root/tests/fuzz/$dir"/*; do
    if [ -f "$f" ]; then cp "$f" "$corpus/$dir-$(basename "$f")"; fi
  done
done

# Any report aborts the run: leaks (libFuzzer enables LeakSanitizer), UBSan (the target is built
# with -fno-sanitize-recover), ASan.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:halt_on_error=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

# Remove artifacts of earlier runs so that only this run's findings decide the exit status.
rm -f "$artifacts"/crash-* "$artifacts"/leak-* "$artifacts"/timeout-* "$artifacts"/oom-* \
  "$artifacts"/slow-unit-*

# -runs=0 with max_total_time=0 replays the corpus once; otherwise libFuzzer stops after
# -max_total_time seconds.
time_args=(-max_total_time="$seconds")
if [ "$seconds" -eq 0 ]; then time_args=(-runs=0); fi

status=0
# shellcheck disable=SC2086  # FUZZ_ARGS is a list of flags
"$fuzzer" "${time_args[@]}" -max_len="$max_len" -timeout=5 -rss_limit_mb=2048 \
  -dict="$root/tests/fuzz/keepalived.dict" -artifact_prefix="$artifacts/" \
  -print_final_stats=1 ${FUZZ_ARGS:-} "$corpus" || status=$?

findings=$(find "$artifacts" -maxdepth 1 -type f \
  \( -name 'crash-*' -o -name 'leak-*' -o -name 'timeout-*' -o -name 'oom-*' \) | sort)
if [ "$status" -ne 0 ] || [ -n "$findings" ]; then
  echo "fuzz: FAILED (libFuzzer exit status $status)" >&2
  for f in $findings; do
    echo "fuzz: reproducer $f — replay with: $fuzzer $f" >&2
  done
  exit 1
fi
echo "fuzz: no findings in ${seconds}s; corpus $(find "$corpus" -type f | wc -l) inputs"
