#!/usr/bin/env bash
# Health checkers against real servers in a namespace lab: vigild -C on director d1 checks an
# HTTP server (python3 http.server) on r1, a TLS server (openssl s_server) on r2 and a MISC_CHECK
# script. Failures are injected (server stopped: refused; black-holed with nftables: timeout;
# plain TCP where TLS is expected: handshake failure; script failing or hanging; a FILE_CHECK's
# tracked file set) and every one
# must take its real server DOWN and recovery must bring it back UP, as seen on the
# lvs_notify_fifo (keepalived's "RS <rs> <vs> UP|DOWN" and "VS <vs> UP|DOWN" lines) and through
# notify_up / notify_down.
#   tests/integration/checkers.sh VIGILD
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
vigild=${1:?usage: checkers.sh VIGILD}
[ "$(id -u)" -eq 0 ] || { echo "skip: needs root"; exit 77; }
command -v openssl >/dev/null && command -v nft >/dev/null || { echo "skip: needs openssl, nft"; exit 77; }
. "$here/lab.sh"
lab_start d1 r1 r2

mkdir -p "$work/www"
echo "healthy" >"$work/www/ok.html"
openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=r2 -days 1 \
  -keyout "$work/key.pem" -out "$work/cert.pem" >/dev/null 2>&1 || fail "no test certificate"

web_start() {
  (cd "$work/www" && exec ip netns exec "$(lab_ns r1)" /usr/bin/python3 -m http.server 8080 \
    --bind 10.77.0.2 >>"$work/web.log" 2>&1) &
  WEB=$!
  LAB_PIDS+=("$WEB")
}
tls_start() {
  (cd "$work/www" && exec ip netns exec "$(lab_ns r2)" openssl s_server -quiet -WWW \
    -accept 8443 -cert "$work/cert.pem" -key "$work/key.pem" >>"$work/tls.log" 2>&1) &
  TLS=$!
  LAB_PIDS+=("$TLS")
}
web_start
tls_start
echo 0 >"$work/misc.flag"
cat >"$work/misc.sh" <<SH
#!/bin/sh
case "\$(cat $work/misc.flag)" in
  0) exit 0 ;;
  hang) exec sleep 30 ;;
  *) exit 1 ;;
esac
SH
cat >"$work/notify.sh" <<SH
#!/bin/sh
echo "\$*" >>"$work/checkers.notify"
SH
chmod 755 "$work/misc.sh" "$work/notify.sh"

echo 0 >"$work/rs.flag"
cat >"$work/d1.conf" <<CONF
global_defs {
  lvs_notify_fifo $work/lvs.fifo
}
track_file rs_flag {
  file $work/rs.flag
  weight 0
}
virtual_server 10.77.0.100 80 {
  delay_loop 1
  lb_algo rr
  lb_kind NAT
  protocol TCP
  quorum 3
  real_server 10.77.0.2 8080 {
    notify_up "$work/notify.sh up web"
    notify_down "$work/notify.sh down web"
    HTTP_GET {
      url {
        path /ok.html
        digest $(md5sum <"$work/www/ok.html" | cut -d' ' -f1)
      }
      connect_timeout 1
      retry 1
      delay_before_retry 1
    }
  }
  real_server 10.77.0.3 8443 {
    SSL_GET {
      url {
        path /ok.html
      }
      connect_timeout 1
      retry 0
    }
  }
  real_server 10.77.0.3 9999 {
    MISC_CHECK {
      misc_path $work/misc.sh
      misc_timeout 1
    }
    FILE_CHECK {
      track_file rs_flag
    }
  }
}
CONF
mkfifo "$work/lvs.fifo"
cat "$work/lvs.fifo" >"$work/fifo.log" &
LAB_PIDS+=("$!")
ip netns exec "$(lab_ns d1)" "$vigild" -n -l -D -C -f "$work/d1.conf" -p "$work/d1.pid" \
  >>"$work/d1.log" 2>&1 &
LAB_PIDS+=("$!")

web="[10.77.0.2]:tcp:8080 [10.77.0.100]:tcp:80"
tls="[10.77.0.3]:tcp:8443 [10.77.0.100]:tcp:80"
misc="[10.77.0.3]:tcp:9999 [10.77.0.100]:tcp:80"
# expect LINE N SECONDS: the FIFO shows LINE for the N-th time within SECONDS.
expect() { wait_for "$3" sh -c "[ \$(grep -cxF -- '$1' '$work/fifo.log') -ge $2 ]"; }

# Every probe passes at first: no real server reported (rs_init_notifies is off), quorum 3 held
# ("Starting with quorum up" writes its VS line, as keepalived's do_vs_notifies).
sleep 4
grep -q "^RS" "$work/fifo.log" && fail "unexpected RS lines while everything is healthy"
grep -q "Activating 4 healthchecker" "$work/d1.log" || fail "checkers did not start"
pass "three real servers healthy, quorum held, nothing reported"

# HTTP server stopped: connection refused, DOWN after 1 + retry failures; back UP on restart.
kill "$WEB"; wait "$WEB" 2>/dev/null
expect "RS $web DOWN" 1 8 || fail "stopped web server not reported DOWN"
expect "VS [10.77.0.100]:tcp:80 DOWN" 1 2 || fail "quorum 3 not lost"
grep -q "^down web" "$work/checkers.notify" 2>/dev/null || fail "notify_down did not run"
web_start
expect "RS $web UP" 1 8 || fail "restarted web server not reported UP"
expect "VS [10.77.0.100]:tcp:80 UP" 2 2 || fail "quorum not regained"
grep -q "^up web" "$work/checkers.notify" || fail "notify_up did not run"
pass "refused: web DOWN, quorum lost, notify_down; restarted: UP, quorum back, notify_up"

# Black hole: packets to the web server dropped, so the probe times out.
on r1 nft -f - <<'NFT' || fail "nft did not take the black hole"
table inet vigil_lab {
  chain in { type filter hook input priority 0; tcp dport 8080 drop; }
}
NFT
expect "RS $web DOWN" 2 10 || fail "black-holed web server not reported DOWN"
grep -q "HTTP_GET on \[10.77.0.2\]:tcp:8080 failed: .*tim" "$work/d1.log" ||
  fail "the black hole was not reported as a timeout"
on r1 nft delete table inet vigil_lab
expect "RS $web UP" 2 8 || fail "web server not back after the black hole"
pass "black hole: web DOWN on timeout, UP again when it is lifted"

# TLS: the server stopped, then a plain TCP listener (handshake failure), then TLS again.
kill "$TLS"; wait "$TLS" 2>/dev/null
expect "RS $tls DOWN" 1 6 || fail "stopped TLS server not reported DOWN"
tls_start
expect "RS $tls UP" 1 8 || fail "TLS server not back UP"
kill "$TLS"; wait "$TLS" 2>/dev/null
ip netns exec "$(lab_ns r2)" /usr/bin/python3 -c '
import socket, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("10.77.0.3", 8443)); s.listen(16)
while True:
    c, _ = s.accept(); c.sendall(b"HTTP/1.0 200 OK\r\n\r\nnot tls\n"); c.close()
' >/dev/null 2>&1 &
PLAIN=$!
LAB_PIDS+=("$PLAIN")
expect "RS $tls DOWN" 2 6 || fail "plain TCP where TLS is expected not reported DOWN"
kill "$PLAIN"; wait "$PLAIN" 2>/dev/null
tls_start
expect "RS $tls UP" 2 8 || fail "TLS server not back after the handshake failure"
pass "SSL_GET: stopped and non-TLS server DOWN, recovered UP"

# MISC_CHECK: exit 1, then a script that hangs past misc_timeout, then exit 0.
echo 1 >"$work/misc.flag"
expect "RS $misc DOWN" 1 6 || fail "failing MISC_CHECK not reported DOWN"
echo 0 >"$work/misc.flag"
expect "RS $misc UP" 1 6 || fail "MISC_CHECK not back UP"
echo hang >"$work/misc.flag"
expect "RS $misc DOWN" 2 8 || fail "hung MISC_CHECK not reported DOWN"
echo 0 >"$work/misc.flag"
expect "RS $misc UP" 2 8 || fail "MISC_CHECK not back UP after hanging"
pass "MISC_CHECK: failure and hang DOWN, recovery UP"

# FILE_CHECK: a non-zero value in the tracked file (weight 0) takes the real server down at once.
echo 1 >"$work/rs.flag"
expect "RS $misc DOWN" 3 4 || fail "FILE_CHECK fault not reported DOWN"
echo 0 >"$work/rs.flag"
expect "RS $misc UP" 3 4 || fail "FILE_CHECK not back UP"
pass "FILE_CHECK: the tracked file takes the real server down and back up"

# SIGTERM: a clean exit.
kill -TERM "$(cat "$work/d1.pid")"
wait_for 5 sh -c "! kill -0 $(cat "$work/d1.pid") 2>/dev/null" || fail "vigild did not stop on SIGTERM"
pass "vigild -C stopped cleanly"
