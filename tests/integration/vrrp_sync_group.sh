#!/usr/bin/env bash
# vrrp_sync_group on a live vigild pair: two instances in one group on d1; a track_file that
# faults only VI_2 pulls VI_1 into FAULT with it, so the backup takes both VIPs; clearing the file
# brings both back.
#   tests/integration/vrrp_sync_group.sh VIGILD
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
vigild=${1:?usage: vrrp_sync_group.sh VIGILD}
[ "$(id -u)" -eq 0 ] || { echo "skip: needs root"; exit 77; }
. "$here/lab.sh"
lab_start d1 d2


echo 0 >"$work/flag"
for n in 1 2; do
  prio=$((n == 1 ? 150 : 100))
  {
    [ "$n" = 1 ] && cat <<CONF
track_file flag {
  file $work/flag
  weight 0
}
CONF
    cat <<CONF
vrrp_sync_group G1 {
  group {
    VI_1
    VI_2
  }
}
vrrp_instance VI_1 {
  interface eth0
  virtual_router_id 51
  priority $prio
  advert_int 1
  virtual_ipaddress {
    10.77.0.100/24
  }
}
vrrp_instance VI_2 {
  interface eth0
  virtual_router_id 52
  priority $prio
  advert_int 1
  virtual_ipaddress {
    10.77.0.200/24
  }
CONF
    [ "$n" = 1 ] && printf '  track_file {\n    flag\n  }\n'
    echo "}"
  } >"$work/d$n.conf"
  ip netns exec "$(lab_ns "d$n")" "$vigild" -n -l -D -f "$work/d$n.conf" -p "$work/d$n.pid" \
    >>"$work/d$n.log" 2>&1 &
  LAB_PIDS+=("$!")
done

wait_for 12 has_vip d1 10.77.0.100 || fail "d1 did not become master of VI_1"
wait_for 5 has_vip d1 10.77.0.200 || fail "d1 did not become master of VI_2"
pass "d1 master of both instances"

echo 1 >"$work/flag"
wait_for 8 has_vip d2 10.77.0.100 || fail "VI_1 did not follow VI_2 into FAULT (d2 lacks VI_1's VIP)"
wait_for 8 has_vip d2 10.77.0.200 || fail "d2 did not take VI_2"
has_vip d1 10.77.0.100 && fail "d1 kept VI_1's VIP"
grep -q "(VI_1) Entering FAULT STATE" "$work/d1.log" || fail "VI_1 did not enter FAULT"
pass "VI_2's track_file fault pulled VI_1 into FAULT; d2 took both VIPs"

echo 0 >"$work/flag"
wait_for 12 has_vip d1 10.77.0.100 || fail "VI_1 did not come back"
wait_for 8 has_vip d1 10.77.0.200 || fail "VI_2 did not come back"
pass "file cleared: d1 master of both again"
