#!/usr/bin/env bash
# use_vmac with vmac_xmit_base, and garp_extra_if, beside Debian's keepalived (vigild if it is not
# installed). Each director has eth0 (the VRRP segment) and eth1 (a second segment carrying a
# VIP `dev eth1`); a sniffer on the switch ports records what leaves each director.
#   1. vigild master (xmit_base, garp_extra_if all 1) + keepalived backup: the adverts leave from
#      eth0's own MAC and address, the VIP sits on the VMAC and is announced from the VMAC's MAC;
#      every second one GARP for each VIP on an interface no advert leaves from (the VMAC, eth1);
#      keepalived hears the adverts (stays backup) and takes over when vigild dies.
#   2. keepalived master + vigild backup (xmit_base, garp_extra_if 1 without `all`): vigild hears
#      the adverts on eth0 (stays backup), takes over when keepalived dies, and sends only the
#      takeover GARPs (without `all` only VMACs of single addresses count, which vigil never makes).
#   tests/integration/vrrp_vmac_xmit.sh VIGILD [KEEPALIVED]
# Needs root; exits 77 (skip) without it.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
vigild=${1:?usage: vrrp_vmac_xmit.sh VIGILD [KEEPALIVED]}
keepalived=${2:-$(command -v keepalived || true)}
[ "$(id -u)" -eq 0 ] || { echo "skip: needs root"; exit 77; }
. "$here/lab.sh"

lab_start d1 d2
sw=$(lab_ns sw)
ip -n "$sw" link add br1 type bridge
ip -n "$sw" link set br1 up
for n in 1 2; do  # eth1 = 10.88.0.n/24 on br1; its switch port is w<ID>x<n>
  ip link add "w${LAB_ID}x$n" type veth peer name "f${LAB_ID}x$n"
  ip link set "w${LAB_ID}x$n" netns "$sw"
  ip link set "f${LAB_ID}x$n" netns "$(lab_ns d$n)"
  ip -n "$sw" link set "w${LAB_ID}x$n" master br1 up
  on "d$n" ip link set "f${LAB_ID}x$n" name eth1
  on "d$n" ip addr add "10.88.0.$n/24" dev eth1
  on "d$n" ip link set eth1 up
done
peer=keepalived
[ -x "$keepalived" ] || { peer=vigild; echo "note: keepalived not installed, vigild is the peer"; }

conf() {  # conf HOST PRIORITY GARP_EXTRA_IF
  cat >"$work/$1.conf" <<CONF
global_defs { router_id $1 }
vrrp_instance VI_1 {
  state BACKUP
  interface eth0
  virtual_router_id 51
  priority $2
  version 3
  advert_int 0.2
  use_vmac
  vmac_xmit_base
  garp_master_repeat 1
  garp_master_delay 0
  garp_extra_if $3
  virtual_ipaddress {
    10.77.0.100/24
    10.88.0.100/24 dev eth1
  }
}
CONF
}

declare -A PID
start() {  # start HOST vigild|keepalived
  rm -f "$work/$1".*pid
  if [ "$2" = vigild ]; then
    ip netns exec "$(lab_ns "$1")" "$vigild" -n -l -D -f "$work/$1.conf" -p "$work/$1.pid" \
      >>"$work/$1.log" 2>&1 &
  else
    ip netns exec "$(lab_ns "$1")" "$keepalived" -n -l -D -P -f "$work/$1.conf" \
      -p "$work/$1.kpid" -r "$work/$1.vpid" >>"$work/$1.log" 2>&1 &
  fi
  PID[$1]=$!
  LAB_PIDS+=("$!")
}
die() {  # the host dies: its processes are killed, then its VMAC and VIPs go
  ip netns pids "$(lab_ns "$1")" | xargs -r kill -9 2>/dev/null
  wait "${PID[$1]}" 2>/dev/null
  on "$1" ip link del vrrp.51 2>/dev/null
  on "$1" ip addr flush dev eth1 to 10.88.0.100/32 2>/dev/null
  true
}

# sniff FILE: every frame leaving the directors on the switch ports, one line each:
# "port src_mac arp SENDER_IP" or "port src_mac vrrp SOURCE_IP".
sniff() {
  ip netns exec "$sw" /usr/bin/python3 - "$1" "v${LAB_ID}x1" "v${LAB_ID}x2" "w${LAB_ID}x1" \
    "w${LAB_ID}x2" <<'PY' &
import select, socket, sys
out = open(sys.argv[1], "w", buffering=1)
socks = {}
for port in sys.argv[2:]:
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3))
    s.bind((port, 0))
    socks[s] = port
while True:
    for s in select.select(list(socks), [], [])[0]:
        f, addr = s.recvfrom(2048)
        if addr[2] == socket.PACKET_OUTGOING:
            continue
        mac = ":".join("%02x" % b for b in f[6:12])
        kind = int.from_bytes(f[12:14], "big")
        if kind == 0x0806 and len(f) >= 32:
            out.write("%s %s arp %s\n" % (socks[s], mac, socket.inet_ntoa(f[28:32])))
        elif kind == 0x0800 and len(f) >= 34 and f[23] == 112:
            out.write("%s %s vrrp %s\n" % (socks[s], mac, socket.inet_ntoa(f[26:30])))
PY
  SNIFFER=$!
  LAB_PIDS+=("$SNIFFER")
  sleep 0.5  # the sockets are bound
}
count() { grep -c -- "$1" "$2" || true; }

mac_of() { on "$1" cat "/sys/class/net/$2/address"; }
vmac=00:00:5e:00:01:33

# 1. vigild master with garp_extra_if all
conf d1 150 "all 1"
conf d2 100 "all 1"
start d1 vigild
start d2 "$peer"
wait_for 10 has_vip d1 10.77.0.100 || fail "1: vigild (d1) did not become master"
on d1 ip -o addr show dev vrrp.51 | grep -qw 10.77.0.100 || fail "1: the VIP is not on vrrp.51"
sniff "$work/cap1"
sleep 2.6
kill "$SNIFFER"
has_vip d2 10.77.0.100 && fail "1: $peer (d2) holds the VIP too: it does not hear vigild's adverts"
pass "1: vigild master with the VIP on vrrp.51, $peer backup"
base1=$(mac_of d1 eth0)
eth1_1=$(mac_of d1 eth1)
[ "$(count "^v${LAB_ID}x1 $base1 vrrp 10.77.0.1$" "$work/cap1")" -ge 10 ] ||
  fail "1: no adverts from eth0's MAC $base1 and address 10.77.0.1"
[ "$(count " vrrp " "$work/cap1")" -eq "$(count " $base1 vrrp " "$work/cap1")" ] ||
  fail "1: an advert left from another MAC: $(grep vrrp "$work/cap1" | sort | uniq -c)"
pass "1: adverts leave from eth0 ($base1, 10.77.0.1), not from the VMAC"
n_vmac=$(count "^v${LAB_ID}x1 $vmac arp 10.77.0.100$" "$work/cap1")
n_eth1=$(count "^w${LAB_ID}x1 $eth1_1 arp 10.88.0.100$" "$work/cap1")
[ "$n_vmac" -ge 2 ] && [ "$n_vmac" -le 3 ] ||
  fail "1: $n_vmac GARPs for 10.77.0.100 from the VMAC in 2.6 s, expected one a second"
[ "$n_eth1" -ge 2 ] && [ "$n_eth1" -le 3 ] ||
  fail "1: $n_eth1 GARPs for 10.88.0.100 on eth1 in 2.6 s, expected one a second"
pass "1: garp_extra_if all 1: a GARP a second from the VMAC ($n_vmac) and on eth1 ($n_eth1)"
die d1
wait_for 5 has_vip d2 10.77.0.100 || fail "1: $peer (d2) did not take over"
pass "1: $peer took over when vigild died"
die d2

# 2. vigild backup with garp_extra_if 1 (without all)
conf d1 100 1
conf d2 150 1
start d2 "$peer"
wait_for 10 has_vip d2 10.77.0.100 || fail "2: $peer (d2) did not become master"
start d1 vigild
sleep 2  # a Master_Down_Interval is 0.7 s
has_vip d1 10.77.0.100 && fail "2: vigild (d1) took the VIP: it does not hear the adverts on eth0"
pass "2: vigild stays backup behind $peer (hears the adverts on eth0)"
sniff "$work/cap2"
die d2
wait_for 5 has_vip d1 10.77.0.100 || fail "2: vigild did not take over"
on d1 ip -o addr show dev vrrp.51 | grep -qw 10.77.0.100 || fail "2: the VIP is not on vrrp.51"
sleep 2.6
kill "$SNIFFER"
pass "2: vigild took over, VIP on vrrp.51"
n_vmac=$(count "^v${LAB_ID}x1 $vmac arp 10.77.0.100$" "$work/cap2")
n_eth1=$(count "^w${LAB_ID}x1 .* arp 10.88.0.100$" "$work/cap2")
[ "$n_vmac" -eq 1 ] && [ "$n_eth1" -eq 1 ] ||
  fail "2: expected the takeover GARP only, got $n_vmac for 10.77.0.100, $n_eth1 for 10.88.0.100"
[ "$(count "^v${LAB_ID}x1 $(mac_of d1 eth0) vrrp 10.77.0.1$" "$work/cap2")" -ge 5 ] ||
  fail "2: vigild's adverts do not leave from eth0"
pass "2: garp_extra_if without all: only the takeover GARPs"
echo "all vmac_xmit_base / garp_extra_if checks passed"
