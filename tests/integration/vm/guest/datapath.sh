# Traffic through the IPVS table vigild programs. The guest's root namespace is the director;
# a client and two real servers live in namespaces:
#
#   cl  eth0 10.0.1.2  ---veth---  director vcl 10.0.1.1         (NAT: replies come back here)
#   cl  eth1 10.0.2.100 --+
#   rs1 eth0 10.0.2.11  --+-- br0 10.0.2.1 on the director       (DR: replies go straight to cl)
#   rs2 eth0 10.0.2.12  --+
#
# VIPs on the director: 10.0.0.1:80 (NAT, rr, to port 8080) and 10.0.0.2:80 (DR, wrr 3:1,
# inhibit_on_failure); the real servers hold 10.0.0.2 on lo with arp_ignore/arp_announce. Each
# real server runs busybox httpd on 80 and 8080, answering its name; the client asks with nc. vigild checks them with
# TCP_CHECK. The kernel's own count of IPVS changes (ftrace, lib.sh `ops`) proves that every step
# touches only what it must.
. /vm/lib.sh
load_ipvs || { bad "cannot load ip_vs"; finish; exit; }
modprobe veth && modprobe bridge || { bad "cannot load veth/bridge"; finish; exit; }
ops_reset || { bad "no ftrace for counting IPVS operations"; finish; exit; }
w=/tmp/datapath
mkdir -p "$w"

# ---- the lab
echo 1 >/proc/sys/net/ipv4/ip_forward
ip link add br0 type bridge
ip addr add 10.0.2.1/24 dev br0
ip link set br0 up
ip addr add 10.0.0.1/32 dev lo
ip addr add 10.0.0.2/32 dev lo
ip addr add 10.0.0.3/32 dev lo
ip netns add cl
ip link add vcl type veth peer name eth0 netns cl
ip addr add 10.0.1.1/24 dev vcl
ip link set vcl up
ip link add vcl2 type veth peer name eth1 netns cl
ip link set vcl2 master br0 up
ip -n cl link set lo up
ip -n cl addr add 10.0.1.2/24 dev eth0
ip -n cl addr add 10.0.2.100/24 dev eth1
ip -n cl link set eth0 up
ip -n cl link set eth1 up
ip -n cl route add 10.0.0.0/24 via 10.0.1.1
ip -n cl route add 10.0.0.2/32 via 10.0.2.1 src 10.0.2.100
for i in 1 2; do
  ip netns add "rs$i"
  ip link add "vrs$i" type veth peer name eth0 netns "rs$i"
  ip link set "vrs$i" master br0 up
  ip -n "rs$i" link set lo up
  ip -n "rs$i" addr add "10.0.2.1$i/24" dev eth0
  ip -n "rs$i" link set eth0 up
  ip -n "rs$i" route add default via 10.0.2.1
  ip -n "rs$i" addr add 10.0.0.2/32 dev lo
  ip netns exec "rs$i" sh -c 'for f in all eth0 lo; do
    echo 1 >/proc/sys/net/ipv4/conf/$f/arp_ignore; echo 2 >/proc/sys/net/ipv4/conf/$f/arp_announce
  done'
  mkdir -p "$w/www$i"
  echo "rs$i" >"$w/www$i/index.html"
done

# web rsN PORT: (re)starts rsN's httpd on PORT; its pid in web_rsN_PORT
web() {
  in_ns "$1" httpd -f -p "$2" -h "$w/www${1#rs}" &
  eval "web_$1_$2=$!"
}
web_stop() { eval "kill \$web_$1_$2"; }
for i in 1 2; do web "rs$i" 80; web "rs$i" 8080; done

# get VIP: one request from the client, prints the answering real server's name
# (busybox-static's wget crashes in glibc's static name lookup; nc does not look names up)
get() {
  printf 'GET / HTTP/1.0\r\n\r\n' | ip netns exec cl nc -w 3 "$1" 80 2>>"$w/wget.err" | tail -n 1
}
# spread VIP N: "rs1=A rs2=B fail=C" over N requests, each a new connection
spread() {
  a=0 b=0 f=0
  for _ in $(seq "$2"); do
    case $(get "$1") in
      rs1) a=$((a + 1)) ;;
      rs2) b=$((b + 1)) ;;
      *) f=$((f + 1)) ;;
    esac
  done
  echo "rs1=$a rs2=$b fail=$f"
}
expect_spread() {  # expect_spread VIP N EXPECTED WHAT
  got=$(spread "$1" "$2")
  [ "$got" = "$3" ] && ok "$4: $got" || bad "$4: $got, expected $3"
}
expect_table() {  # expect_table SECONDS WHAT: the table must become $want
  if wait_for "$1" sh -c "[ \"\$(ipvsadm -Sn | sort)\" = \"$want\" ]"; then
    ok "$2"
  else
    bad "$2: the table is"
    table
    echo "expected:"
    echo "$want"
  fi
}
expect_ops() {  # expect_ops EXPECTED WHAT
  got=$(ops)
  [ "$got" = "$1" ] && ok "$2: $got" || bad "$2: kernel saw $got, expected $1"
}

# A stopped server refuses the connection at once, so connect_timeout only bounds how long a
# slow answer may take under emulation before it counts as a failure (1 s was too short on a
# loaded host: a spurious failure is a table change the ops counts do not expect).
checker() {
  cat <<CONF
    TCP_CHECK {
      connect_timeout 3
      retry 0
    }
CONF
}
cat >"$w/k.conf" <<CONF
virtual_server 10.0.0.1 80 {
  delay_loop 1
  lb_algo rr
  lb_kind NAT
  protocol TCP
  real_server 10.0.2.11 8080 {
$(checker)
  }
  real_server 10.0.2.12 8080 {
$(checker)
  }
}
virtual_server 10.0.0.2 80 {
  delay_loop 1
  lb_algo wrr
  lb_kind DR
  protocol TCP
  inhibit_on_failure
  real_server 10.0.2.11 80 {
    weight 3
$(checker)
  }
  real_server 10.0.2.12 80 {
$(checker)
  }
}
CONF

# ---- start
ipvsadm -A -t 10.0.0.99:80 -s rr  # not vigil's: never touched
ops_reset
start_vigild() {
  $VIGILD -n -l -C -f "$w/k.conf" -p /run/datapath.pid "$@" >>"$w/vigild.log" 2>&1 &
  vpid=$!
}
start_vigild
want="-A -t 10.0.0.1:80 -s rr
-A -t 10.0.0.2:80 -s wrr
-A -t 10.0.0.99:80 -s rr
-a -t 10.0.0.1:80 -r 10.0.2.11:8080 -m -w 1
-a -t 10.0.0.1:80 -r 10.0.2.12:8080 -m -w 1
-a -t 10.0.0.2:80 -r 10.0.2.11:80 -g -w 3
-a -t 10.0.0.2:80 -r 10.0.2.12:80 -g -w 1"
expect_table 20 "vigild programmed NAT and DR"
sleep 3  # the checkers' first round: all pass, nothing changes
expect_ops "add_service=2 edit_service=0 del_service=0 add_dest=4 edit_dest=0 del_dest=0" \
  "start: one add per entry"
expect_spread 10.0.0.1 10 "rs1=5 rs2=5 fail=0" "NAT rr"
expect_spread 10.0.0.2 8 "rs1=6 rs2=2 fail=0" "DR wrr 3:1"

# ---- a real server stops: NAT removes it, DR (inhibit_on_failure) sets its weight to 0
ops_reset
web_stop rs1 8080
web_stop rs1 80
want="-A -t 10.0.0.1:80 -s rr
-A -t 10.0.0.2:80 -s wrr
-A -t 10.0.0.99:80 -s rr
-a -t 10.0.0.1:80 -r 10.0.2.12:8080 -m -w 1
-a -t 10.0.0.2:80 -r 10.0.2.11:80 -g -w 0
-a -t 10.0.0.2:80 -r 10.0.2.12:80 -g -w 1"
expect_table 15 "rs1 down: removed from NAT, weight 0 in DR"
expect_ops "add_service=0 edit_service=0 del_service=0 add_dest=0 edit_dest=1 del_dest=1" \
  "rs1 down"
expect_spread 10.0.0.1 4 "rs1=0 rs2=4 fail=0" "NAT without rs1"
expect_spread 10.0.0.2 4 "rs1=0 rs2=4 fail=0" "DR without rs1"
ops_reset
web rs1 8080
web rs1 80
want="-A -t 10.0.0.1:80 -s rr
-A -t 10.0.0.2:80 -s wrr
-A -t 10.0.0.99:80 -s rr
-a -t 10.0.0.1:80 -r 10.0.2.11:8080 -m -w 1
-a -t 10.0.0.1:80 -r 10.0.2.12:8080 -m -w 1
-a -t 10.0.0.2:80 -r 10.0.2.11:80 -g -w 3
-a -t 10.0.0.2:80 -r 10.0.2.12:80 -g -w 1"
expect_table 15 "rs1 back"
expect_ops "add_service=0 edit_service=0 del_service=0 add_dest=1 edit_dest=1 del_dest=0" \
  "rs1 up"

# ---- SIGHUP: edit rs2's weight in NAT, remove the DR service, add 10.0.0.3; NAT's rs1 unchanged
conns_of() {  # conns_of SERVICE DEST: the destination's connection counter (ipvsadm --stats)
  ipvsadm -Ln --stats -t "$1" | awk -v d="$2" '$2 == d {print $3}'
}
# The kernel folds its per-CPU counters into what ipvsadm reads only every 2 s (the rate
# estimator's timer), and a destination just restored from the trash reads 0 until then: read
# both counters until two reads 2.5 s apart agree.
counters() {
  echo "$(conns_of 10.0.0.1:80 10.0.2.11:8080) $(ipvsadm -Ln --stats -t 10.0.0.1:80 |
    awk '$1 == "TCP" {print $3}')"
}
stable_counters() {
  local prev cur i
  prev=$(counters)
  for i in 1 2 3 4 5 6; do
    sleep 2.5
    cur=$(counters)
    [ "$cur" = "$prev" ] && break
    prev=$cur
  done
  echo "$cur"
}
c=$(stable_counters)
before=${c% *} svc_before=${c#* }
sed -i 's/^  real_server 10.0.2.12 8080 {/  real_server 10.0.2.12 8080 {\n    weight 2/' "$w/k.conf"
awk '/^virtual_server 10.0.0.2 80/ {skip = 1} !skip {print} skip && /^}/ {skip = 0}' "$w/k.conf" \
  >"$w/k2.conf"
cat >>"$w/k2.conf" <<CONF
virtual_server 10.0.0.3 80 {
  delay_loop 1
  lb_algo rr
  lb_kind NAT
  protocol TCP
  real_server 10.0.2.11 8080 {
$(checker)
  }
  real_server 10.0.2.12 8080 {
$(checker)
  }
}
CONF
mv "$w/k2.conf" "$w/k.conf"
ops_reset
kill -HUP "$vpid"
want="-A -t 10.0.0.1:80 -s rr
-A -t 10.0.0.3:80 -s rr
-A -t 10.0.0.99:80 -s rr
-a -t 10.0.0.1:80 -r 10.0.2.11:8080 -m -w 1
-a -t 10.0.0.1:80 -r 10.0.2.12:8080 -m -w 2
-a -t 10.0.0.3:80 -r 10.0.2.11:8080 -m -w 1
-a -t 10.0.0.3:80 -r 10.0.2.12:8080 -m -w 1"
expect_table 15 "reload applied"
sleep 3  # the new checkers' first round changes nothing more
expect_ops "add_service=1 edit_service=0 del_service=1 add_dest=2 edit_dest=1 del_dest=0" \
  "reload: only the difference"
c=$(stable_counters)
after=${c% *} svc_after=${c#* }
if [ -n "$before" ] && [ "$before" -gt 0 ] && [ "$after" = "$before" ] &&
  [ "$svc_after" = "$svc_before" ]; then
  ok "the unchanged service and destination kept their counters ($svc_after, $after connections)"
else
  bad "counters after reload: service $svc_before -> $svc_after, rs1 $before -> $after"
fi
expect_spread 10.0.0.3 4 "rs1=2 rs2=2 fail=0" "the new service"

# ---- drift: an edit, an extra destination and a deleted service, all by hand
# vigild's periodic reconcile may come between these commands (each is a process, slow under
# emulation), so the count starts before them: the kernel sees the three changes by hand (an
# edit, an add, a service deleted) plus exactly the repairs (the service and its two
# destinations added, the weight edited back, the extra destination deleted), in any order.
ops_reset
ipvsadm -e -t 10.0.0.1:80 -r 10.0.2.11:8080 -m -w 9
ipvsadm -a -t 10.0.0.1:80 -r 10.0.2.13:8080 -m -w 1
ipvsadm -D -t 10.0.0.3:80
expect_table 25 "drift repaired"
expect_ops "add_service=1 edit_service=0 del_service=1 add_dest=3 edit_dest=2 del_dest=1" \
  "drift: the changes by hand and exactly the repairs"
grep -q 'IPVS changed outside vigil, repairing: TCP 10.0.0.1:80' "$w/vigild.log" &&
  grep -q 'IPVS changed outside vigil, repairing: TCP 10.0.0.3:80' "$w/vigild.log" &&
  ok "the repairs are logged" || bad "no drift log line"

# ---- SIGTERM removes what vigild owns and leaves the foreign service
ops_reset
stop_and_wait "$vpid" 20 && [ "$stopped_rc" -eq 0 ] || bad "vigild exit on SIGTERM: ${stopped_rc:-none}"
want="-A -t 10.0.0.99:80 -s rr"
expect_table 1 "SIGTERM removed vigild's services only"
expect_ops "add_service=0 edit_service=0 del_service=2 add_dest=0 edit_dest=0 del_dest=0" \
  "SIGTERM"

# ---- -I keeps the table; a restart adopts it without a single change
start_vigild -I
want="-A -t 10.0.0.1:80 -s rr
-A -t 10.0.0.3:80 -s rr
-A -t 10.0.0.99:80 -s rr
-a -t 10.0.0.1:80 -r 10.0.2.11:8080 -m -w 1
-a -t 10.0.0.1:80 -r 10.0.2.12:8080 -m -w 2
-a -t 10.0.0.3:80 -r 10.0.2.11:8080 -m -w 1
-a -t 10.0.0.3:80 -r 10.0.2.12:8080 -m -w 1"
expect_table 20 "programmed again"
stop_and_wait "$vpid" 20 && [ "$stopped_rc" -eq 0 ] || bad "vigild -I exit: ${stopped_rc:-none}"
expect_table 1 "-I left the table in place"
ops_reset
start_vigild
wait_for 20 grep -q 'adopted' "$w/vigild.log" || bad "no adoption at restart"
sleep 3
expect_ops "add_service=0 edit_service=0 del_service=0 add_dest=0 edit_dest=0 del_dest=0" \
  "restart over a matching table: adopted as it is"
expect_spread 10.0.0.1 6 "rs1=3 rs2=3 fail=0" "NAT after the restart"
stop_and_wait "$vpid" 20 && [ "$stopped_rc" -eq 0 ] || bad "vigild exit: ${stopped_rc:-none}"
want="-A -t 10.0.0.99:80 -s rr"
expect_table 1 "clean at the end"
ipvsadm -C

if [ "$failures" -ne 0 ]; then
  echo "---- client errors"
  tail -n 5 "$w/wget.err"
  echo "---- direct to rs1: $(printf 'GET / HTTP/1.0\r\n\r\n' | ip netns exec cl nc -w 3 10.0.2.11 8080 2>&1 | tail -n 1)"
  ip -n cl route
  ipvsadm -Lnc | head -n 10
  echo "---- vigild log"
  tail -n 60 "$w/vigild.log"
fi
finish
