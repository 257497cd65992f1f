#!/usr/bin/env bash
# Steady-state cost of the health checkers: T real servers with TCP_CHECK and H with HTTP_GET
# (url with a digest), delay_loop 1, against nginx on the loopback of a namespace, checked by
# vigild -C and then by keepalived -C with the same file. Reports, over the window: CPU seconds
# per minute (schedstat, every thread) and peak RSS (VmHWM) of vigild and of keepalived's
# checker process (and its parent), and the probes each made per second (nginx's counters), so
# that both did the same work.
#
#   sudo tests/bench/checkers_bench.sh [--vigild PATH] [--keepalived PATH] [-s SECONDS]
#                                      [-w WARMUP] [-t TCP] [-H HTTP] [--vigild-only]
#                                      [--logs DIR] [-k RUNS]
# Defaults: 60 s window after 15 s, 1000 TCP_CHECK + 1000 HTTP_GET, one run; -k: RUNS runs
# (every other one starting with keepalived) and the median CPU ratio. Without --vigild, vigild
# is built in build/bench (Release); --logs keeps the daemons' logs (-l) and the file in DIR.
# Never part of the tests.
#
# keepalived's checker process exits at start-up when the kernel has no IPVS ("IPVS: Can't
# initialize ipvs": the generic netlink family and the IPVS socket options are missing and
# modprobe ip_vs fails). On such a kernel the script preloads tests/bench/fake_ipvs.c into
# keepalived (built with cc), which answers the IPVS socket options as an empty table and
# accepts every change without doing it; vigild runs as it is (it checks without IPVS and says
# once that it cannot program it). In steady state, with every real server healthy, neither
# touches IPVS. Where ip_vs is available (e.g. the qemu guest, checkers_bench_vm.sh) both
# program the kernel and nothing is preloaded.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
vigild="" keepalived=$(command -v keepalived || echo /usr/sbin/keepalived)
seconds=60 warmup=15 tcp=1000 http=1000 vigild_only=0 logs="" runs=1
while (($#)); do
  case $1 in
    --vigild) vigild=$2; shift 2 ;;
    --keepalived) keepalived=$2; shift 2 ;;
    -s) seconds=$2; shift 2 ;;
    -w) warmup=$2; shift 2 ;;
    -t) tcp=$2; shift 2 ;;
    -H) http=$2; shift 2 ;;
    --vigild-only) vigild_only=1; shift ;;
    --logs) logs=$2; shift 2 ;;
    -k) runs=$2; shift 2 ;;
    -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
    *) echo "bench: unknown argument $1" >&2; exit 1 ;;
  esac
done
[ "$(id -u)" -eq 0 ] || { echo "bench: needs root" >&2; exit 1; }
command -v nginx >/dev/null || { echo "bench: needs nginx (scripts/install-deps.sh)" >&2; exit 1; }
. "$root/tests/integration/lab.sh"
[ -n "$vigild" ] || vigild=$(release_vigild "$root")
lab_start d1
if [ -n "$logs" ]; then
  mkdir -p "$logs"
  trap 'cp "$work"/*.log "$work/bench.conf" "$logs/" 2>/dev/null; lab_down; rm -rf "$work"' EXIT
fi
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true  # 2,000 probes and nginx's sockets

ipvs_available() {
  [ -e /proc/net/ip_vs ] && return 0
  command -v modprobe >/dev/null && modprobe ip_vs 2>/dev/null && [ -e /proc/net/ip_vs ]
}
preload=""
if ((vigild_only == 0)) && ! ipvs_available; then
  command -v cc >/dev/null || { echo "bench: no IPVS and no cc for fake_ipvs.c" >&2; exit 1; }
  cc -shared -fPIC -O2 -o "$work/fake_ipvs.so" "$here/fake_ipvs.c" -ldl
  preload=$work/fake_ipvs.so
  echo "bench: this kernel has no IPVS: keepalived runs with fake_ipvs.so preloaded" >&2
fi

# nginx on the namespace's loopback: HTTP on port 80, plain TCP connections on 81, its counters
# (stub_status) on 127.0.0.1:8081.
mkdir -p "$work/www" "$work/tmp"
echo "vigil bench health page" >"$work/www/health.txt"
digest=$(md5sum <"$work/www/health.txt" | cut -d' ' -f1)
cat >"$work/nginx.conf" <<CONF
daemon off;
worker_processes 1;
user root;
pid $work/nginx.pid;
error_log $work/nginx-error.log crit;
worker_rlimit_nofile 16384;
events { worker_connections 8192; }
http {
  access_log off;
  client_body_temp_path $work/tmp;
  proxy_temp_path $work/tmp;
  fastcgi_temp_path $work/tmp;
  uwsgi_temp_path $work/tmp;
  scgi_temp_path $work/tmp;
  server { listen 80 backlog=4096; listen 81 backlog=4096; root $work/www; }
  server { listen 127.0.0.1:8081; location / { stub_status; } }
}
CONF
on d1 nginx -p "$work" -c "$work/nginx.conf" -e "$work/nginx-error.log" &
LAB_PIDS+=("$!")
disown  # no "Killed" line when lab_down ends it
wait_for 10 on d1 bash -c 'exec 3<>/dev/tcp/127.0.0.1/8081' || { echo "bench: nginx" >&2; exit 1; }

# 50 real servers per virtual server; real servers on 127.1.x.y (HTTP) and 127.2.x.y (TCP).
per_vs=50
{
  emit() {  # emit KIND COUNT NET PORT
    local kind=$1 count=$2 net=$3 port=$4 i
    for ((i = 0; i < count; i++)); do
      if ((i % per_vs == 0)); then
        ((i == 0)) || echo "}"
        echo "virtual_server 10.20.$net.$((i / per_vs + 1)) 80 {
  delay_loop 1
  lb_algo rr
  lb_kind NAT
  protocol TCP"
      fi
      echo "  real_server 127.$net.$((i / 250)).$((i % 250 + 1)) $port {"
      if [ "$kind" = http ]; then
        echo "    HTTP_GET {
      url {
        path /health.txt
        digest $digest
      }
      connect_timeout 2
      retry 1
      delay_before_retry 1
    }"
      else
        echo "    TCP_CHECK {
      connect_timeout 2
      retry 1
      delay_before_retry 1
    }"
      fi
      echo "  }"
    done
    ((count == 0)) || echo "}"
  }
  emit http "$http" 1 80
  emit tcp "$tcp" 2 81
} >"$work/bench.conf"

cpu_ns() {  # every thread of the given processes
  local t=0 p f
  for p in "$@"; do
    for f in /proc/"$p"/task/*/schedstat; do
      t=$((t + $(cut -d' ' -f1 "$f" 2>/dev/null || echo 0)))
    done
  done
  echo "$t"
}
hwm_kb() { awk '/VmHWM/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }
# pss_kb PID: the process's proportional set size now: its private pages plus its share of the
# pages it maps with other processes (shared libraries, and keepalived's checker's copy-on-write
# pages of its parent), so that the PSS of several processes adds up to what they cost together.
pss_kb() { awk '/^Pss:/ {print $2}' "/proc/$1/smaps_rollup" 2>/dev/null || echo 0; }
# user_ticks PID: user-mode CPU of the process (all threads), in clock ticks (/proc/PID/stat:
# the fields after the command name, utime is the 12th); the rest of its CPU is the kernel's,
# mostly TCP on the loopback (the handshakes and closes of nginx's side are processed in the
# connecting process's context).
user_ticks() { sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | awk '{print $12}' || echo 0; }
# nginx's accepted connections and HTTP requests so far.
counters() {
  on d1 bash -c 'exec 3<>/dev/tcp/127.0.0.1/8081; printf "GET / HTTP/1.0\r\n\r\n" >&3; cat <&3' |
    awk '/^ *[0-9]+ +[0-9]+ +[0-9]+ *$/ {print $1, $3}'
}

# measure IMPL -> "cpu_s_per_min rss_mb parent_cpu_s_per_min parent_rss_mb conn_per_s http_per_s
#                  user_s_per_min us_per_probe pss_mb parent_pss_mb"
measure() {
  local impl=$1 main parent="" pidfile
  rm -f "$work"/*.pid.d
  if [ "$impl" = vigild ]; then
    pidfile=$work/vigild.pid.d
    on d1 "$vigild" -n -C ${logs:+-l} -f "$work/bench.conf" -p "$pidfile" >"$work/vigild.log" 2>&1 &
  else
    pidfile=$work/checker.pid.d
    on d1 env ${preload:+LD_PRELOAD=$preload} "$keepalived" -n -C ${logs:+-l} -f "$work/bench.conf" \
      -p "$work/keepalived.pid.d" -c "$pidfile" >"$work/keepalived.log" 2>&1 &
  fi
  LAB_PIDS+=("$!")
  wait_for 20 test -s "$pidfile" || { echo "bench: $impl did not start" >&2; return 1; }
  main=$(cat "$pidfile")
  [ "$impl" = keepalived ] && parent=$(cat "$work/keepalived.pid.d")
  sleep "$warmup"
  kill -0 "$main" 2>/dev/null || { echo "bench: $impl's checker exited (see its log)" >&2; return 1; }
  local c0 p0 n0 u0 c1 p1 n1 u1
  c0=$(cpu_ns "$main") p0=$(cpu_ns $parent) n0=$(counters) u0=$(user_ticks "$main")
  sleep "$seconds"
  c1=$(cpu_ns "$main") p1=$(cpu_ns $parent) n1=$(counters) u1=$(user_ticks "$main")
  local rss prss=0 pss ppss=0
  rss=$(hwm_kb "$main") pss=$(pss_kb "$main")
  [ -n "$parent" ] && prss=$(hwm_kb "$parent") ppss=$(pss_kb "$parent")
  kill -TERM "${parent:-$main}" 2>/dev/null || true
  wait_for 20 sh -c "! kill -0 ${parent:-$main} 2>/dev/null" || kill -9 "${parent:-$main}" "$main" || true
  sleep 1
  read -r a0 r0 <<<"$n0"
  read -r a1 r1 <<<"$n1"
  awk -v c="$((c1 - c0))" -v p="$((p1 - p0))" -v s="$seconds" -v rss="$rss" -v prss="$prss" \
    -v a="$((a1 - a0))" -v r="$((r1 - r0))" -v u="$((u1 - u0))" -v hz="$(getconf CLK_TCK 2>/dev/null || echo 100)" \
    -v pss="$pss" -v ppss="$ppss" \
    'BEGIN {printf "%.2f %.1f %.2f %.1f %.0f %.0f %.2f %.1f %.1f %.1f\n", c/1e9*60/s, rss/1024, p/1e9*60/s,
            prss/1024, a/s, r/s, u/hz*60/s, a ? c/1e3/a : 0, pss/1024, ppss/1024}'
}

echo "checkers: $tcp TCP_CHECK + $http HTTP_GET (digest), delay_loop 1, window ${seconds}s after ${warmup}s"
row() { printf '%-20s %10s %11s %11s %9s %8s %14s %11s\n' "$@"; }
ratios=()
for ((run = 1; run <= runs; run++)); do
  ((runs == 1)) || echo "run $run of $runs"
  row "" "CPU s/min" "user s/min" "us/probe" "peak MB" "PSS MB" "connections/s" "requests/s"
  # Every other run starts with keepalived, so that a drift of the host's load over the runs
  # weighs on both daemons alike. (No process substitution: the VM guest has no /dev/fd.)
  order="vigild keepalived"
  ((vigild_only)) && order=vigild
  ((vigild_only == 0 && run % 2 == 0)) && order="keepalived vigild"
  for impl in $order; do
    result=$(measure "$impl")
    if [ "$impl" = vigild ]; then
      read -r vc vr _ _ va vh vu vp vs _ <<<"$result"
    else
      read -r kc kr pc pr ka kh ku kp ks ps <<<"$result"
    fi
  done
  row "vigild" "$vc" "$vu" "$vp" "$vr" "$vs" "$va" "$vh"
  ((vigild_only)) && continue
  row "keepalived checker" "$kc" "$ku" "$kp" "$kr" "$ks" "$ka" "$kh"
  printf '%-20s %10s %11s %11s %9s %8s\n' "keepalived parent" "$pc" "" "" "$pr" "$ps"
  awk -v v="$vc" -v k="$kc" -v vu="$vu" -v ku="$ku" -v vp="$vp" -v kp="$kp" -v vr="$vr" -v kr="$kr" \
    -v vs="$vs" -v ks="$ks" -v ps="$ps" \
    'BEGIN {printf "vigild/keepalived checker: CPU %.2fx, user CPU %.2fx, CPU per probe %.2fx, peak RSS %.2fx\n",
            v/k, vu/ku, vp/kp, vr/kr
            if (ks + ps > 0) printf "vigild/keepalived (checker + parent): PSS %.2fx\n", vs/(ks + ps)}'
  ratios+=("$(awk -v v="$vc" -v k="$kc" 'BEGIN {printf "%.2f", v/k}')")
done
if ((${#ratios[@]} > 1)); then
  printf '%s\n' "${ratios[@]}" | sort -n | awk '{r[NR] = $1; all = all " " $1}
    END {m = NR % 2 ? r[(NR + 1) / 2] : (r[NR / 2] + r[NR / 2 + 1]) / 2
         printf "vigild/keepalived checker CPU over %d runs: median %.2fx (sorted:%s)\n", NR, m, all}'
fi
