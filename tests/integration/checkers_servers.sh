#!/usr/bin/env bash
# Health checkers against Debian's nginx (HTTP and HTTPS) and dnsmasq (DNS) in a namespace lab,
# with vigil's checker extensions: vigild -C on director d1, the servers on r1 (10.77.0.2).
#  - HTTP_GET with a PCRE2 regex (a lookbehind) and `rise 2`: a page that stops matching takes
#    the real server DOWN; once it matches again, UP comes after two successful probes.
#  - SSL_GET with verify_certificate against a CA made here: the right CA and name pass; a wrong
#    CA and a wrong name are DOWN with OpenSSL's reason.
#  - DNS_CHECK against dnsmasq: stopped -> DOWN, restarted -> UP.
#  - Shared probes: four identical HTTP_GETs of one real server in four virtual servers make one
#    request per delay_loop (counted in nginx's access log); a fifth that differs (virtualhost)
#    probes on its own.
#  - nginx stopped (refused) and restarted: DOWN and UP again.
#   tests/integration/checkers_servers.sh VIGILD
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
vigild=${1:?usage: checkers_servers.sh VIGILD}
[ "$(id -u)" -eq 0 ] || { echo "skip: needs root"; exit 77; }
for tool in nginx dnsmasq openssl; do
  command -v "$tool" >/dev/null || { echo "skip: needs $tool (scripts/install-deps.sh)"; exit 77; }
done
. "$here/lab.sh"
lab_start d1 r1

# A CA signs r1's certificate for www.lab.test and 10.77.0.2; another CA signs nothing of r1's.
(
  cd "$work" &&
    openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=lab-ca -days 1 -keyout ca.key \
      -out ca.pem &&
    openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=other-ca -days 1 -keyout other.key \
      -out other.pem &&
    openssl req -newkey rsa:2048 -nodes -subj /CN=www.lab.test -keyout srv.key -out srv.csr &&
    printf 'subjectAltName=DNS:www.lab.test,IP:10.77.0.2\n' >san.ext &&
    openssl x509 -req -in srv.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 1 \
      -extfile san.ext -out srv.pem
) >/dev/null 2>&1 || fail "cannot make the test certificates"

mkdir -p "$work/www" "$work/tmp"
echo "status: GREEN" >"$work/www/status.txt"
echo "shared" >"$work/www/shared.txt"
echo "tls page" >"$work/www/tls.txt"
cat >"$work/nginx.conf" <<CONF
daemon off;
master_process off;
worker_processes 1;
user root;
pid $work/nginx.pid;
error_log $work/nginx-error.log;
events { worker_connections 256; }
http {
  log_format lab '\$server_port \$host \$request_uri';
  access_log $work/access.log lab;
  client_body_temp_path $work/tmp;
  proxy_temp_path $work/tmp;
  fastcgi_temp_path $work/tmp;
  uwsgi_temp_path $work/tmp;
  scgi_temp_path $work/tmp;
  server {
    listen 10.77.0.2:8080;
    listen 10.77.0.2:8443 ssl;
    ssl_certificate $work/srv.pem;
    ssl_certificate_key $work/srv.key;
    root $work/www;
  }
}
CONF
nginx_start() {
  # ip netns exec execs the server: $! is the server itself.
  ip netns exec "$(lab_ns r1)" nginx -p "$work" -c "$work/nginx.conf" -e "$work/nginx-error.log" &
  NGINX=$!
  LAB_PIDS+=("$NGINX")
  wait_for 5 on r1 bash -c 'exec 3<>/dev/tcp/10.77.0.2/8080' || fail "nginx did not start"
}
dns_start() {
  ip netns exec "$(lab_ns r1)" dnsmasq --keep-in-foreground --conf-file=/dev/null --no-resolv --no-hosts \
    --listen-address=10.77.0.2 --bind-interfaces --port=53 --user=root \
    --pid-file="$work/dnsmasq.pid" --address=/www.lab.test/10.77.0.2 \
    --log-facility="$work/dnsmasq.log" &
  DNS=$!
  LAB_PIDS+=("$DNS")
}
nginx_start
dns_start

vs() {  # vs ADDRESS PORT PROTOCOL BODY
  cat <<CONF
virtual_server $1 $2 {
  delay_loop 1
  lb_algo rr
  lb_kind NAT
  protocol $3
$4
}
CONF
}
{
  echo "global_defs {
  lvs_notify_fifo $work/lvs.fifo
}"
  vs 10.77.0.100 80 TCP "  real_server 10.77.0.2 8080 {
    HTTP_GET {
      url {
        path /status.txt
        regex \"(?<=status: )GREEN\"
      }
      connect_timeout 1
      retry 0
      rise 2
    }
  }"
  vs 10.77.0.100 443 TCP "  real_server 10.77.0.2 8443 {
    SSL_GET {
      url {
        path /tls.txt
        digest $(md5sum <"$work/www/tls.txt" | cut -d' ' -f1)
      }
      verify_certificate
      verify_ca_file $work/ca.pem
      verify_host www.lab.test
      connect_timeout 1
      retry 0
    }
  }"
  vs 10.77.0.101 443 TCP "  real_server 10.77.0.2 8443 {
    SSL_GET {
      url {
        path /tls.txt
      }
      verify_certificate
      verify_ca_file $work/other.pem
      connect_timeout 1
      retry 0
    }
  }"
  vs 10.77.0.102 443 TCP "  real_server 10.77.0.2 8443 {
    SSL_GET {
      url {
        path /tls.txt
      }
      verify_certificate
      verify_ca_file $work/ca.pem
      verify_host wrong.lab.test
      connect_timeout 1
      retry 0
    }
  }"
  vs 10.77.0.100 53 UDP "  real_server 10.77.0.2 53 {
    DNS_CHECK {
      type A
      name www.lab.test
      connect_timeout 1
      retry 0
    }
  }"
  for i in 110 111 112 113 114; do
    vhost=""
    [ "$i" = 114 ] && vhost="virtualhost other.lab.test"
    vs 10.77.0.$i 80 TCP "  real_server 10.77.0.2 8080 {
    HTTP_GET {
      url {
        path /shared.txt
      }
      $vhost
      connect_timeout 1
    }
  }"
  done
} >"$work/d1.conf"

mkfifo "$work/lvs.fifo"
cat "$work/lvs.fifo" >"$work/fifo.log" &
LAB_PIDS+=("$!")
on d1 "$vigild" -n -l -D -C -f "$work/d1.conf" -p "$work/d1.pid" >>"$work/d1.log" 2>&1 &
LAB_PIDS+=("$!")

web="[10.77.0.2]:tcp:8080 [10.77.0.100]:tcp:80"
tls="[10.77.0.2]:tcp:8443 [10.77.0.100]:tcp:443"
dns="[10.77.0.2]:udp:53 [10.77.0.100]:udp:53"
# expect LINE N SECONDS: the FIFO shows LINE for the N-th time within SECONDS.
expect() { wait_for "$3" sh -c "[ \$(grep -cxF -- '$1' '$work/fifo.log') -ge $2 ]"; }
requests() { grep -c -- "$1" "$work/access.log" 2>/dev/null || true; }

# Verification: the wrong CA and the wrong name are refused, with OpenSSL's reasons.
expect "RS [10.77.0.2]:tcp:8443 [10.77.0.101]:tcp:443 DOWN" 1 8 ||
  fail "SSL_GET with the wrong CA not reported DOWN"
expect "RS [10.77.0.2]:tcp:8443 [10.77.0.102]:tcp:443 DOWN" 1 2 ||
  fail "SSL_GET with the wrong name not reported DOWN"
grep -q "10.77.0.2\]:tcp:8443 failed: .*unable to get local issuer certificate" "$work/d1.log" ||
  fail "the wrong CA's reason is not in the log"
grep -q "10.77.0.2\]:tcp:8443 failed: .*hostname mismatch" "$work/d1.log" ||
  fail "the wrong name's reason is not in the log"
sleep 1
grep -q "^RS .*\[10.77.0.100\]" "$work/fifo.log" &&
  fail "a healthy real server (nginx HTTP or HTTPS with the right CA, dnsmasq) was reported"
grep -q "4 healthchecker(s) share 1 probe(s)" "$work/d1.log" || fail "no shared probe announced"
pass "nginx HTTP, HTTPS verified with the lab CA and dnsmasq healthy; wrong CA and name DOWN"

# Shared probes: over 4 s, the four identical checkers make about 4 requests (not 16), the one
# with another virtualhost its own.
before_shared=$(requests " 10.77.0.2 /shared.txt")
before_other=$(requests " other.lab.test /shared.txt")
sleep 4
shared=$(($(requests " 10.77.0.2 /shared.txt") - before_shared))
other=$(($(requests " other.lab.test /shared.txt") - before_other))
[ "$shared" -ge 2 ] && [ "$shared" -le 5 ] ||
  fail "four identical checkers made $shared requests in 4 s (expected one per delay_loop)"
[ "$other" -ge 2 ] || fail "the checker with another virtualhost made $other requests in 4 s"
pass "shared probe: $shared requests in 4 s for four identical checkers, $other for the other"

# PCRE2 regex and rise 2: RED does not match; GREEN again needs two successes.
echo "status: RED" >"$work/www/status.txt"
expect "RS $web DOWN" 1 5 || fail "a page without the regex was not reported DOWN"
grep -q "8080 failed: url(/status.txt): regex did not match" "$work/d1.log" ||
  fail "the regex failure's reason is not in the log"
fixed=$(requests " /status.txt")
echo "status: GREEN" >"$work/www/status.txt"
expect "RS $web UP" 1 6 || fail "the page matching again was not reported UP"
after=$(($(requests " /status.txt") - fixed))
[ "$after" -ge 2 ] || fail "UP after $after successful probe(s), rise is 2"
pass "PCRE2 regex: DOWN on RED, UP after $after GREEN probes (rise 2)"

# DNS: dnsmasq stopped (ICMP unreachable or silence), then back.
kill "$DNS"
wait "$DNS" 2>/dev/null
expect "RS $dns DOWN" 1 6 || fail "stopped dnsmasq not reported DOWN"
dns_start
expect "RS $dns UP" 1 6 || fail "restarted dnsmasq not reported UP"
pass "DNS_CHECK: dnsmasq stopped DOWN, restarted UP"

# nginx stopped: HTTPS refused, DOWN; restarted: UP.
kill "$NGINX"
wait "$NGINX" 2>/dev/null
expect "RS $tls DOWN" 1 6 || fail "stopped nginx not reported DOWN over HTTPS"
expect "RS $web DOWN" 2 3 || fail "stopped nginx not reported DOWN over HTTP"
nginx_start
expect "RS $tls UP" 1 6 || fail "restarted nginx not reported UP over HTTPS"
expect "RS $web UP" 2 6 || fail "restarted nginx not reported UP over HTTP"
pass "nginx stopped: HTTP and HTTPS DOWN; restarted: UP"

kill -TERM "$(cat "$work/d1.pid")"
wait_for 5 sh -c "! kill -0 $(cat "$work/d1.pid") 2>/dev/null" || fail "vigild did not stop"
pass "vigild -C stopped cleanly"
