#!/usr/bin/env bash
# VRRP between two directors on a namespace lab: elections, failover on SIGKILL and SIGTERM,
# preemption back, and the same with Debian's keepalived as the peer in either role, for VRRPv2
# over IPv4 (PASS and AH authentication, use_vmac) and VRRPv3 over IPv4 and IPv6, multicast and
# unicast.
#   tests/integration/vrrp_failover.sh VIGILD [KEEPALIVED]
# Needs root; exits 77 (skip) without it. Every check prints a line; the first failure ends the
# run with the daemons' logs.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
vigild=${1:?usage: vrrp_failover.sh VIGILD [KEEPALIVED]}
keepalived=${2:-$(command -v keepalived || true)}
[ "$(id -u)" -eq 0 ] || { echo "skip: needs root"; exit 77; }
. "$here/lab.sh"

lab_start d1 d2

declare -A PID

# conf HOST PRIORITY MODE -> writes $work/HOST.conf. MODE: v2 (IPv4, PASS, multicast),
# v2u (IPv4 unicast), v2ah (IPsec AH authentication), v2vmac (use_vmac), v3 (VRRPv3, IPv4,
# multicast), v3six (VRRPv3, IPv6, multicast), v3sixu (VRRPv3, IPv6 unicast).
conf() {
  local host=$1 prio=$2 mode=$3 n=${1#d} peer
  peer=$((3 - n))
  {
    echo "global_defs { router_id $host }"
    echo "vrrp_instance VI_1 {"
    echo "  state BACKUP"
    echo "  interface eth0"
    echo "  virtual_router_id 51"
    echo "  priority $prio"
    case $mode in
      v2|v2u|v2ah|v2vmac)
        echo "  advert_int 1"
        [ "$mode" = v2vmac ] && echo "  use_vmac"
        printf '  authentication {\n    auth_type %s\n    auth_pass secret\n  }\n' \
          "$( [ "$mode" = v2ah ] && echo AH || echo PASS)"
        [ "$mode" = v2u ] && printf '  unicast_src_ip 10.77.0.%s\n  unicast_peer {\n    10.77.0.%s\n  }\n' "$n" "$peer"
        printf '  virtual_ipaddress {\n    10.77.0.100/24\n  }\n' ;;
      v3)
        echo "  version 3"
        echo "  advert_int 1"
        printf '  virtual_ipaddress {\n    10.77.0.100/24\n  }\n' ;;
      v3six|v3sixu)
        echo "  version 3"
        echo "  advert_int 0.5"
        [ "$mode" = v3sixu ] && printf '  unicast_src_ip fd77::%s\n  unicast_peer {\n    fd77::%s\n  }\n' "$n" "$peer"
        printf '  virtual_ipaddress {\n    fd77::100/64\n  }\n' ;;
    esac
    echo "}"
  } > "$work/$host.conf"
}

start() {  # start HOST vigild|keepalived
  local host=$1 which=$2
  rm -f "$work/$host".*pid
  if [ "$which" = vigild ]; then
    # Not through on(): $! must be the daemon itself (ip netns exec execs it), not a subshell.
    ip netns exec "$(lab_ns "$host")" "$vigild" -n -l -D -f "$work/$host.conf" -p "$work/$host.pid" \
      >>"$work/$host.log" 2>&1 &
  else
    ip netns exec "$(lab_ns "$host")" "$keepalived" -n -l -D -P -f "$work/$host.conf" -p "$work/$host.kpid" \
      -r "$work/$host.vpid" >>"$work/$host.log" 2>&1 &
  fi
  PID[$host]=$!
  LAB_PIDS+=("$!")
}

stop() {  # stop HOST SIGNAL
  kill "-$2" "${PID[$1]}" 2>/dev/null
  wait "${PID[$1]}" 2>/dev/null
  # keepalived's VRRP child outlives a SIGKILLed parent: kill what is left in the namespace.
  [ "$2" = KILL ] && ip netns pids "$(lab_ns "$1")" | xargs -r kill -9 2>/dev/null
  true
}

vip_of() { case $1 in v3six*) echo fd77::100 ;; *) echo 10.77.0.100 ;; esac; }

scenario() {  # scenario MODE HIGH_IMPL LOW_IMPL
  local mode=$1 high=$2 low=$3 vip
  vip=$(vip_of "$mode")
  local tag="$mode $high(150)/$low(100)"
  conf d1 150 "$mode"
  conf d2 100 "$mode"
  start d1 "$high"
  start d2 "$low"
  wait_for 10 has_vip d1 "$vip" || fail "$tag: d1 did not become master"
  sleep 1
  has_vip d2 "$vip" && fail "$tag: d2 holds the VIP too"
  pass "$tag: d1 elected master, d2 backup"
  if [ "$mode" = v2vmac ] && [ "$high" = vigild ]; then
    # RFC 5798 7.3: the virtual router MAC 00:00:5e:00:01:VRID carries the VIP.
    on d1 ip -o link show vrrp.51 | grep "link/ether 00:00:5e:00:01:33" >/dev/null ||
      fail "$tag: no VMAC vrrp.51 with 00:00:5e:00:01:33 on d1"
    on d1 ip -o addr show dev vrrp.51 | grep -w "$vip" >/dev/null || fail "$tag: the VIP is not on vrrp.51"
    pass "$tag: VIP on VMAC vrrp.51 (00:00:5e:00:01:33)"
  fi

  stop d1 KILL
  wait_for 8 has_vip d2 "$vip" || fail "$tag: d2 did not take over after SIGKILL of d1"
  pass "$tag: d2 took over after SIGKILL"

  on d1 ip addr del "$vip/$( [[ $mode == v3six* ]] && echo 64 || echo 24)" dev eth0 2>/dev/null
  start d1 "$high"
  wait_for 10 has_vip d1 "$vip" || fail "$tag: d1 did not preempt after restart"
  wait_for 5 sh -c "! ip -n $(lab_ns d2) -o addr show | grep -qw $vip" ||
    fail "$tag: d2 kept the VIP after d1 preempted"
  pass "$tag: d1 preempted back, d2 released the VIP"

  stop d1 TERM
  has_vip d1 "$vip" && fail "$tag: d1 kept the VIP after SIGTERM"
  if [ "$mode" = v2vmac ] && [ "$high" = vigild ]; then
    on d1 ip link show vrrp.51 >/dev/null 2>&1 && fail "$tag: d1 left its VMAC behind"
  fi
  wait_for 4 has_vip d2 "$vip" || fail "$tag: d2 did not take over after SIGTERM (priority 0)"
  pass "$tag: d1 released on SIGTERM, d2 took over"
  stop d2 TERM
  has_vip d2 "$vip" && fail "$tag: d2 kept the VIP after SIGTERM"
  true
}

# SCENARIOS="MODE:HIGH:LOW ..." runs a subset.
all="v2:vigild:vigild v2u:vigild:vigild v2ah:vigild:vigild v2vmac:vigild:vigild"
all+=" v3:vigild:vigild v3six:vigild:vigild v3sixu:vigild:vigild v2vmac:vigild:keepalived"
all+=" v2:keepalived:vigild v2:vigild:keepalived v2u:keepalived:vigild v2u:vigild:keepalived"
all+=" v2ah:vigild:keepalived v2ah:keepalived:vigild v3:vigild:keepalived v3:keepalived:vigild"
all+=" v3six:vigild:keepalived v3six:keepalived:vigild v3sixu:vigild:keepalived"
all+=" v3sixu:keepalived:vigild"
for s in ${SCENARIOS:-$all}; do
  IFS=: read -r mode high low <<<"$s"
  if [[ "$high$low" == *keepalived* ]] && ! [ -x "$keepalived" ]; then
    echo "skip: $s (keepalived not installed)"
    continue
  fi
  scenario "$mode" "$high" "$low"
done
echo "all VRRP failover scenarios passed"
