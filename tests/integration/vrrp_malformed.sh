#!/usr/bin/env bash
# Malformed and foreign adverts sent into a live vigild pair (RFC 5798 7.1 receive checks): every
# one is dropped and logged with its reason, none changes any state, nothing crashes.
#   tests/integration/vrrp_malformed.sh VIGILD
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
vigild=${1:?usage: vrrp_malformed.sh VIGILD}
[ "$(id -u)" -eq 0 ] || { echo "skip: needs root"; exit 77; }
[ -x /usr/bin/python3 ] || { echo "skip: /usr/bin/python3 missing"; exit 77; }
. "$here/lab.sh"
lab_start d1 d2 x


for n in 1 2; do
  prio=$((n == 1 ? 150 : 100))
  cat >"$work/d$n.conf" <<CONF
vrrp_instance VI_1 {
  interface eth0
  virtual_router_id 51
  priority $prio
  advert_int 1
  authentication {
    auth_type PASS
    auth_pass secret
  }
  virtual_ipaddress {
    10.77.0.100/24
  }
}
CONF
  ip netns exec "$(lab_ns "d$n")" "$vigild" -n -l -D -f "$work/d$n.conf" -p "$work/d$n.pid" \
    >>"$work/d$n.log" 2>&1 &
  LAB_PIDS+=("$!")
done
wait_for 10 has_vip d1 10.77.0.100 || fail "d1 did not become master"
sleep 1

# Cases the instance itself drops, with the reason its debug log names; "vrid" is for no
# instance at all (counted by the engine, not logged per packet).
declare -A reason=(
  [ttl]=ttl [version]=version [type]=type [checksum]=checksum [auth_type]=auth_type_mismatch
  [password]=auth_failure [interval]=interval [address_count]=address_count
  [address_list]=address_list [truncated]=too_short [length]=length
)
cases="${!reason[*]} vrid"
before=$(grep -c "Entering" "$work/d1.log" "$work/d2.log" | paste -sd' ')
on x /usr/bin/python3 "$here/send_adverts.py" 10.77.0.3 eth0 $cases >/dev/null ||
  fail "could not send the test adverts"
sleep 2
# The backup reads routine adverts when its Master_Down_Timer is due (deferred reading, within
# one Master_Down_Interval, 3.6 s here), and counts and logs them then.
wait_for 6 grep -q "dropped advert from 10.77.0.3: " "$work/d2.log" || true
sleep 1
after=$(grep -c "Entering" "$work/d1.log" "$work/d2.log" | paste -sd' ')
[ "$before" = "$after" ] || fail "a malformed advert changed state ($before -> $after)"
has_vip d1 10.77.0.100 || fail "d1 lost the VIP"
has_vip d2 10.77.0.100 && fail "d2 took the VIP"
for d in d1 d2; do
  for c in "${!reason[@]}"; do
    grep -q "dropped advert from 10.77.0.3: ${reason[$c]}\$" "$work/$d.log" ||
      fail "$d: no drop with reason ${reason[$c]} for case $c"
  done
  kill -0 "$(cat "$work/$d.pid")" 2>/dev/null || fail "$d is not running"
done
echo "ok: ${#reason[@]} malformed adverts dropped with their reasons by master and backup; no state change"
