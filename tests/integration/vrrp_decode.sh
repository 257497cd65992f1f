#!/usr/bin/env bash
# tshark on the lab bridge decodes vigild's adverts with no malformed-packet, bad-checksum or
# expert warning reports: VRRPv2 over IPv4 with PASS and with AH, unicast v2, VRRPv3 over IPv4
# (advert_int 1 and 0.1) and over IPv6. Debian's keepalived runs the same configurations through
# the same check, and the fields of both (version, VRID, priority, addresses, auth, interval, TTL,
# TOS, destination) must agree. A self-test first shows the check is real: adverts with a broken
# checksum (sent on the wire, and v3 ones flipped in a capture) and a truncated one are flagged.
#   tests/integration/vrrp_decode.sh VIGILD [KEEPALIVED]
# Needs root and tshark; exits 77 (skip) without them.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
vigild=${1:?usage: vrrp_decode.sh VIGILD [KEEPALIVED]}
keepalived=${2:-$(command -v keepalived || true)}
[ "$(id -u)" -eq 0 ] || { echo "skip: needs root"; exit 77; }
command -v tshark >/dev/null || { echo "skip: tshark missing (scripts/install-deps.sh)"; exit 77; }
[ -x /usr/bin/python3 ] || { echo "skip: /usr/bin/python3 missing"; exit 77; }
. "$here/lab.sh"
lab_start d1 d2 x

# Checksums validated everywhere tshark can: the IPv4 header (off by default) and VRRP (always
# on; v3 with the pseudo-header of RFC 5798 5.2.8, not keepalived's v3_checksum_as_v2 variant).
decode_opts=(-o ip.check_checksum:TRUE -o vrrp.v3_checksum_as_in_v2:FALSE)
fields=(ip.src ipv6.src ip.dst ipv6.dst ip.ttl ipv6.hlim ip.dsfield ipv6.tclass vrrp.version
  vrrp.virt_rtr_id vrrp.prio vrrp.addr_count vrrp.auth_type vrrp.adver_int vrrp.short_adver_int
  vrrp.ip_addr vrrp.ipv6_addr vrrp.auth_string ah.spi vrrp.checksum.status)
field_args=()
for f in "${fields[@]}"; do field_args+=(-e "$f"); done

capture_start() {  # capture_start FILE: tshark on the bridge until capture_stop
  ip netns exec "$(lab_ns sw)" tshark -q -i br0 -F pcap -w "$1" \
    -f "ip proto 112 or ip proto 51 or ip6 proto 112 or ip6 proto 51" >"$1.log" 2>&1 &
  cap_pid=$!
  LAB_PIDS+=("$cap_pid")
  wait_for 10 grep -q "Capturing on" "$1.log" || fail "tshark did not start: $(cat "$1.log")"
}
capture_stop() {
  kill -INT "$cap_pid" 2>/dev/null
  wait "$cap_pid" 2>/dev/null
}

# problems FILE: prints every complaint tshark has about the capture (nothing when clean).
problems() {
  tshark -r "$1" "${decode_opts[@]}" -V 2>/dev/null |
    grep -E "Malformed|Bad checksum|\[incorrect|incorrect,|Checksum Status: Bad|Expert Info \((Warning|Error)"
  tshark -r "$1" "${decode_opts[@]}" -q -z expert,warn 2>/dev/null | grep -E "^ +[0-9]+ "
  # Every captured frame is VRRP (directly or behind AH) with its checksum verified Good
  # (1 = PROTO_CHECKSUM_E_GOOD), not merely unverified.
  tshark -r "$1" "${decode_opts[@]}" -Y "!vrrp || vrrp.checksum.status != 1" 2>/dev/null |
    sed 's/^/not VRRP with a good checksum: /'
}

# adverts FILE: one line per advert, "|"-separated fields (see $fields).
adverts() {
  tshark -r "$1" "${decode_opts[@]}" -Y vrrp -T fields -E separator='|' -E occurrence=a \
    -E aggregator=, "${field_args[@]}" 2>/dev/null
}

# ---- self-test: the check flags bad packets ----
cap=$work/selftest.pcap
capture_start "$cap"
on x /usr/bin/python3 "$here/send_adverts.py" 10.77.0.3 eth0 checksum truncated >/dev/null ||
  fail "could not send the self-test adverts"
sleep 1
capture_stop
p=$(problems "$cap")
grep -q "Bad checksum" <<<"$p" || fail "self-test: tshark did not flag a bad VRRPv2 checksum: $p"
grep -q "Malformed" <<<"$p" || fail "self-test: tshark did not flag a truncated advert: $p"
pass "self-test: tshark flags a bad v2 checksum and a truncated advert"

# flip_checksum IN OUT: copies a pcap with the VRRP checksum of its first frame corrupted.
flip_checksum() {
  /usr/bin/python3 - "$1" "$2" <<'PY'
import sys
data = bytearray(open(sys.argv[1], "rb").read())
frame = 24 + 16  # pcap file header, first record header; then Ethernet (14 bytes)
ip = frame + 14
hdr = (data[ip] & 0x0F) * 4 if data[ip] >> 4 == 4 else 40
data[ip + hdr + 7] ^= 0x01  # low byte of the VRRP checksum
open(sys.argv[2], "wb").write(data)
PY
}

# ---- vigild and keepalived, one mode at a time, each alone on the lab (so master) ----

# conf MODE -> $work/d1.conf. Two VIPs so the address count and list are exercised.
conf() {
  local mode=$1
  {
    echo "global_defs { router_id d1 }"
    echo "vrrp_instance VI_1 {"
    echo "  interface eth0"
    echo "  virtual_router_id 51"
    echo "  priority 150"
    case $mode in
      v2pass|v2ah|v2u)
        echo "  advert_int 1"
        printf '  authentication {\n    auth_type %s\n    auth_pass secret\n  }\n' \
          "$( [ "$mode" = v2ah ] && echo AH || echo PASS)"
        [ "$mode" = v2u ] && printf '  unicast_src_ip 10.77.0.1\n  unicast_peer {\n    10.77.0.2\n  }\n'
        printf '  virtual_ipaddress {\n    10.77.0.100/24\n    10.77.0.101/24\n  }\n' ;;
      v3|v3fast)
        echo "  version 3"
        echo "  advert_int $( [ "$mode" = v3fast ] && echo 0.1 || echo 1)"
        printf '  virtual_ipaddress {\n    10.77.0.100/24\n    10.77.0.101/24\n  }\n' ;;
      v3six)
        echo "  version 3"
        echo "  advert_int 0.5"
        printf '  virtual_ipaddress {\n    fd77::100/64\n    fd77::101/64\n  }\n' ;;
    esac
    echo "}"
  } >"$work/d1.conf"
}

# expect MODE: the fields (see $fields) every advert at priority 150 must carry.
expect() {
  case $1 in
    v2pass) echo "10.77.0.1||224.0.0.18||255||0xc0||2|51|150|2|1|1||10.77.0.100,10.77.0.101||secret||1" ;;
    v2ah) echo "10.77.0.1||224.0.0.18||255||0xc0||2|51|150|2|2|1||10.77.0.100,10.77.0.101|||SPI|1" ;;
    v2u) echo "10.77.0.1||10.77.0.2||255||0xc0||2|51|150|2|1|1||10.77.0.100,10.77.0.101||secret||1" ;;
    v3) echo "10.77.0.1||224.0.0.18||255||0xc0||3|51|150|2|||100|10.77.0.100,10.77.0.101||||1" ;;
    v3fast) echo "10.77.0.1||224.0.0.18||255||0xc0||3|51|150|2|||10|10.77.0.100,10.77.0.101||||1" ;;
    v3six) echo "|LL||ff02::12||255||0x000000c0|3|51|150|2|||50||fd77::100,fd77::101|||1" ;;
  esac
}

# capture_run MODE IMPL SECONDS: IMPL (vigild|keepalived) alone on d1 becomes master; its adverts
# are captured for SECONDS as master, then through its SIGTERM (the priority 0 advert).
capture_run() {
  local mode=$1 impl=$2 secs=$3 pid vip
  conf "$mode"
  vip=$( [ "$mode" = v3six ] && echo fd77::100 || echo 10.77.0.100)
  capture_start "$work/$mode-$impl.pcap"
  if [ "$impl" = vigild ]; then
    ip netns exec "$(lab_ns d1)" "$vigild" -n -l -D -f "$work/d1.conf" -p "$work/d1.pid" \
      >>"$work/$mode-$impl.log" 2>&1 &
  else
    ip netns exec "$(lab_ns d1)" "$keepalived" -n -l -D -P -f "$work/d1.conf" -p "$work/d1.kpid" \
      -r "$work/d1.vpid" >>"$work/$mode-$impl.log" 2>&1 &
  fi
  pid=$!
  LAB_PIDS+=("$pid")
  wait_for 10 has_vip d1 "$vip" || fail "$mode $impl: did not become master"
  sleep "$secs"
  kill -TERM "$pid"
  wait "$pid" 2>/dev/null
  ip netns pids "$(lab_ns d1)" | xargs -r kill -9 2>/dev/null
  sleep 0.2
  capture_stop
}

# check MODE IMPL MIN: the capture decodes cleanly and has at least MIN master adverts exactly as
# expected, and the priority 0 advert of the shutdown.
check() {
  local mode=$1 impl=$2 min=$3 cap="$work/$1-$2.pcap" want p n ll
  p=$(problems "$cap")
  [ -z "$p" ] || fail "$mode $impl: tshark reports problems:"$'\n'"$p"
  adverts "$cap" >"$cap.txt"
  want=$(expect "$mode")
  # The AH SPI is the source address (keepalived's vrrp_build_ah), the IPv6 source the link-local.
  want=${want/SPI/0x0a4d0001}
  ll=$(on d1 ip -6 -o addr show dev eth0 scope link | awk '{sub("/.*", "", $4); print $4}')
  want=${want/LL/$ll}
  n=$(grep -cxF "$want" "$cap.txt")
  if [ "$n" -lt "$min" ]; then
    echo "expected at least $min of: $want"
    sort "$cap.txt" | uniq -c
    fail "$mode $impl: $n adverts as expected, want at least $min"
  fi
  local zero=${want/|150|/|0|}
  grep -qxF "$zero" "$cap.txt" || { sort "$cap.txt" | uniq -c; fail "$mode $impl: no priority 0 advert on SIGTERM"; }
  # Nothing else: every advert is either a master advert or the shutdown one.
  local other
  other=$(grep -vxF -e "$want" -e "$zero" "$cap.txt")
  [ -z "$other" ] || fail "$mode $impl: unexpected adverts:"$'\n'"$other"
  if [ "$mode" = v2ah ]; then
    # RFC 2402 sequence numbers: one more on every advert (keepalived's vrrp_update_pkt).
    local seqs
    seqs=$(tshark -r "$cap" -Y ah -T fields -e ah.sequence 2>/dev/null)
    awk 'NR > 1 && $1 != prev + 1 { bad = 1 } { prev = $1 } END { exit bad }' <<<"$seqs" ||
      fail "$mode $impl: AH sequence numbers not consecutive: ${seqs//$'\n'/ }"
  fi
  pass "$mode $impl: $(wc -l <"$cap.txt") adverts decoded, $n as master + priority 0, no warnings"
}

# MODE:SECONDS:MIN ... (MODES selects a subset).
modes=${MODES:-"v2pass:3:3 v2ah:3:3 v2u:3:3 v3:3:3 v3fast:2:15 v3six:2:3"}
impls=vigild
[ -x "$keepalived" ] && impls+=" keepalived" || echo "skip: keepalived not installed"
for m in $modes; do
  IFS=: read -r mode secs min <<<"$m"
  for impl in $impls; do
    capture_run "$mode" "$impl" "$secs"
    check "$mode" "$impl" "$min"
  done
  # The check is real for v3 too: one flipped checksum bit in vigild's capture is reported.
  if [[ $mode == v3* ]]; then
    flip_checksum "$work/$mode-vigild.pcap" "$work/$mode-flipped.pcap"
    p=$(problems "$work/$mode-flipped.pcap")
    grep -q "Bad checksum" <<<"$p" || fail "$mode: tshark did not flag a flipped VRRPv3 checksum"
    pass "$mode: a flipped checksum bit is flagged"
  fi
done
echo "tshark decodes every advert cleanly"
