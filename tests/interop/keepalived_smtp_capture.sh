#!/usr/bin/env bash
# Captures the SMTP alerts Debian's keepalived sends, byte for byte, at a raw SMTP sink
# (raw_smtp_sink.py): how tests/daemon/data/keepalived_alerts/ was made. Not part of CI.
#   keepalived_smtp_capture.sh vrrp OUTDIR       VRRP instance and sync group mails, in a
#                                                network namespace (seconds)
#   keepalived_smtp_capture.sh checkers OUTDIR   real and virtual server mails; keepalived's
#                                                checker needs IPVS, so it runs in a qemu guest
#                                                with Debian's kernel (about a minute; needs
#                                                qemu-system-x86, busybox, cpio, kmod, and
#                                                downloads linux-image-amd64 with apt-get)
# OUTDIR gets one N.eml per connection (the bytes after DATA) and sink.log (every line).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
mode=${1:?usage: keepalived_smtp_capture.sh vrrp|checkers OUTDIR}
out=$(mkdir -p "${2:?usage: keepalived_smtp_capture.sh vrrp|checkers OUTDIR}" && cd "$2" && pwd)
[ "$(id -u)" -eq 0 ] || { echo "needs root"; exit 1; }
work=$(mktemp -d)
pids=()
ns=kacap$$
cleanup() {
  local p
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  ip netns del "$ns" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
listening() {  # listening [NETNS] PORT: the sink accepts connections on 127.0.0.1:PORT
  local i
  for i in $(seq 100); do
    if [ $# -eq 2 ]; then
      ip netns exec "$1" bash -c "echo >/dev/tcp/127.0.0.1/$2" 2>/dev/null && return 0
    else
      bash -c "echo >/dev/tcp/127.0.0.1/$1" 2>/dev/null && return 0
    fi
    sleep 0.1
  done
  echo "the sink did not start"
  exit 1
}

capture_vrrp() {
  ip netns add "$ns"
  ip -n "$ns" link set lo up
  ip -n "$ns" link add eth0 type veth peer name eth1
  ip -n "$ns" link set eth0 up
  ip -n "$ns" link set eth1 up
  ip -n "$ns" addr add 10.9.0.1/24 dev eth0
  ip netns exec "$ns" /usr/bin/python3 "$here/raw_smtp_sink.py" 127.0.0.1 2525 "$out/sink.log" \
    "$out" &
  pids+=("$!")
  cat >"$work/ka.conf" <<'CONF'
global_defs {
  router_id LVS_DEVEL
  notification_email {
    admin@example.com
    ops@example.org
  }
  notification_email_from vigil-test@example.net
  smtp_server 127.0.0.1 2525
  smtp_connect_timeout 3
  smtp_alert
}
vrrp_sync_group VG_1 {
  group {
    VI_1
  }
}
vrrp_instance VI_1 {
  state BACKUP
  interface eth0
  virtual_router_id 51
  priority 100
  advert_int 1
  virtual_ipaddress {
    10.9.0.100/24
  }
}
vrrp_instance VI_2 {
  state BACKUP
  interface eth0
  virtual_router_id 52
  priority 100
  advert_int 1
  virtual_ipaddress {
    10.9.0.101/24
  }
}
CONF
  listening "$ns" 2525
  # BACKUP at start, MASTER after the master down timer, FAULT on link down, BACKUP, MASTER.
  ip netns exec "$ns" keepalived -n -l -D -f "$work/ka.conf" -p "$work/ka.pid" -r "$work/vrrp.pid" \
    -c "$work/chk.pid" >"$out/keepalived.log" 2>&1 &
  local ka=$!
  sleep 6
  ip -n "$ns" link set eth0 down
  sleep 2
  ip -n "$ns" link set eth0 up
  sleep 5
  kill "$ka"
  wait "$ka" || true
}

capture_checkers() {
  local vm=$work/vm k
  mkdir -p "$vm" && cd "$vm"
  apt-get download linux-image-amd64 >/dev/null 2>&1
  k=$(dpkg-deb -f linux-image-amd64_*.deb Depends | sed -n 's/.*\(linux-image-[0-9][^ ]*-amd64\).*/\1/p')
  apt-get download "$k" >/dev/null 2>&1
  dpkg-deb -x "$k"_*.deb root
  local kv=${k#linux-image-}
  depmod -b root "$kv"
  local m=root/lib/modules/$kv ird=$vm/ird
  mkdir -p "$ird"/{bin,sbin,proc,sys,dev,tmp,etc,run,var/run,w1,w2,w3,w5,w6,w7,w8} "$ird/lib/modules/$kv"
  cp /usr/bin/busybox "$ird/bin/"
  for a in $(busybox --list | grep -vx busybox); do ln -sf busybox "$ird/bin/$a"; done
  cp "$(command -v keepalived)" "$(command -v openssl)" "$ird/sbin/"
  for l in $(ldd /bin/busybox "$(command -v keepalived)" "$(command -v openssl)" 2>/dev/null |
    grep -v ':$' | grep -o '/[^ ]*'); do
    mkdir -p "$ird$(dirname "$l")"
    cp -L "$l" "$ird$l"
  done
  for mod in crypto/crc32c_generic.ko lib/libcrc32c.ko net/ipv4/netfilter/nf_defrag_ipv4.ko \
    net/ipv6/netfilter/nf_defrag_ipv6.ko net/netfilter/nf_conntrack.ko \
    net/netfilter/ipvs/ip_vs.ko net/netfilter/ipvs/ip_vs_rr.ko \
    drivers/net/ethernet/intel/e1000/e1000.ko; do
    mkdir -p "$ird/lib/modules/$kv/kernel/$(dirname $mod)"
    cp "$m/kernel/$mod" "$ird/lib/modules/$kv/kernel/$mod"
  done
  cp "$m"/modules.dep "$m"/modules.alias "$m"/modules.symbols "$m"/modules.builtin* \
    "$ird/lib/modules/$kv/" 2>/dev/null || true
  echo 'root:x:0:0:root:/root:/bin/sh' >"$ird/etc/passwd"
  echo 'root:x:0:' >"$ird/etc/group"
  openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=rs -days 1 -keyout "$ird/key.pem" \
    -out "$ird/cert.pem" >/dev/null 2>&1
  cat >"$ird/ka.conf" <<'CONF'
global_defs {
  router_id LVS_DEVEL
  notification_email {
    admin@example.com
  }
  notification_email_from kad@example.net
  smtp_server 10.0.2.2 2526
  smtp_connect_timeout 5
  smtp_alert_checker
}
track_file tf {
  file /tmp/track
  weight 0
}
virtual_server 10.0.2.110 80 {
  delay_loop 1
  lb_algo rr
  lb_kind NAT
  protocol TCP
  quorum 3
  hysteresis 1
  omega
  real_server 127.0.0.1 8081 {
    weight 2
    TCP_CHECK {
      connect_timeout 1
      retry 0
    }
  }
  real_server 127.0.0.1 8082 {
    weight 2
    TCP_CHECK {
      connect_timeout 1
      retry 0
    }
  }
}
virtual_server 10.0.2.111 80 {
  delay_loop 1
  lb_algo rr
  lb_kind NAT
  protocol TCP
  real_server 127.0.0.1 8083 {
    TCP_CHECK {
      connect_timeout 1
      retry 0
    }
    MISC_CHECK {
      misc_path "/tmp/misc.sh /tmp/m2"
      retry 0
    }
  }
}
virtual_server 10.0.2.112 80 {
  delay_loop 1
  lb_algo rr
  lb_kind NAT
  protocol TCP
  smtp_alert no
  alpha
CONF
  local url='      url {\n        path /index.html\n      }\n'
  rs() { printf '  real_server %s %s {\n    %s {\n%b      connect_timeout 1\n      retry 0\n    }\n  }\n' "$@"; }
  {
    rs 127.0.0.1 8085 HTTP_GET "      url {\n        path /index.html\n        digest eff5bc1ef8ec9d03e640fc4370f5eacd\n      }\n"
    rs 127.0.0.1 8086 HTTP_GET "$url"
    rs 127.0.0.1 8087 HTTP_GET "$url"
    rs 127.0.0.1 8088 HTTP_GET "$url"
    rs 127.0.0.1 8443 SSL_GET "$url"
    rs 127.0.0.1 2525 SMTP_CHECK ""
    rs 10.0.2.2 5053 DNS_CHECK ""
    rs 10.0.2.2 5001 UDP_CHECK "      payload 68656c6c6f\n      require_reply 68656c6c6f\n"
    rs 10.0.2.50 1 PING_CHECK ""
    printf '  real_server 10.0.2.51 1 {\n    FILE_CHECK {\n      track_file tf\n    }\n  }\n}\n'
    cat <<'CONF'
virtual_server 10.0.2.113 80 {
  delay_loop 1
  lb_algo rr
  lb_kind NAT
  protocol TCP
  smtp_alert
  alpha
  sorry_server 127.0.0.1 9999
  real_server 127.0.0.1 8089 {
    TCP_CHECK {
      connect_timeout 1
      retry 0
    }
  }
}
CONF
  } >>"$ird/ka.conf"
  cat >"$ird/init" <<'GUEST'
#!/bin/sh
mount -t proc proc /proc; mount -t sysfs sys /sys; mount -t devtmpfs dev /dev
hostname vm
modprobe crc32c_generic; modprobe ip_vs; modprobe ip_vs_rr; modprobe e1000
ip link set lo up; ip link set eth0 up; ip addr add 10.0.2.15/24 dev eth0
ip route add default via 10.0.2.2
ip addr add 10.0.2.50/24 dev eth0
for d in 1 2 3 5 6 7 8; do echo ok > /w$d/index.html; done
echo 0 > /tmp/m2; echo 0 > /tmp/track
printf '#!/bin/sh\nexit $(cat $1)\n' > /tmp/misc.sh; chmod 755 /tmp/misc.sh
printf '#!/bin/sh\necho "220 g ESMTP\r"\nwhile read l; do case "$l" in QUIT*) echo "221 bye\r"; exit 0;; *) echo "250 ok\r";; esac; done\n' > /tmp/smtpd.sh
chmod 755 /tmp/smtpd.sh
hs() { httpd -f -p 127.0.0.1:$1 -h /w$2 & eval H$2=\$!; }
hs 8081 1; hs 8082 2; hs 8083 3; hs 8085 5; hs 8086 6; hs 8087 7; hs 8088 8
nc -ll -p 2525 -e /tmp/smtpd.sh & NC=$!
openssl s_server -quiet -WWW -accept 8443 -cert /cert.pem -key /key.pem >/dev/null 2>&1 & SSL=$!
keepalived -n -l -D -f /ka.conf > /tmp/ka.log 2>&1 &
sleep 16
echo break | nc 10.0.2.2 2527
kill $H1; echo 1 > /tmp/m2; echo changed > /w5/index.html; rm /w6/index.html; kill $H7
kill -STOP $H8; kill $SSL; kill $NC; ip addr del 10.0.2.50/24 dev eth0; echo 1 > /tmp/track
sleep 6
kill $H2; kill $H3
sleep 6
echo recover | nc 10.0.2.2 2527
echo 0 > /tmp/m2; hs 8081 1; echo ok > /w5/index.html; echo ok > /w6/index.html; hs 8087 7
kill -CONT $H8
openssl s_server -quiet -WWW -accept 8443 -cert /cert.pem -key /key.pem >/dev/null 2>&1 &
nc -ll -p 2525 -e /tmp/smtpd.sh &
ip addr add 10.0.2.50/24 dev eth0; echo 0 > /tmp/track
sleep 6
hs 8082 2; hs 8083 3
sleep 6
kill $(pidof keepalived); sleep 3
cat /tmp/ka.log
echo GUEST-DONE
poweroff -f
GUEST
  chmod +x "$ird/init"
  (cd "$ird" && find . | cpio -o -H newc 2>/dev/null | gzip -1) >"$vm/initrd.gz"
  # The host side: the sink, a UDP echo and a DNS responder that a control connection from the
  # guest breaks and mends (qemu's user network maps 10.0.2.2 to the host's loopback).
  /usr/bin/python3 "$here/raw_smtp_sink.py" 127.0.0.1 2526 "$out/sink.log" "$out" &
  pids+=("$!")
  /usr/bin/python3 - <<'PY' &
import asyncio
state = {"broken": False}
class Echo(asyncio.DatagramProtocol):
    def connection_made(self, t): self.t = t
    def datagram_received(self, d, a):
        if not state["broken"]: self.t.sendto(d, a)
class Dns(asyncio.DatagramProtocol):
    def connection_made(self, t): self.t = t
    def datagram_received(self, d, a):
        if state["broken"] or len(d) < 12: return
        r = bytearray(d); r[2] = 0x81; r[3] = 0x80
        self.t.sendto(bytes(r), a)
async def control(r, w):
    state["broken"] = (await r.readline()).strip() == b"break"
    w.close()
async def main():
    loop = asyncio.get_running_loop()
    await loop.create_datagram_endpoint(Echo, local_addr=("127.0.0.1", 5001))
    await loop.create_datagram_endpoint(Dns, local_addr=("127.0.0.1", 5053))
    s = await asyncio.start_server(control, "127.0.0.1", 2527)
    async with s: await s.serve_forever()
asyncio.run(main())
PY
  pids+=("$!")
  listening 2526
  listening 2527
  timeout 300 qemu-system-x86_64 -m 512 -nographic -no-reboot -kernel root/boot/vmlinuz-"$kv" \
    -initrd "$vm/initrd.gz" -append "console=ttyS0 quiet panic=-1" \
    -netdev user,id=n0 -device e1000,netdev=n0 >"$out/guest.log" 2>&1
}

case "$mode" in
  vrrp) capture_vrrp ;;
  checkers) capture_checkers ;;
  *) echo "usage: keepalived_smtp_capture.sh vrrp|checkers OUTDIR"; exit 2 ;;
esac
for f in "$out"/*.eml; do
  [ -e "$f" ] || continue
  printf '%s: %s | %s\n' "$(basename "$f")" "$(grep -a '^Subject' "$f" | tr -d '\r')" \
    "$(grep -a '^=>' "$f" | tr -d '\r')"
done | sort -n
