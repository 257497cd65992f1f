#!/usr/bin/env bash
# Steady-state cost of VRRP: N instances (advert_int 1) on a master and a backup director,
# vigild pair and keepalived pair in turn on the same namespace lab. Reports CPU milliseconds (on
# CPU of every thread of the daemon's processes, from schedstat, over the measuring window) and
# resident memory per director: the sum of VmHWM (peak RSS) of the daemon's processes, and the sum
# of their Pss at the end of the window (proportional set size: a page shared by keepalived's
# forked processes, or with other programs, counts once in total, not once per process).
#
#   sudo tests/bench/vrrp_idle_bench.sh [--vigild PATH] [--keepalived PATH] [-s SECONDS] [N...]
# Defaults: 60 s, N = 1 50 200. Without --vigild, vigild is built in build/bench (Release).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
vigild="" keepalived=$(command -v keepalived || echo /usr/sbin/keepalived) seconds=60 counts=()
while (($#)); do
  case $1 in
    --vigild) vigild=$2; shift 2 ;;
    --keepalived) keepalived=$2; shift 2 ;;
    -s) seconds=$2; shift 2 ;;
    -h|--help) sed -n '2,10p' "$0"; exit 0 ;;
    *) counts+=("$1"); shift ;;
  esac
done
((${#counts[@]})) || counts=(1 50 200)
[ "$(id -u)" -eq 0 ] || { echo "bench: needs root" >&2; exit 1; }
. "$root/tests/integration/lab.sh"
[ -n "$vigild" ] || vigild=$(release_vigild "$root")
lab_start d1 d2

conf() {  # conf HOST PRIORITY N
  local i
  for ((i = 1; i <= $3; i++)); do
    cat <<CONF
vrrp_instance VI_$i {
  interface eth0
  virtual_router_id $i
  priority $2
  advert_int 1
  virtual_ipaddress {
    10.78.$((i / 250)).$((i % 250 + 1))/32
  }
}
CONF
  done >"$work/$1.conf"
}

# cpu_ns HOST: nanoseconds on CPU of every thread of every process in HOST's namespace
# (/proc/PID/task/TID/schedstat, exact, unlike the 10 ms ticks of /proc/PID/stat).
cpu_ns() {
  local t=0 p f
  for p in $(ip netns pids "$(lab_ns "$1")"); do
    for f in /proc/"$p"/task/*/schedstat; do
      t=$((t + $(cut -d' ' -f1 "$f" 2>/dev/null || echo 0)))
    done
  done
  echo "$t"
}
# sum_kb HOST FILE FIELD: FIELD (kB) of /proc/PID/FILE summed over HOST's processes.
sum_kb() {
  local m=0 p
  for p in $(ip netns pids "$(lab_ns "$1")"); do
    m=$((m + $(awk -v f="$3:" '$1 == f {print $2}' "/proc/$p/$2" 2>/dev/null || echo 0)))
  done
  echo "$m"
}
hwm_kb() { sum_kb "$1" status VmHWM; }
pss_kb() { sum_kb "$1" smaps_rollup Pss; }

measure() {  # measure IMPL N -> "cpu_m cpu_b hwm_m hwm_b pss_m pss_b"
  local impl=$1 n=$2 h
  conf d1 150 "$n"
  conf d2 100 "$n"
  for h in d1 d2; do
    rm -f "$work/$h".*pid
    if [ "$impl" = vigild ]; then
      ip netns exec "$(lab_ns "$h")" "$vigild" -n -f "$work/$h.conf" -p "$work/$h.pid" -G \
        >/dev/null 2>&1 &
    else
      ip netns exec "$(lab_ns "$h")" "$keepalived" -n -P -f "$work/$h.conf" -p "$work/$h.kpid" \
        -r "$work/$h.vpid" >/dev/null 2>&1 &
    fi
    LAB_PIDS+=("$!")
  done
  # Every instance elected (the last VIP is on d1), then the window.
  local last="10.78.$((n / 250)).$((n % 250 + 1))"
  wait_for 30 has_vip d1 "$last" || echo "bench: $impl N=$n: not all instances master" >&2
  sleep 6  # takeover announcements done
  local c1 c2
  c1=$(cpu_ns d1) c2=$(cpu_ns d2)
  sleep "$seconds"
  echo "$(( $(cpu_ns d1) - c1 )) $(( $(cpu_ns d2) - c2 )) $(hwm_kb d1) $(hwm_kb d2)" \
    "$(pss_kb d1) $(pss_kb d2)" |
    awk '{printf "%.1f %.1f %.1f %.1f %.1f %.1f\n", $1/1e6, $2/1e6, $3/1024, $4/1024, $5/1024, $6/1024}'
  for h in d1 d2; do ip netns pids "$(lab_ns "$h")" | xargs -r kill -9 2>/dev/null || true; done
  sleep 1
  on d1 ip addr flush dev eth0 to 10.78.0.0/16 2>/dev/null || true
  on d2 ip addr flush dev eth0 to 10.78.0.0/16 2>/dev/null || true
}

echo "window ${seconds}s; CPU ms, peak RSS MB and PSS MB, each master/backup"
printf '%-5s %-16s %-16s %-12s %-12s %-12s %-12s\n' N "vigild cpu" "keepalived cpu" \
  "vigild HWM" "kad HWM" "vigild PSS" "kad PSS"
for n in "${counts[@]}"; do
  read -r vc1 vc2 vr1 vr2 vp1 vp2 < <(measure vigild "$n")
  read -r kc1 kc2 kr1 kr2 kp1 kp2 < <(measure keepalived "$n")
  printf '%-5s %-16s %-16s %-12s %-12s %-12s %-12s\n' "$n" "$vc1/$vc2" "$kc1/$kc2" "$vr1/$vr2" \
    "$kr1/$kr2" "$vp1/$vp2" "$kp1/$kp2"
done
