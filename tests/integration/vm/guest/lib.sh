# Sourced by the guest's suites (busybox sh).
#   load_ipvs                  loads IPVS (crc32c_generic first: libcrc32c needs the algorithm)
#   wait_for SECONDS CMD...    polls CMD every 0.1 s until it succeeds (1 on timeout)
#   table [NS]                 the IPVS table of the namespace (root without NS), ipvsadm -Sn sorted
#   ok MSG / bad MSG           one verdict line; bad counts a failure
#   finish                     exit status of the suite: 0 when nothing was bad
# Debian's busybox sh runs its own applets before PATH: iproute2's ip (netns) by its path.
ip() { /usr/bin/ip "$@"; }
# in_ns NS CMD...: CMD in network namespace NS as this very process (`in_ns ns cmd &` gives cmd's
# pid in $!; `ip netns exec` forks, so its pid would be ip's and a signal would miss the daemon).
in_ns() {
  n_s=$1
  shift
  exec nsenter --net="/run/netns/$n_s" "$@"
}
VIGILD=/usr/sbin/vigild
KEEPALIVED=/usr/sbin/keepalived
failures=0

load_ipvs() {
  modprobe crc32c_generic && modprobe ip_vs
}

wait_for() {
  limit=$1
  shift
  deadline=$(($(cut -d. -f1 /proc/uptime) + limit))
  until "$@" >/dev/null 2>&1; do
    [ "$(cut -d. -f1 /proc/uptime)" -ge "$deadline" ] && return 1
    sleep 0.1
  done
}

table() {
  if [ -n "${1:-}" ]; then
    ip netns exec "$1" ipvsadm -Sn | sort
  else
    ipvsadm -Sn | sort
  fi
}

ok() { echo "ok: $*"; }
bad() {
  echo "FAIL: $*"
  failures=$((failures + 1))
}
finish() {
  if [ "$failures" -eq 0 ]; then return 0; fi
  echo "$failures check(s) failed"
  return 1
}

# The time since boot in hundredths of a second.
now_cs() { awk '{printf "%d", $1 * 100}' /proc/uptime; }

# running PID: the process exists and has not exited (a child not yet reaped is a zombie).
running() { [ -e "/proc/$1" ] && ! grep -q ') Z ' "/proc/$1/stat" 2>/dev/null; }

# stop_and_wait PID SECONDS [SIGNAL]: signal it (TERM) and wait for the exit; the exit status of
# the child is then in $stopped_rc. 1 when it is still running after SECONDS (it is then killed).
stop_and_wait() {
  kill -"${3:-TERM}" "$1" 2>/dev/null
  if ! wait_for "$2" eval "! running $1"; then
    kill -9 "$1" 2>/dev/null
    wait "$1" 2>/dev/null
    return 1
  fi
  wait "$1" 2>/dev/null
  stopped_rc=$?
  return 0
}

# The kernel's own count of IPVS changes, by ftrace on the ip_vs functions that make them (each
# genl command ends in exactly one of them; ip_vs_unlink_service is a service deleted, by
# IPVS_CMD_DEL_SERVICE or a flush). ops_reset clears the count; ops prints
# "add_service=N edit_service=N del_service=N add_dest=N edit_dest=N del_dest=N".
OPS_FUNCS="ip_vs_add_service ip_vs_edit_service ip_vs_unlink_service ip_vs_add_dest ip_vs_edit_dest ip_vs_del_dest"
ops_reset() {
  t=/sys/kernel/tracing
  if [ ! -e $t/trace ]; then
    mount -t tracefs nodev $t || return 1
    echo "$OPS_FUNCS" >$t/set_ftrace_filter || return 1
    echo function >$t/current_tracer
  fi
  echo >$t/trace
}
ops() {
  tr=$(cat /sys/kernel/tracing/trace)
  out=""
  for f in $OPS_FUNCS; do
    c=$(printf '%s\n' "$tr" | grep -c " $f <-")
    name=${f#ip_vs_}
    [ "$name" = unlink_service ] && name=del_service
    out="$out $name=$c"
  done
  echo "${out# }"
}
