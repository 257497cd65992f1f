#!/usr/bin/env bash
# SIGHUP reload of a live vigild pair (d1 master at 150, d2 backup at 100), with tshark capturing
# VRRP and ARP in the switch namespace.
#  1. Both directors reload with VI_1's VIPs changed (10.77.0.101 dropped, .102 added), VI_2's
#     priority lowered on d1 (150 -> 120, still above d2), VI_3 removed and VI_4 added. No
#     matched instance changes state on either director; d1 removes .101 and adds .102 in place,
#     announcing only .102 (exactly garp_master_repeat gratuitous ARPs, none for the unchanged
#     VIPs); VI_1's adverts keep their one-second cadence (no extra advert) and carry the new
#     list; VI_3 stops as at shutdown (priority 0 advert, VIP removed, notify FAULT); VI_4 starts
#     in BACKUP and d1 takes it over.
#  2. A broken file: the reload is refused with the reason in the log, nothing changes.
#  3. VI_2 lowered to 50 on d1: d2 preempts (RFC rules, as keepalived), no one else moves.
#  4. SIGTERM after the reloads: each director removes every VIP it holds and exits 0 (under
#     ASan: no leak, no use after free).
#   tests/integration/vrrp_reload.sh VIGILD
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
vigild=${1:?usage: vrrp_reload.sh VIGILD}
[ "$(id -u)" -eq 0 ] || { echo "skip: needs root"; exit 77; }
command -v tshark >/dev/null || { echo "skip: tshark not installed (scripts/install-deps.sh)"; exit 77; }
. "$here/lab.sh"
lab_start d1 d2
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:halt_on_error=1}

for n in 1 2; do
  cat >"$work/notify$n.sh" <<SH
#!/bin/sh
echo "\$(date +%s.%N) \$*" >>"$work/d$n.notify"
SH
  chmod 755 "$work/notify$n.sh"
done

# conf HOST PRIO_VI_1 PRIO_VI_2 VI_1_VIPS INSTANCES...
#   INSTANCES: 3 and/or 4 (VI_3 with VIP .130, VI_4 with VIP .140)
conf() {
  local n=$1 p1=$2 p2=$3 vips=$4
  shift 4
  cat <<CONF
global_defs {
  vrrp_garp_master_delay 1
}
vrrp_instance VI_1 {
  interface eth0
  virtual_router_id 51
  priority $p1
  advert_int 1
  notify $work/notify$n.sh
  virtual_ipaddress {
$(for v in $vips; do echo "    $v/24"; done)
  }
}
vrrp_instance VI_2 {
  interface eth0
  virtual_router_id 52
  priority $p2
  advert_int 1
  notify $work/notify$n.sh
  virtual_ipaddress {
    10.77.0.200/24
  }
}
CONF
  local i
  for i in "$@"; do
    cat <<CONF
vrrp_instance VI_$i {
  interface eth0
  virtual_router_id 5$i
  priority $p1
  advert_int 1
  notify $work/notify$n.sh
  virtual_ipaddress {
    10.77.0.1${i}0/24
  }
}
CONF
  done
}

# One line per frame, flushed as it comes (-l): time, ARP sender and target, IP source, VRID,
# priority, advertised addresses, Ethernet source.
on sw tshark -i br0 -n -l -f 'vrrp or arp' -T fields -E separator=/t -e frame.time_epoch \
  -e arp.src.proto_ipv4 -e arp.dst.proto_ipv4 -e ip.src -e vrrp.virt_rtr_id -e vrrp.prio \
  -e vrrp.ip_addr -e eth.src >"$work/cap.tsv" 2>"$work/tshark.err" &
LAB_PIDS+=("$!")
# cap SINCE AWK-CONDITION [FIELD]: the FIELD (default the time) of captured frames from SINCE on.
cap() {
  awk -F'\t' -v since="$1" "\$1 >= since && ($2) { print \$${3:-1} }" "$work/cap.tsv"
}
# garps ADDR SINCE [MAC]: gratuitous ARPs for ADDR (from MAC only, if given).
garps() { cap "$2" "\$2 == \"$1\" && \$3 == \"$1\" && (\"${3:-}\" == \"\" || \$8 == \"${3:-}\")"; }
wait_for 10 grep -q "Capturing on" "$work/tshark.err" || fail "tshark did not start"

conf 1 150 150 "10.77.0.100 10.77.0.101" 3 >"$work/d1.conf"
conf 2 100 100 "10.77.0.100 10.77.0.101" 3 >"$work/d2.conf"
declare -A pid
for n in 1 2; do
  ip netns exec "$(lab_ns "d$n")" "$vigild" -n -l -D -f "$work/d$n.conf" -p "$work/d$n.pid" \
    >>"$work/d$n.log" 2>&1 &
  pid[$n]=$!
  LAB_PIDS+=("$!")
done
for v in 10.77.0.100 10.77.0.101 10.77.0.200 10.77.0.130; do
  wait_for 12 has_vip d1 $v || fail "d1 did not become master ($v)"
done
sleep 1.5  # the takeover bursts (second one garp_master_delay 1 s later) are over
pass "d1 master of VI_1, VI_2, VI_3"

# ---- 1: a reload that changes VIPs, a priority, removes VI_3 and adds VI_4
before1=$(cat "$work/d1.notify")
before2=$(cat "$work/d2.notify")
conf 1 150 120 "10.77.0.100 10.77.0.102" 4 >"$work/d1.conf"
conf 2 100 100 "10.77.0.100 10.77.0.102" 4 >"$work/d2.conf"
t_reload=$(date +%s.%N)
kill -HUP "${pid[2]}" "${pid[1]}"
wait_for 5 grep -q "Reloaded configuration" "$work/d1.log" || fail "d1 did not reload"
wait_for 5 has_vip d1 10.77.0.102 || fail "d1 did not add the new VIP 10.77.0.102"
has_vip d1 10.77.0.101 && fail "d1 kept the dropped VIP 10.77.0.101"
wait_for 3 sh -c "! ip -n $(lab_ns d1) -o addr show | grep -qw 10.77.0.130" ||
  fail "VI_3's VIP stayed on d1 after VI_3 was removed"
has_vip d1 10.77.0.100 && has_vip d1 10.77.0.200 || fail "d1 lost an unchanged VIP"
wait_for 8 has_vip d1 10.77.0.140 || fail "d1 did not take over the new VI_4"
sleep 2  # VI_4's second burst, and a few more adverts
if has_vip d2 10.77.0.100 || has_vip d2 10.77.0.200 || has_vip d2 10.77.0.140; then
  fail "d2 holds a VIP after the reload"
fi
after1=$(cat "$work/d1.notify")
after2=$(cat "$work/d2.notify")
new1=${after1#"$before1"}
new2=${after2#"$before2"}
grep -Eq "VI_[12] " <<<"$new1$new2" && fail "a matched instance changed state: $new1 $new2"
grep -q "INSTANCE VI_3 FAULT 150" <<<"$new1" || fail "no FAULT notify for the removed VI_3 on d1"
grep -q "INSTANCE VI_4 BACKUP 150" <<<"$new1" || fail "VI_4 did not start in BACKUP on d1"
grep -q "INSTANCE VI_4 MASTER 150" <<<"$new1" || fail "VI_4 did not become MASTER on d1"
grep -q "INSTANCE VI_3 FAULT 100" <<<"$new2" || fail "no FAULT notify for the removed VI_3 on d2"
pass "reload: VI_1 and VI_2 kept their state on both directors, VI_3 stopped, VI_4 started"

[ "$(garps 10.77.0.102 "$t_reload" | wc -l)" -eq 5 ] ||
  fail "expected 5 gratuitous ARPs for the added VIP: $(garps 10.77.0.102 "$t_reload" | wc -l)"
for v in 10.77.0.100 10.77.0.200; do
  [ "$(garps $v "$t_reload" | wc -l)" -eq 0 ] ||
    fail "unchanged VIP $v was announced again ($(garps $v "$t_reload" | wc -l))"
done
# (d2 may have held VI_4 for a moment if it reloaded well before d1: count d1's own.)
mac1=$(on d1 cat /sys/class/net/eth0/address)
[ "$(garps 10.77.0.140 "$t_reload" "$mac1" | wc -l)" -eq 10 ] ||
  fail "VI_4's takeover: expected 2 bursts of 5, got $(garps 10.77.0.140 "$t_reload" "$mac1" | wc -l)"
pass "GARPs after the reload: 5 for the added VIP, none for the unchanged ones, VI_4's takeover"
prio0=$(cap "$t_reload" '$6 == "0"' 5 | sort -u | tr '\n' ' ')
[ "$prio0" = "53 " ] || fail "priority 0 adverts after the reload for VRIDs '$prio0', expected only 53"
# VI_1's adverts from d1: one a second through the reload (an extra advert would split a
# second into two short gaps; a late one under load is not what this is about), and the new
# address list once reloaded.
gaps=$(cap "$(awk -v t="$t_reload" 'BEGIN { printf "%.6f", t - 3 }')" '$4 == "10.77.0.1" && $5 == "51"' |
  awk 'NR > 1 { printf "%.3f\n", $1 - prev } { prev = $1 }')
[ "$(wc -l <<<"$gaps")" -ge 5 ] || fail "too few VI_1 adverts captured: $gaps"
awk '$1 < 0.6 { bad = 1 } END { exit bad }' <<<"$gaps" ||
  fail "VI_1's advert cadence changed across the reload: $(tr '\n' ' ' <<<"$gaps")"
last_list=$(cap "$t_reload" '$4 == "10.77.0.1" && $5 == "51"' 7 | tail -n 1)
[ "$last_list" = "10.77.0.100,10.77.0.102" ] || fail "VI_1 advertises '$last_list'"
[ "$(cap "$t_reload" '$4 == "10.77.0.2" && $5 <= 52' | wc -l)" -eq 0 ] ||
  fail "d2 advertised VI_1 or VI_2 after the reload (it became master)"
pass "capture: no extra advert, the new VIP list advertised, priority 0 only for the removed VI_3"

# ---- 2: a broken file changes nothing
before1=$(cat "$work/d1.notify")
cp "$work/d1.conf" "$work/d1.good"
echo "vrrp_instance VI_9 { virtual_router_id 300 }" >>"$work/d1.conf"
t_bad=$(date +%s.%N)
kill -HUP "${pid[1]}"
wait_for 5 grep -q "reload refused" "$work/d1.log" || fail "the broken reload was not refused"
grep -q "virtual_router_id" "$work/d1.log" || fail "the log does not say what is wrong"
sleep 1
for v in 10.77.0.100 10.77.0.102 10.77.0.200 10.77.0.140; do
  has_vip d1 $v || fail "d1 lost $v after a refused reload"
done
[ "$(cat "$work/d1.notify")" = "$before1" ] || fail "a refused reload changed a state"
[ "$(cap "$t_bad" '$2 != "" && $2 == $3' | wc -l)" -eq 0 ] || fail "GARPs after a refused reload"
pass "broken file: reload refused with the reason logged, nothing changed"

# ---- 3: a lower priority on the master lets the backup preempt (RFC rules, as keepalived)
conf 1 150 50 "10.77.0.100 10.77.0.102" 4 >"$work/d1.conf"
kill -HUP "${pid[1]}"
wait_for 8 has_vip d2 10.77.0.200 || fail "d2 did not preempt VI_2 after d1 lowered it to 50"
wait_for 3 sh -c "! ip -n $(lab_ns d1) -o addr show | grep -qw 10.77.0.200" || fail "d1 kept VI_2's VIP"
has_vip d1 10.77.0.100 && has_vip d1 10.77.0.140 || fail "VI_1 or VI_4 moved"
pass "VI_2 lowered below the backup: d2 preempted it, the other instances stayed"

# ---- 4: SIGTERM after the reloads releases everything
kill -TERM "${pid[1]}"
wait "${pid[1]}"
rc=$?
[ "$rc" -eq 0 ] || fail "d1 exited with $rc after SIGTERM"
for v in 10.77.0.100 10.77.0.101 10.77.0.102 10.77.0.130 10.77.0.140 10.77.0.200; do
  has_vip d1 $v && fail "d1 left $v behind at SIGTERM"
done
kill -TERM "${pid[2]}"
wait "${pid[2]}"
rc=$?
[ "$rc" -eq 0 ] || fail "d2 exited with $rc after SIGTERM"
for v in 10.77.0.100 10.77.0.102 10.77.0.140 10.77.0.200; do
  has_vip d2 $v && fail "d2 left $v behind at SIGTERM"
done
grep -q "ERROR: AddressSanitizer\|runtime error:" "$work/d1.log" "$work/d2.log" &&
  fail "sanitizer report in a vigild log"
pass "SIGTERM after reloads: both directors removed their VIPs and exited 0"
