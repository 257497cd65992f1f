#!/usr/bin/env bash
# scripts/realserver.sh on a namespace lab: a director d (10.77.0.1) and a real server rs
# (10.77.0.2) on one bridge. DR: the VIPs go on rs's loopback, the ARP sysctls are set on `all`
# and eth0, and d can no longer resolve the VIP to rs (checked against a control run where the
# VIP is on lo without the sysctls, so the check can fail); start is idempotent; stop puts back
# the exact previous values (non-default ones are planted first) and removes only what it added;
# status exits 0 / 3; bad input is refused with a message. TUN where the kernel has ipip
# (otherwise the refusal is checked).
#   tests/integration/realserver.sh [SCRIPT]
# Needs root; exits 77 (skip) without it.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
script=${1:-$here/../../scripts/realserver.sh}
[ "$(id -u)" -eq 0 ] || { echo "skip: needs root"; exit 77; }
. "$here/lab.sh"

lab_start d rs
state="$work/state"
rs() { on rs env REALSERVER_STATE_DIR="$state" "$script" "$@"; }
sysctl_of() { on rs cat "/proc/sys/net/ipv4/conf/$1/$2"; }
expect_sysctl() {  # expect_sysctl IF KEY VALUE WHEN
  local got; got=$(sysctl_of "$1" "$2")
  [ "$got" = "$3" ] || fail "$4: $1/$2 is $got, expected $3"
}
# Does d resolve VIP to rs's MAC? (a fresh neighbour lookup each time)
d_resolves() {
  on d ip neigh flush dev eth0 >/dev/null 2>&1
  on d ping -c 1 -W 1 "$1" >/dev/null 2>&1
  local out; out=$(on d ip neigh show "$1" dev eth0)
  grep -q "lladdr $(on rs cat /sys/class/net/eth0/address)" <<<"$out"
}

vip=10.77.0.100 vip6=fd77::100

# Control: a VIP on lo without the sysctls is answered by rs's ARP (the weak host model), so the
# check below would notice a real server that still answers.
on rs ip addr add "$vip/32" dev lo
d_resolves "$vip" || fail "control: d did not resolve a loopback VIP of rs (ARP check is blind)"
on rs ip addr del "$vip/32" dev lo
pass "control: a loopback VIP without arp_ignore is answered"

# Plant non-default originals so that restoring them is visible.
on rs sh -c 'echo 1 > /proc/sys/net/ipv4/conf/all/arp_announce'
on rs sh -c 'echo 2 > /proc/sys/net/ipv4/conf/eth0/arp_ignore'

out=$(rs start "$vip" "$vip6" 2>&1) || fail "start failed: $out"
has_vip rs "$vip/32" || fail "start: $vip/32 not on lo"
grep -q "inet6 $vip6/128" <<<"$(on rs ip -o addr show dev lo)" || fail "start: $vip6/128 not on lo"
expect_sysctl all arp_ignore 1 start
expect_sysctl all arp_announce 2 start
expect_sysctl eth0 arp_ignore 1 start
expect_sysctl eth0 arp_announce 2 start
d_resolves "$vip" && fail "start: d still resolves $vip to rs"
pass "DR start: VIPs on lo, arp_ignore=1/arp_announce=2 on all and eth0, rs silent for the VIP"

out=$(rs status) || fail "status after start exited $?: $out"
pass "status after start exits 0"

saved_before=$(cat "$state/saved")
out=$(rs start "$vip" "$vip6" 2>&1) || fail "second start failed: $out"
[ "$(cat "$state/saved")" = "$saved_before" ] || fail "second start changed the remembered originals"
[ "$(on rs ip -o addr show dev lo | grep -c "inet $vip/")" = 1 ] || fail "second start added $vip twice"
pass "start is idempotent"

# An address that was there before start is not ours to remove.
on rs ip addr add 10.77.0.101/32 dev lo
out=$(rs start 10.77.0.101 2>&1) || fail "start with a present VIP failed: $out"
grep -q "already on lo" <<<"$out" || fail "start did not say 10.77.0.101 was already there: $out"

out=$(rs stop 2>&1) || fail "stop failed: $out"
has_vip rs "$vip/32" && fail "stop: $vip still on lo"
grep -q "inet6 $vip6/" <<<"$(on rs ip -o addr show dev lo)" && fail "stop: $vip6 still on lo"
has_vip rs 10.77.0.101/32 || fail "stop removed 10.77.0.101, which start had not added"
expect_sysctl all arp_ignore 0 stop
expect_sysctl all arp_announce 1 stop
expect_sysctl eth0 arp_ignore 2 stop
expect_sysctl eth0 arp_announce 0 stop
[ -e "$state" ] && fail "stop left $state behind"
pass "stop removes the VIPs it added and restores the exact previous sysctls"

rs status "$vip" >/dev/null && fail "status after stop exited 0"
[ "$(rs status "$vip" >/dev/null; echo $?)" = 3 ] || fail "status after stop did not exit 3"
out=$(rs stop 2>&1) || fail "second stop failed: $out"
pass "status exits 3 when not set up; stop is idempotent"

# --dev names the facing interface explicitly; stop VIP removes only that VIP.
out=$(rs start "$vip" 10.77.0.102 --dev eth0 2>&1) || fail "start --dev failed: $out"
rs stop 10.77.0.102 >/dev/null || fail "stop of one VIP failed"
has_vip rs 10.77.0.102/32 && fail "stop 10.77.0.102 left it on lo"
has_vip rs "$vip/32" || fail "stop 10.77.0.102 removed $vip too"
expect_sysctl all arp_ignore 1 "partial stop"
rs stop >/dev/null || fail "final stop failed"
expect_sysctl all arp_ignore 0 "final stop"
pass "stop VIP... removes only those VIPs and keeps the sysctls while others remain"

for bad in "start 300.1.2.3" "start" "frobnicate $vip" "start $vip --nope" "start $vip --dev nosuchif"; do
  # shellcheck disable=SC2086
  out=$(rs $bad 2>&1) && fail "'$bad' was accepted"
  grep -q "^realserver.sh: " <<<"$out" || fail "'$bad' failed without a message: $out"
done
[ -e "$state" ] && fail "a refused start left $state behind"
pass "bad input refused with a message, nothing changed"

if on rs ip link show tunl0 >/dev/null 2>&1 || on rs modprobe ipip 2>/dev/null; then
  out=$(rs start "$vip" --tun 2>&1) || fail "TUN start failed: $out"
  grep -q "inet $vip/32" <<<"$(on rs ip -o addr show dev tunl0)" || fail "TUN: $vip not on tunl0"
  grep -q "[<,]UP[,>]" <<<"$(on rs ip -o link show tunl0)" || fail "TUN: tunl0 not up"
  expect_sysctl tunl0 rp_filter 0 "TUN start"
  expect_sysctl all rp_filter 0 "TUN start"
  expect_sysctl all arp_ignore 1 "TUN start"
  rs status >/dev/null || fail "TUN status did not exit 0"
  rs stop >/dev/null || fail "TUN stop failed"
  grep -q "inet $vip/" <<<"$(on rs ip -o addr show dev tunl0)" && fail "TUN stop left $vip on tunl0"
  pass "TUN: VIP on tunl0 (up), rp_filter 0, undone by stop"
else
  out=$(rs start "$vip" --tun 2>&1) && fail "TUN start succeeded without ipip"
  grep -q "no tunl0" <<<"$out" || fail "TUN refusal without a clear message: $out"
  [ -e "$state" ] && fail "a refused TUN start left $state behind"
  pass "TUN: this kernel has no ipip; start --tun refuses clearly and changes nothing"
fi
out=$(rs start "$vip6" --tun 2>&1) && fail "TUN with an IPv6 VIP was accepted"
echo "all realserver.sh checks passed"
