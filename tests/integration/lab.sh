# Sourced by the namespace tests: a switch namespace with a bridge and host namespaces joined to
# it by veth pairs (see ../shared/recipes/netns-lab.md). Every name carries the test's PID so
# parallel tests never collide; lab_down (trap EXIT) removes namespaces and processes.
#   lab_up HOST...            hosts get eth0 = 10.77.0.<n>/24 and fd77::<n>/64 in order (n from 1)
#   lab_ns HOST               the namespace name of HOST
#   on HOST CMD...            run CMD in HOST's namespace
#   wait_for SECONDS CMD...   poll CMD every 50 ms until it succeeds (1 on timeout)
#   has_vip HOST ADDR         ADDR is configured on one of HOST's interfaces (eth0 or a VMAC)

LAB_ID=${LAB_ID:-$$}
LAB_HOSTS=()
LAB_PIDS=()

lab_ns() { echo "vl${LAB_ID}-$1"; }
on() { local h=$1; shift; ip netns exec "$(lab_ns "$h")" "$@"; }

lab_up() {
  local sw; sw=$(lab_ns sw)
  ip netns add "$sw"
  ip -n "$sw" link add br0 type bridge
  ip -n "$sw" link set br0 up
  local n=0 h
  for h in "$@"; do
    n=$((n + 1))
    local ns; ns=$(lab_ns "$h")
    ip netns add "$ns"
    ip link add "v${LAB_ID}x$n" type veth peer name "e${LAB_ID}x$n"
    ip link set "v${LAB_ID}x$n" netns "$sw"
    ip link set "e${LAB_ID}x$n" netns "$ns"
    ip -n "$sw" link set "v${LAB_ID}x$n" master br0 up
    ip -n "$ns" link set "e${LAB_ID}x$n" name eth0
    ip -n "$ns" link set lo up
    ip -n "$ns" addr add "10.77.0.$n/24" dev eth0
    ip -n "$ns" addr add "fd77::$n/64" dev eth0 nodad
    ip -n "$ns" link set eth0 up
    LAB_HOSTS+=("$h")
  done
  # IPv6 link-local addresses need DAD to finish before they are usable as sources.
  for h in "$@"; do
    wait_for 5 sh -c "! ip -n $(lab_ns "$h") -6 addr show dev eth0 tentative | grep -q inet6"
  done
}

lab_down() {
  local p
  for p in "${LAB_PIDS[@]}"; do kill -9 "$p" 2>/dev/null || true; done
  local h
  for h in "${LAB_HOSTS[@]}" sw; do
    # Anything still running in the namespace (keepalived's children, scripts).
    ip netns pids "$(lab_ns "$h")" 2>/dev/null | xargs -r kill -9 2>/dev/null || true
    ip netns del "$(lab_ns "$h")" 2>/dev/null || true
  done
}

wait_for() {
  local limit=$1; shift
  local deadline=$((SECONDS + limit))
  while ! "$@" >/dev/null 2>&1; do
    [ "$SECONDS" -ge "$deadline" ] && return 1
    sleep 0.05
  done
}

# The listing is read whole before grep: with pipefail, `ip ... | grep -q` fails at random when
# grep exits at the first match and `ip`, still writing, dies of SIGPIPE.
has_vip() {
  local out
  out=$(on "$1" ip -o addr show) && grep -qw -- "$2" <<<"$out"
}

# For the lab tests: a work directory (removed with the lab on exit), the lab itself, and the
# shared verdict helpers. fail prints the tail of every log and notify record in the work dir.
lab_start() {
  work=$(mktemp -d)
  chmod 755 "$work"  # scripts there may run as another user
  trap 'lab_down; rm -rf "$work"' EXIT
  lab_up "$@"
}
fail() {
  echo "FAIL: $*"
  local f
  for f in "$work"/*.log "$work"/*.notify; do
    [ -e "$f" ] && { echo "---- $f"; tail -n 40 "$f"; }
  done
  exit 1
}
pass() { echo "ok: $*"; }

# For the benchmarks: builds a Release vigild in ROOT/build/bench and prints its path.
release_vigild() {
  cmake -S "$1" -B "$1/build/bench" -G Ninja -DCMAKE_BUILD_TYPE=Release -DVIGIL_TESTS=OFF >/dev/null
  cmake --build "$1/build/bench" --target vigild >/dev/null
  echo "$1/build/bench/daemon/vigild"
}
