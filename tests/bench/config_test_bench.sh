#!/usr/bin/env bash
# Config-validation benchmark: `vigild -t -f gen.conf` beside `keepalived -t -f gen.conf` on one
# generated configuration (gen_config.py: N virtual servers x M real servers with HTTP_GET
# checks, plus VRRP instances), K timed runs each, interleaved. Prints medians of wall time, CPU
# time (user+sys) and peak RSS, and the ratios vigild/keepalived. See tests/bench/README.md.
#
#   tests/bench/config_test_bench.sh [-n N] [-m M] [-v V] [-k K] [--vigild PATH]
#                                    [--keepalived PATH] [--raw FILE] [--keep-config FILE]
#
# Needs root (a network namespace with eth0..eth3 so that both programs find the interfaces
# the file names), python3, /usr/bin/time (Debian package "time"), and keepalived.
# Without --vigild (or $VIGILD), builds vigild in build/bench (Release, no tests).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)

n=1000 m=10 v=4 k=5
vigild=${VIGILD:-}
keepalived=${KEEPALIVED:-$(command -v keepalived || echo /usr/sbin/keepalived)}
raw_out="" keep_config=""

usage() { sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; exit "${1:-0}"; }
while (($#)); do
  case $1 in
    -n) n=$2; shift 2 ;;
    -m) m=$2; shift 2 ;;
    -v) v=$2; shift 2 ;;
    -k) k=$2; shift 2 ;;
    --vigild) vigild=$2; shift 2 ;;
    --keepalived) keepalived=$2; shift 2 ;;
    --raw) raw_out=$2; shift 2 ;;
    --keep-config) keep_config=$2; shift 2 ;;
    -h|--help) usage 0 ;;
    *) echo "bench: unknown argument $1" >&2; usage 2 ;;
  esac
done
[[ $k =~ ^[1-9][0-9]*$ ]] || { echo "bench: -k needs a positive integer" >&2; exit 2; }

fail() { echo "bench: $*" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || fail "needs root (network namespace); run with sudo"
[ -x /usr/bin/time ] || fail "/usr/bin/time missing: apt-get install time (scripts/install-deps.sh)"
[ -x "$keepalived" ] || fail "keepalived not found: apt-get install keepalived"
command -v python3 >/dev/null || fail "python3 missing"

if [ -z "$vigild" ]; then
  build=$root/build/bench
  echo "bench: building vigild (Release) in $build" >&2
  # g++ 12 at -O3 reports a false -Wrestrict inside libstdc++'s std::string (GCC bug 105651);
  # keep it a warning so the optimised build the benchmark needs goes through.
  cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DVIGIL_TESTS=OFF \
    -DCMAKE_CXX_FLAGS=-Wno-error=restrict >/dev/null
  cmake --build "$build" --target vigild >/dev/null
  vigild=$build/daemon/vigild
fi
[ -x "$vigild" ] || fail "vigild not found at $vigild"

work=$(mktemp -d /tmp/vigil-bench.XXXXXX)
ns=vigil-bench-$$
cleanup() {
  ip netns del "$ns" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

conf=$work/gen.conf
python3 "$here/gen_config.py" -n "$n" -m "$m" -v "$v" -o "$conf"
if [ -n "$keep_config" ]; then cp "$conf" "$keep_config"; fi

# Both programs check that the interfaces a configuration names exist; give them eth0..eth3
# (veth pairs, up) in a namespace of their own so the host's interfaces play no part.
ip netns add "$ns"
ip -n "$ns" link set lo up
for i in 0 1 2 3; do
  ip -n "$ns" link add "eth$i" type veth peer name "eth${i}p"
  ip -n "$ns" link set "eth$i" up
  ip -n "$ns" link set "eth${i}p" up
done
in_ns() { ip netns exec "$ns" "$@"; }

# The comparison is only fair if both accept the file: keepalived must (the generator promises
# a valid file); vigild's verdict is reported, since a rejection can mean less work done.
krc=0
in_ns "$keepalived" -t -f "$conf" >"$work/keepalived.out" 2>&1 || krc=$?
if [ "$krc" -ne 0 ]; then
  head -20 "$work/keepalived.out" >&2
  fail "keepalived -t rejected the generated file (exit $krc); fix gen_config.py"
fi
vrc=0
in_ns "$vigild" -t -f "$conf" >"$work/vigild.out" 2>&1 || vrc=$?
if [ "$vrc" -ne 0 ]; then
  echo "bench: WARNING: vigild -t exit $vrc on a file keepalived accepts; first lines:" >&2
  head -10 "$work/vigild.out" >&2
fi

# How many processes each run is: /usr/bin/time reports the rusage that wait4() returns for its
# child, which covers the child and every descendant it waited for. CPU times are summed over
# them; ru_maxrss is the largest single process, not a sum. So count the processes (threads do
# not matter: they share one address space and their CPU time is the process's).
count_processes() {
  if ! command -v strace >/dev/null; then
    echo "?"
    return
  fi
  local log=$work/strace.$1
  in_ns strace -f -qq -e trace=clone,clone3,fork,vfork -o "$log" "${@:2}" >/dev/null 2>&1 || true
  # A new process is a fork/vfork or a clone without CLONE_THREAD; count those that succeeded.
  local forks
  forks=$(grep -E '(clone3?|v?fork)\(' "$log" | grep -v CLONE_THREAD | grep -cE '= [0-9]+$' || true)
  echo $((1 + forks))
}
kprocs=$(count_processes keepalived "$keepalived" -t -f "$conf")
vprocs=$(count_processes vigild "$vigild" -t -f "$conf")

# One timed run; appends "name wall_s maxrss_kb user_s sys_s" to the raw file.
raw=$work/raw.txt
: >"$raw"
timed_run() {
  local name=$1
  shift
  in_ns /usr/bin/time -o "$work/time.out" -f '%e %M %U %S' "$@" -t -f "$conf" \
    >/dev/null 2>&1 || true
  # time prefixes "Command exited with non-zero status N" when the program fails.
  echo "$name $(tail -n 1 "$work/time.out")" >>"$raw"
}

# One untimed run each to warm the page cache, then K runs each, alternating which goes first.
timed_run warmup "$keepalived"
timed_run warmup "$vigild"
: >"$raw"
for ((r = 1; r <= k; r++)); do
  if ((r % 2)); then
    timed_run keepalived "$keepalived"
    timed_run vigild "$vigild"
  else
    timed_run vigild "$vigild"
    timed_run keepalived "$keepalived"
  fi
done
if [ -n "$raw_out" ]; then cp "$raw" "$raw_out"; fi

lines=$(wc -l <"$conf")
bytes=$(wc -c <"$conf")
kver=$("$keepalived" -v 2>&1 | head -1 || true)  # keepalived gets SIGPIPE
vver=$("$vigild" -v 2>&1 | head -1 || true)

BENCH_N=$n BENCH_M=$m BENCH_V=$v BENCH_LINES=$lines BENCH_BYTES=$bytes \
  BENCH_KVER=$kver BENCH_VVER=$vver BENCH_KPROCS=$kprocs BENCH_VPROCS=$vprocs \
  BENCH_KRC=$krc BENCH_VRC=$vrc python3 "$here/summarize.py" "$raw"
