#!/usr/bin/env bash
# The status endpoints with 10,000 real servers: how long a status request takes and how long it
# stalls vigild's event loop. One vigild (Release) in a network namespace runs a VRRP instance
# and -n virtual servers x -m real servers (default 100 x 100), each real server TCP_CHECKed
# every 10 s against a listener that answers on the whole 10.128.0.0/16 (a local route on lo).
# Once every checker has run, tests/bench/status_probe.py times GET /status.json and
# GET /metrics on the control socket while it measures the loop with back-to-back GET /healthz
# on the HTTP listener. vigild's own figure (vigil_status_snapshot_duration_seconds: the loop
# time spent copying the state per request) is printed too.
#   sudo tests/bench/status_bench.sh [-n 100] [-m 100] [-r 20] [--vigild DIR_WITH_BUILD]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
n=100 m=100 rounds=20 build=""
while [ $# -gt 0 ]; do
  case $1 in
    -n) n=$2; shift 2 ;;
    -m) m=$2; shift 2 ;;
    -r) rounds=$2; shift 2 ;;
    --build) build=$2; shift 2 ;;
    *) echo "usage: $0 [-n VS] [-m RS_PER_VS] [-r ROUNDS] [--build BUILD_DIR]"; exit 2 ;;
  esac
done
[ "$(id -u)" -eq 0 ] || { echo "needs root"; exit 1; }
if [ -z "$build" ]; then
  build=$root/build/bench
  cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DVIGIL_TESTS=OFF >/dev/null
  cmake --build "$build" --target vigild vigilctl >/dev/null
fi
vigild=$build/daemon/vigild
vigilctl=$build/ctl/vigilctl

ns=vigil-sbench-$$
work=$(mktemp -d)
cleanup() {
  [ -f "$work/vigild.pid" ] && kill "$(cat "$work/vigild.pid")" 2>/dev/null
  ip netns pids "$ns" 2>/dev/null | xargs -r kill -9 2>/dev/null || true
  ip netns del "$ns" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
ip netns add "$ns"
ip -n "$ns" link set lo up
ip -n "$ns" link add eth0 type veth peer name eth0p
ip -n "$ns" link set eth0p up
ip -n "$ns" addr add 10.0.0.1/24 dev eth0
ip -n "$ns" link set eth0 up
ip -n "$ns" route add local 10.128.0.0/16 dev lo

# The real servers: one listener for every address of the range, accepting and closing.
ip netns exec "$ns" /usr/bin/python3 -c '
import asyncio
async def main():
    async def handle(r, w):
        w.close()
    server = await asyncio.start_server(handle, "0.0.0.0", 8080, backlog=4096)
    await server.serve_forever()
asyncio.run(main())' &

/usr/bin/python3 - "$n" "$m" >"$work/k.conf" <<'PY'
import sys
n, m = int(sys.argv[1]), int(sys.argv[2])
print("global_defs {\n  router_id sbench\n}")
print("vrrp_instance VI_1 {\n  interface eth0\n  virtual_router_id 51\n  priority 150\n"
      "  advert_int 1\n  virtual_ipaddress {\n    10.0.0.100/24\n  }\n}")
for v in range(n):
    print(f"virtual_server 10.1.{v // 250}.{v % 250 + 1} 80 {{\n  delay_loop 10\n"
          "  lb_algo wrr\n  lb_kind NAT\n  protocol TCP")
    for r in range(m):
        i = v * m + r
        print(f"  real_server 10.128.{i // 250}.{i % 250 + 1} 8080 {{\n    weight 1\n"
              "    TCP_CHECK {\n      connect_timeout 3\n    }\n  }")
    print("}")
PY
total=$((n * m))
echo "$n virtual servers x $m real servers = $total real servers ($(wc -l <"$work/k.conf") lines)"
ip netns exec "$ns" "$vigild" -n -f "$work/k.conf" -p "$work/vigild.pid" \
  --status-http=127.0.0.1:18280 >"$work/vigild.log" 2>&1 &
q() { "$vigilctl" -s "$work/vigild.sock" status --json | /usr/bin/python3 -c "import json,sys; s=json.load(sys.stdin); print($1)"; }
for _ in $(seq 120); do
  [ -S "$work/vigild.sock" ] && [ "$(q "s['checkers']['stats']['probes_started'] >= $total" 2>/dev/null)" = True ] && break
  sleep 1
done
[ "$(q "s['checkers']['stats']['probes_started'] >= $total")" = True ] || {
  echo "not every checker ran within 120 s"; tail "$work/vigild.log"; exit 1; }
echo "every checker has run; real servers up: $(q "sum(r['alive'] for v in s['checkers']['virtual_servers'] for r in v['real_servers'])")"
ip netns exec "$ns" /usr/bin/python3 "$here/status_probe.py" "$work/vigild.sock" 18280 \
  "$(cat "$work/vigild.pid")" "$rounds"
"$vigilctl" -s "$work/vigild.sock" metrics | /usr/bin/python3 -c '
import sys
v = {}
for line in sys.stdin:
    if line.startswith("vigil_status_snapshot_duration_seconds"):
        name, value = line.rsplit(" ", 1)
        v[name] = float(value)
s, c = v["vigil_status_snapshot_duration_seconds_sum"], v["vigil_status_snapshot_duration_seconds_count"]
print(f"vigild: {int(c)} snapshots, mean {s / c * 1000:.2f} ms of event loop time each")
for k in sorted(x for x in v if "_bucket" in x):
    print("  ", k.split("{")[1].rstrip("}"), int(v[k]))'
time_one() {
  local start end
  start=$(date +%s%N)
  "$vigilctl" -s "$work/vigild.sock" "$@" >/dev/null
  end=$(date +%s%N)
  echo "$(( (end - start) / 1000000 )) ms"
}
echo "vigilctl status --json: $(time_one status --json); vigilctl status: $(time_one status); vigilctl metrics: $(time_one metrics)"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg) (2 cores)"
echo "vigild RSS: $(awk '/VmRSS/ {print $2 / 1024 " MB"}' "/proc/$(cat "$work/vigild.pid")/status")"
