# IPVS benchmark in the guest (tests/bench/ipvs_bench.sh builds the files in /vm/bench): for
# keepalived and vigild in turn, on the same kernel in the same boot,
#   push     start -> the whole table in the kernel (N x M), wall time and CPU seconds
#   reload   SIGHUP with one destination's weight changed -> the change in the kernel, wall time,
#            CPU seconds (SIGHUP until 2 s after the change) and the kernel's count of IPVS
#            operations it took
#   big      the same reload at the size of keepalived issue #2318, with a VRRP instance as
#            master and a vigild -P backup on a veth: any VRRP state change during the reload is
#            counted
# CPU seconds: utime + stime of the daemon's processes (every thread, exited ones included),
# kernel work on their behalf included (IPVS commands run in the sender's context).
# Prints "BENCH name daemon wall_s cpu_s ops" lines for the host to collect.
. /vm/lib.sh
load_ipvs || { bad "cannot load ip_vs"; finish; exit; }
modprobe veth || true
ops_reset || true
b=/vm/bench
w=/tmp/bench
mkdir -p "$w"
repeat=${BENCH_REPEAT:-1}

# cpu_ns NAME: nanoseconds on CPU of every process called NAME, from utime + stime of
# /proc/PID/stat (clock ticks of 10 ms): unlike the threads' schedstat it keeps the time of
# threads that have exited (vigild parses a reload and reads the IPVS table on short-lived
# worker threads).
cpu_ns() {
  t=0
  for p in $(pidof "$1"); do
    ticks=$(awk '{print $14 + $15}' /proc/"$p"/stat 2>/dev/null) && t=$((t + ticks * 10000000))
  done
  echo "$t"
}
secs() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.3f", (b - a) / 100}'; }  # centiseconds
cpus() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.3f", (b - a) / 1e9}'; }     # nanoseconds
entries() { tail -n +4 /proc/net/ip_vs | wc -l; }
weight_of() {  # weight_of VIP:PORT RIP:PORT
  ipvsadm -Ln -t "$1" 2>/dev/null | awk -v r="$2" '$2 == r {print $4}'
}
dests_of() { ipvsadm -Ln -t "$1" 2>/dev/null | grep -c -- '->.*Masq'; }

# start_daemon DAEMON CONF [ARGS...]
start_daemon() {
  d=$1 conf=$2
  shift 2
  cp "$conf" "$w/k.conf"
  if [ "$d" = keepalived ]; then
    $KEEPALIVED -n -l -f "$w/k.conf" -p /run/kb.pid -c /run/kbc.pid -r /run/kbr.pid "$@" \
      >>"$w/keepalived.log" 2>&1 &
  else
    $VIGILD -n -l -f "$w/k.conf" -p /run/vb.pid "$@" >>"$w/vigild.log" 2>&1 &
  fi
  dpid=$!
}
stop_daemon() {
  stop_and_wait "$dpid" 120 || bad "$1 did not stop"
  ipvsadm -C
}

# An empty table in a freshly loaded ip_vs. A flush is not enough: deleted destinations stay
# in the kernel's destination trash for minutes (IP_VS_DEST_TRASH_PERIOD), and every add of a
# destination walks that list, so a push of 39,000 destinations right after another daemon's
# took 5x the kernel time of the same push on a fresh module (measured: 135 s of system time
# against 12 s), which penalised whichever daemon ran second. The ftrace filter names ip_vs
# functions, so it is set again after the reload (an empty filter would trace everything).
fresh_ipvs() {
  ipvsadm -C
  t=/sys/kernel/tracing
  [ -e $t/trace ] && echo nop >$t/current_tracer
  if modprobe -r ip_vs_wrr ip_vs 2>/dev/null; then
    load_ipvs || bad "cannot load ip_vs again"
  fi
  if [ -e $t/trace ]; then
    echo "$OPS_FUNCS" >$t/set_ftrace_filter && echo function >$t/current_tracer
  fi
}

# push NAME DAEMON CONF TOTAL LAST_VIP M: start and wait for the table
push() {
  name=$1 d=$2 conf=$3 total=$4 last=$5 m=$6
  shift 6
  fresh_ipvs
  c0=$(cpu_ns "$d")
  t0=$(now_cs)
  start_daemon "$d" "$conf" "$@"
  until [ "$(dests_of "$last")" -eq "$m" ] && [ "$(entries)" -eq "$total" ]; do
    sleep 0.02
    if [ $(($(now_cs) - t0)) -gt 60000 ]; then
      bad "$name $d: the table is not whole after 600 s ($(entries) of $total)"
      return 1
    fi
  done
  t1=$(now_cs)
  c1=$(cpu_ns "$d")
  echo "BENCH $name-push $d $(secs "$t0" "$t1") $(cpus "$c0" "$c1") -"
}

# reload NAME DAEMON CONF VIP RIP: SIGHUP with CONF, wait for RIP's weight 2
reload() {
  name=$1 d=$2 conf=$3 vip=$4 rip=$5
  sleep 2  # let start-up work (first checks, adverts) finish before measuring
  cp "$conf" "$w/k.conf"
  ops_reset
  c0=$(cpu_ns "$d")
  t0=$(now_cs)
  kill -HUP "$dpid"
  until [ "$(weight_of "$vip" "$rip")" = 2 ]; do
    sleep 0.01
    if [ $(($(now_cs) - t0)) -gt 60000 ]; then
      bad "$name $d: the changed weight is not in the kernel after 600 s"
      return 1
    fi
  done
  t1=$(now_cs)
  sleep 2
  c1=$(cpu_ns "$d")
  o=$(ops | tr ' ' ',')
  echo "BENCH $name-reload $d $(secs "$t0" "$t1") $(cpus "$c0" "$c1") $o"
}

# ---- -n x -m (default 1,000 x 4)
read -r vip rip <"$b/changed.txt"
total=$(cat "$b/total.txt")
last=$(cat "$b/last.txt")
per_vs=$(cat "$b/m.txt")  # real servers per virtual server (-m)
size=$(cat "$b/size.txt")  # "1000x4": -n x -m
for r in $(seq "$repeat"); do
  for d in keepalived vigild; do
    push "$size" "$d" "$b/base.conf" "$total" "$last" "$per_vs" -C || continue
    reload "$size" "$d" "$b/reload.conf" "$vip" "$rip"
    [ "$(entries)" -eq "$total" ] || bad "$d: $(entries) entries after the reload, not $total"
    stop_daemon "$d"
  done
done

# ---- issue #2318's size, with VRRP: master here (priority 150), a vigild -P backup in `peer`
if [ -f "$b/big.conf" ]; then
  ip link add vb0 type veth peer name vb1
  ip netns add peer
  ip link set vb1 netns peer
  ip addr add 192.168.77.1/24 dev vb0
  ip link set vb0 up
  ip -n peer addr add 192.168.77.2/24 dev vb1
  ip -n peer link set vb1 up
  ip -n peer link set lo up
  cat >/tmp/vrrp-notify.sh <<'SH'
#!/bin/sh
echo "$3" >>/tmp/vrrp.master.states
SH
  cat >/tmp/peer-notify.sh <<'SH'
#!/bin/sh
echo "$3" >>/tmp/vrrp.peer.states
SH
  chmod 755 /tmp/vrrp-notify.sh /tmp/peer-notify.sh
  cat >"$w/peer.conf" <<'CONF'
global_defs {
  script_user root
  enable_script_security
}
vrrp_instance VI_1 {
  interface vb1
  virtual_router_id 51
  priority 50
  advert_int 1
  notify /tmp/peer-notify.sh
  virtual_ipaddress {
    192.168.77.100/32
  }
}
CONF
  in_ns peer "$VIGILD" -n -l -P -f "$w/peer.conf" -p /run/peer.pid >"$w/peer.log" 2>&1 &
  peer=$!
  read -r bvip brip <"$b/big-changed.txt"
  btotal=$(cat "$b/big-total.txt")
  blast=$(cat "$b/big-last.txt")
  bm=$(cat "$b/big-m.txt")
  for d in keepalived vigild; do
    : >/tmp/vrrp.master.states
    push "2318" "$d" "$b/big.conf" "$btotal" "$blast" "$bm" || continue
    if ! wait_for 30 grep -qx MASTER /tmp/vrrp.master.states; then
      bad "$d: the VRRP instance did not become master"
    fi
    sleep 5  # the peer's backup state settles
    m0=$(wc -l </tmp/vrrp.master.states)
    p0=$(wc -l </tmp/vrrp.peer.states 2>/dev/null || echo 0)
    reload "2318" "$d" "$b/big-reload.conf" "$bvip" "$brip"
    sleep 4  # longer than Master_Down_Interval (3 x 1 s + skew): a stall would show
    m1=$(wc -l </tmp/vrrp.master.states)
    p1=$(wc -l </tmp/vrrp.peer.states 2>/dev/null || echo 0)
    echo "BENCH 2318-vrrp-transitions $d $((m1 - m0)) $((p1 - p0)) -"
    [ "$m1" -eq "$m0" ] && [ "$p1" -eq "$p0" ] || bad "$d: VRRP changed state during the reload"
    stop_daemon "$d"
  done
  stop_and_wait "$peer" 20 || true
fi
finish
