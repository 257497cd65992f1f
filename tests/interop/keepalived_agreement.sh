#!/bin/bash
# Agreement with Debian's keepalived 2.2.7: `keepalived -t -f F` and `vigild -t -f F` must give
# the same class of exit code (0 clean, 5 configuration error, 6 script security) for every
# Debian sample, every parser corpus case and every host-check case (tests/interop/host_cases,
# whose first line `! exit N` states keepalived's measured exit code). They run in a private network namespace with the
# interfaces the samples name (eth0..eth3, two veth pairs), so host checks see the same host.
#
# A corpus case whose .expected has a `# stricter: reason` line is one where vigil deliberately
# differs: keepalived is not run on it (it may loop or exhaust memory) and vigild must give the
# .expected exit code.
#
# usage: keepalived_agreement.sh VIGILD [CORPUS_DIR [SAMPLES_DIR [HOST_CASES_DIR]]]
# Exit: 0 all agree, 1 disagreement, 77 skipped (not root, no keepalived, no namespaces).
set -u

readonly SKIP=77
vigild=${1:?usage: $0 VIGILD [CORPUS_DIR [SAMPLES_DIR]]}
corpus=${2:-$(dirname "$0")/../parser/data/corpus}
samples=${3:-/usr/share/doc/keepalived/samples}
host_cases=${4:-$(dirname "$0")/host_cases}
timeout_s=${AGREEMENT_TIMEOUT:-20}

skip() {
  echo "SKIP: $*"
  exit "$SKIP"
}

[ "$(id -u)" -eq 0 ] || skip "needs root (network namespace)"
command -v keepalived >/dev/null || skip "keepalived is not installed"
command -v ip >/dev/null || skip "iproute2 is not installed"
[ -x "$vigild" ] || { echo "FAIL: vigild not found at $vigild"; exit 1; }

ns="vigil-agree-$$"
ip netns add "$ns" 2>/dev/null || skip "cannot create a network namespace"
cleanup() { ip netns delete "$ns" 2>/dev/null; }
trap cleanup EXIT
ip -n "$ns" link set lo up
ip -n "$ns" link add eth0 type veth peer name eth1 || skip "veth not available"
ip -n "$ns" link add eth2 type veth peer name eth3 || skip "veth not available"

# keepalived exits 4 when a configuration error is fatal while parsing (e.g. an unknown interface
# in linkbeat_interfaces) and 5 for the errors -t collects; both are "configuration error".
class_of() {
  case "$1" in
    0) echo 0 ;;
    4 | 5) echo 5 ;;
    6) echo 6 ;;
    124 | 137) echo timeout ;;
    *) echo "other($1)" ;;
  esac
}

run_in_ns() {
  # Memory is capped so that a runaway expansion cannot take the machine down. A sanitized
  # binary reserves terabytes of address space for its shadow memory, so an address-space limit
  # would kill it at start: cap its resident set through the sanitizer instead.
  if grep -qa __asan_init "$(command -v "$1")"; then
    ip netns exec "$ns" env ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}hard_rss_limit_mb=4000" \
      timeout "$timeout_s" "$@" >/dev/null 2>&1
  else
    ip netns exec "$ns" prlimit --as=4000000000 timeout "$timeout_s" "$@" >/dev/null 2>&1
  fi
  echo $?
}

failures=0
checked=0

check_file() {
  local file=$1 expected_file=$2
  local stricter="" expected_exit=""
  if [ -n "$expected_file" ] && [ -f "$expected_file" ]; then
    stricter=$(grep -m1 '^# stricter:' "$expected_file" | sed 's/^# stricter: *//')
    expected_exit=$(grep -m1 '^exit ' "$expected_file" | awk '{print $2}')
  else
    expected_exit=$(head -n1 "$file" | sed -n 's/^! exit \([0-9]\).*/\1/p')
    [ -n "$expected_exit" ] && expected_exit=$(class_of "$expected_exit")
  fi
  local v k
  v=$(class_of "$(run_in_ns "$vigild" -t -f "$file")")
  checked=$((checked + 1))
  if [ -n "$stricter" ]; then
    if [ "$v" = "$expected_exit" ]; then
      echo "ok       $(basename "$file"): vigild $v (stricter than keepalived: $stricter)"
    else
      echo "MISMATCH $(basename "$file"): vigild $v, expected $expected_exit (stricter case)"
      failures=$((failures + 1))
    fi
    return
  fi
  k=$(class_of "$(run_in_ns keepalived -t -f "$file")")
  if [ "$v" = "$k" ] && { [ -z "$expected_exit" ] || [ "$expected_exit" = "$k" ]; }; then
    echo "ok       $(basename "$file"): $k"
  else
    echo "MISMATCH $(basename "$file"): keepalived $k, vigild $v${expected_exit:+, .expected $expected_exit}"
    failures=$((failures + 1))
  fi
}

shopt -s nullglob
for f in "$samples"/keepalived.conf.*; do
  case "$f" in *.gz) continue ;; esac
  check_file "$f" ""
done
for f in "$corpus"/*.conf; do
  check_file "$(readlink -f "$f")" "${f%.conf}.expected"
done
for f in "$host_cases"/*.conf; do
  check_file "$(readlink -f "$f")" ""
done

echo "$checked files, $failures disagreements"
[ "$checked" -gt 0 ] || { echo "FAIL: nothing checked"; exit 1; }
[ "$failures" -eq 0 ]
