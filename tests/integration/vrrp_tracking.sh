#!/usr/bin/env bash
# Tracking on a live vigild pair: a check_nginx.sh track_script against a real web server
# demotes the master when the server stops and restores it when it returns; the instance's own
# interface going down puts it in FAULT; notify scripts get keepalived's arguments.
#   tests/integration/vrrp_tracking.sh VIGILD
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
vigild=${1:?usage: vrrp_tracking.sh VIGILD}
[ "$(id -u)" -eq 0 ] || { echo "skip: needs root"; exit 77; }
[ -x /usr/bin/python3 ] || { echo "skip: /usr/bin/python3 missing"; exit 77; }
. "$here/lab.sh"
lab_start d1 d2


install -m 755 "$root/scripts/check_nginx.sh" "$work/check_nginx.sh"
cat >"$work/notify.sh" <<'SH'
#!/bin/sh
echo "$*" >> "$(dirname "$0")/$NOTIFY_HOST.notify"
SH
chmod 755 "$work/notify.sh"

for n in 1 2; do
  prio=$((n == 1 ? 150 : 100))
  {
    cat <<CONF
global_defs {
  enable_script_security
  script_user root
}
CONF
    [ "$n" = 1 ] && cat <<CONF
vrrp_script chk_web {
  script "$work/check_nginx.sh 127.0.0.1 8080 1"
  interval 1
  fall 2
  rise 2
  weight -60
}
CONF
    cat <<CONF
vrrp_instance VI_1 {
  interface eth0
  virtual_router_id 51
  priority $prio
  advert_int 1
  notify "/usr/bin/env NOTIFY_HOST=d$n $work/notify.sh"
  virtual_ipaddress {
    10.77.0.100/24
  }
CONF
    [ "$n" = 1 ] && printf '  track_script {\n    chk_web\n  }\n'
    echo "}"
  } >"$work/d$n.conf"
done

web() {
  ip netns exec "$(lab_ns d1)" /usr/bin/python3 -m http.server 8080 --bind 127.0.0.1 \
    >"$work/web.log" 2>&1 &
  WEB=$!
  LAB_PIDS+=("$WEB")
}
web
wait_for 10 on d1 "$work/check_nginx.sh" 127.0.0.1 8080 1 || fail "web server did not start"
for n in 1 2; do
  ip netns exec "$(lab_ns "d$n")" "$vigild" -n -l -D -f "$work/d$n.conf" -p "$work/d$n.pid" \
    >>"$work/d$n.log" 2>&1 &
  LAB_PIDS+=("$!")
done
wait_for 12 has_vip d1 10.77.0.100 || fail "d1 did not become master with its web server up"
pass "d1 master while check_nginx.sh succeeds"
wait_for 5 grep -q "INSTANCE VI_1 MASTER 150" "$work/d1.notify" ||
  fail "notify script did not get 'INSTANCE VI_1 MASTER 150'"
grep -q "INSTANCE VI_1 BACKUP" "$work/d2.notify" || fail "d2's notify script missed BACKUP"
# keepalived holds an instance in INIT until its scripts have reported: no FAULT at start-up.
grep -q FAULT "$work/d1.notify" && fail "d1 notified FAULT while its script had not reported yet"
pass "notify scripts got keepalived's arguments"

kill "$WEB"
wait_for 10 has_vip d2 10.77.0.100 || fail "d2 did not take over when d1's web server stopped"
has_vip d1 10.77.0.100 && fail "d1 kept the VIP with its web server down"
grep -q "Changing effective priority from 150 to 90" "$work/d1.log" || fail "d1's priority not 90"
pass "web server down: d1 priority 150 -> 90, d2 took over"

web
wait_for 12 has_vip d1 10.77.0.100 || fail "d1 did not preempt back when its web server returned"
wait_for 5 sh -c "! ip -n $(lab_ns d2) -o addr show dev eth0 | grep -qw 10.77.0.100" ||
  fail "d2 kept the VIP"
pass "web server back: d1 preempted back"

on d1 ip link set eth0 down
wait_for 5 grep -q "Entering FAULT STATE" "$work/d1.log" || fail "d1 did not enter FAULT on link down"
wait_for 8 has_vip d2 10.77.0.100 || fail "d2 did not take over from a faulted d1"
grep -q "INSTANCE VI_1 FAULT" "$work/d1.notify" || fail "notify script missed FAULT"
pass "eth0 down: d1 FAULT, d2 master"
on d1 ip link set eth0 up
wait_for 15 has_vip d1 10.77.0.100 || fail "d1 did not recover after eth0 came back"
pass "eth0 up: d1 back to master"
