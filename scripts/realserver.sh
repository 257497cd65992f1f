#!/usr/bin/env bash
# Prepares a Linux real server behind an LVS director in direct routing (DR) or IP tunnelling
# (TUN) mode, and undoes it. Run it on each real server, as root.
#
#   realserver.sh start  VIP... [--tun] [--dev IF]
#   realserver.sh stop   [VIP...]
#   realserver.sh status [VIP...]
#
# DR (default): each VIP goes on the loopback as a host address (/32, IPv6 /128), so the real
#   server accepts packets for it, and the ARP sysctls keep it from answering ARP for it (only
#   the director may): arp_ignore=1 (answer only for addresses on the receiving interface) and
#   arp_announce=2 (never use the VIP as the source of its own ARP requests), on `all` and on the
#   interface that faces the director (found with `ip route get`, or --dev). IPv6 VIPs need no
#   sysctl: Linux answers neighbour solicitations only for addresses of the receiving interface.
# TUN (--tun): IPv4 VIPs go on tunl0 (the ipip module's catch-all tunnel), which is brought up;
#   reverse-path filtering is turned off on tunl0 and `all` (decapsulated packets arrive with the
#   client's source address on an interface that would not route back to it), and the ARP
#   sysctls are set as for DR.
#
# start remembers every value it changes (in $REALSERVER_STATE_DIR, default
# /run/vigil-realserver) the first time, and stop puts exactly those values back and removes the
# addresses it added, so both are idempotent: a second start changes nothing, a second stop
# finds nothing to undo. status exits 0 when every VIP is in place with the sysctls set, 3 when
# not (LSB status), and says what is missing.
set -euo pipefail

state_dir=${REALSERVER_STATE_DIR:-/run/vigil-realserver}
sysctl_root=/proc/sys/net/ipv4/conf

die() { echo "realserver.sh: $*" >&2; exit 1; }
usage() {
  sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

is_ipv4() { [[ $1 =~ ^([0-9]{1,3})\.([0-9]{1,3})\.([0-9]{1,3})\.([0-9]{1,3})$ ]] &&
  (( BASH_REMATCH[1] < 256 && BASH_REMATCH[2] < 256 && BASH_REMATCH[3] < 256 && BASH_REMATCH[4] < 256 )); }
is_ipv6() { [[ $1 == *:* && $1 =~ ^[0-9a-fA-F:.]+$ ]]; }
host_len() { is_ipv4 "$1" && echo 32 || echo 128; }

# The address list, read whole (no SIGPIPE from an early-exiting grep under pipefail).
has_address() {  # has_address DEV VIP
  local out
  out=$(ip -o addr show dev "$1" 2>/dev/null) || return 1
  grep -qE "inet6? $2/" <<<"$out"
}

sysctl_get() { cat "$sysctl_root/$1/$2"; }
sysctl_set() { echo "$3" > "$sysctl_root/$1/$2"; }

# Records KEY=VALUE once: the first start's original survives later starts.
remember() {  # remember NAME VALUE
  grep -q "^$1=" "$state_dir/saved" 2>/dev/null || echo "$1=$2" >> "$state_dir/saved"
}
remember_vip() {  # remember_vip DEV VIP  (only addresses this script added)
  grep -qx "vip $1 $2" "$state_dir/vips" 2>/dev/null || echo "vip $1 $2" >> "$state_dir/vips"
}

set_sysctl() {  # set_sysctl IF KEY VALUE
  [ -e "$sysctl_root/$1/$2" ] || die "no $sysctl_root/$1/$2 (is interface $1 up in this namespace?)"
  remember "$1/$2" "$(sysctl_get "$1" "$2")"
  sysctl_set "$1" "$2" "$3"
}

facing_interface() {  # the interface the kernel would use towards VIP's network
  local vip=$1 out dev
  out=$(ip -o route get "$vip" 2>/dev/null) || die "no route to $vip: pass --dev IF"
  dev=$(sed -n 's/.* dev \([^ ]*\).*/\1/p' <<<"$out")
  [ -n "$dev" ] || die "cannot tell the interface towards $vip: pass --dev IF"
  echo "$dev"
}

cmd=${1:-}
[ -n "$cmd" ] || usage
shift
mode=dr dev=""
vips=()
while [ $# -gt 0 ]; do
  case $1 in
    --tun) mode=tun ;;
    --dev) [ $# -ge 2 ] || die "--dev needs an interface name"; dev=$2; shift ;;
    --dev=*) dev=${1#--dev=} ;;
    -h|--help) usage ;;
    -*) die "unknown option '$1'" ;;
    *) is_ipv4 "$1" || is_ipv6 "$1" || die "'$1' is not an IPv4 or IPv6 address"
       vips+=("$1") ;;
  esac
  shift
done

[ "$cmd" = status ] || [ "$(id -u)" -eq 0 ] || die "must run as root"
command -v ip >/dev/null || die "the ip command (iproute2) is missing"

start() {
  [ ${#vips[@]} -gt 0 ] || die "start needs at least one VIP"
  local mode_file="$state_dir/mode" vip target=lo ifs=(all) first4="" facing="" i
  if [ -e "$mode_file" ] && [ "$(cat "$mode_file")" != "$mode" ]; then
    die "already started in $(cat "$mode_file") mode; run 'realserver.sh stop' first"
  fi
  # Everything that can fail is checked before anything changes.
  if [ "$mode" = tun ]; then
    for vip in "${vips[@]}"; do
      is_ipv4 "$vip" || die "--tun supports IPv4 VIPs only ($vip): tunl0 is an IPv4-in-IPv4 tunnel"
    done
    if ! ip link show tunl0 >/dev/null 2>&1; then
      modprobe ipip 2>/dev/null || true
      ip link show tunl0 >/dev/null 2>&1 ||
        die "no tunl0: this kernel has no ipip support (modprobe ipip failed)"
    fi
    target=tunl0
    ifs+=(tunl0)
  fi
  # The ARP sysctls matter for IPv4 only. The interface facing the director gets them too (the
  # effective arp_ignore is the maximum of `all` and the interface's, arp_announce likewise).
  for vip in "${vips[@]}"; do
    if is_ipv4 "$vip"; then first4=$vip; break; fi
  done
  if [ -n "$first4" ]; then
    facing=$dev
    [ -n "$facing" ] || facing=$(cat "$state_dir/facing" 2>/dev/null || true)
    [ -n "$facing" ] || facing=$(facing_interface "$first4")
    case $facing in
      lo|tunl0) die "cannot tell the interface towards $first4 (the kernel says $facing): pass --dev IF" ;;
    esac
    [ -e "$sysctl_root/$facing" ] || die "no interface $facing"
    ifs+=("$facing")
  fi

  mkdir -p "$state_dir"
  chmod 700 "$state_dir"
  echo "$mode" > "$mode_file"
  [ -z "$facing" ] || echo "$facing" > "$state_dir/facing"
  if [ "$mode" = tun ]; then
    if ! grep -q "[<,]UP[,>]" <<<"$(ip -o link show tunl0)"; then
      remember link:tunl0 down
      ip link set tunl0 up
    fi
    set_sysctl all rp_filter 0
    set_sysctl tunl0 rp_filter 0
  fi
  if [ -n "$first4" ]; then
    for i in "${ifs[@]}"; do
      set_sysctl "$i" arp_ignore 1
      set_sysctl "$i" arp_announce 2
    done
  fi
  for vip in "${vips[@]}"; do
    if has_address "$target" "$vip"; then
      echo "$vip already on $target"
      continue
    fi
    if is_ipv4 "$vip"; then
      ip addr add "$vip/32" dev "$target"
    else
      ip -6 addr add "$vip/128" dev "$target" nodad
    fi
    remember_vip "$target" "$vip"
    echo "$vip added to $target"
  done
  echo "real server ready for LVS-${mode^^}"
}

stop() {
  if [ ! -d "$state_dir" ]; then
    echo "nothing to undo (no $state_dir)"
    return 0
  fi
  local d v kind
  if [ -e "$state_dir/vips" ]; then
    while read -r kind d v; do
      [ "$kind" = vip ] || continue
      if [ ${#vips[@]} -gt 0 ] && ! printf '%s\n' "${vips[@]}" | grep -qxF "$v"; then
        echo "vip $d $v" >> "$state_dir/vips.keep"
        continue
      fi
      if has_address "$d" "$v"; then
        ip addr del "$v/$(host_len "$v")" dev "$d"
        echo "$v removed from $d"
      fi
    done < "$state_dir/vips"
    rm -f "$state_dir/vips"
    [ -e "$state_dir/vips.keep" ] && mv "$state_dir/vips.keep" "$state_dir/vips"
  fi
  if [ -e "$state_dir/vips" ]; then
    echo "other VIPs remain; sysctls left as they are"
    return 0
  fi
  local key value
  if [ -e "$state_dir/saved" ]; then
    while IFS='=' read -r key value; do
      case $key in
        link:*) ip link set "${key#link:}" "$value" 2>/dev/null || true ;;
        */*) [ -e "$sysctl_root/$key" ] && echo "$value" > "$sysctl_root/$key" &&
               echo "restored $key=$value" ;;
      esac
    done < "$state_dir/saved"
  fi
  rm -rf "$state_dir"
  echo "real server settings undone"
}

status() {
  local ok=0 vip target=lo mode_now=$mode
  [ -e "$state_dir/mode" ] && mode_now=$(cat "$state_dir/mode")
  [ "$mode_now" = tun ] && target=tunl0
  if [ ${#vips[@]} -eq 0 ] && [ -e "$state_dir/vips" ]; then
    while read -r _ _ vip; do vips+=("$vip"); done < "$state_dir/vips"
  fi
  [ ${#vips[@]} -gt 0 ] || { echo "not started (no VIP given or recorded)"; return 3; }
  for vip in "${vips[@]}"; do
    if has_address "$target" "$vip"; then
      echo "$vip on $target: yes"
    else
      echo "$vip on $target: NO"
      ok=3
    fi
  done
  local ifs=(all) i want
  [ -e "$state_dir/facing" ] && ifs+=("$(cat "$state_dir/facing")")
  [ -n "$dev" ] && ifs+=("$dev")
  [ "$mode_now" = tun ] && ifs+=(tunl0)
  if printf '%s\n' "${vips[@]}" | grep -qv :; then
    for i in "${ifs[@]}"; do
      [ -e "$sysctl_root/$i" ] || { echo "$i: no such interface"; ok=3; continue; }
      for want in arp_ignore=1 arp_announce=2; do
        if [ "$(sysctl_get "$i" "${want%=*}")" = "${want#*=}" ]; then
          echo "$i ${want%=*}=${want#*=}"
        else
          echo "$i ${want%=*}=$(sysctl_get "$i" "${want%=*}") (want ${want#*=})"
          ok=3
        fi
      done
    done
  fi
  if [ "$mode_now" = tun ]; then
    for i in all tunl0; do
      [ -e "$sysctl_root/$i/rp_filter" ] || continue
      if [ "$(sysctl_get "$i" rp_filter)" = 0 ]; then echo "$i rp_filter=0"; else
        echo "$i rp_filter=$(sysctl_get "$i" rp_filter) (want 0)"; ok=3; fi
    done
  fi
  return $ok
}

case $cmd in
  start) start ;;
  stop) stop ;;
  status) status ;;
  *) die "unknown command '$cmd' (start, stop or status)" ;;
esac
