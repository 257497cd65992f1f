#!/usr/bin/env bash
# SMTP alerts in a namespace lab: directors d1 (priority 150) and d2 (100) run vigild with a
# sync group of two VRRP instances and a virtual server whose real server is a web server on mx;
# mx also runs two real SMTP servers (python3-aiosmtpd through smtp_sink.py): a plain one for d1
# (keepalived's plain SMTP, vigil's EHLO) and one that requires STARTTLS and AUTH for d2 (vigil's
# extension keywords, a self-signed certificate made here, the password in a 0600 file).
#  - start: d1 mails BACKUP, MASTER (instance and group) and its quorum; d2 BACKUP (instance and
#    group) and its quorum, over TLS with AUTH;
#  - the web server stops: both mail the real server DOWN and the lost quorum; it comes back:
#    both mail it UP and the quorum gained;
#  - d1 is killed: d2 mails MASTER for the instance and the group;
#  - d1 comes back with an SMTP server that drops every packet (its alerts hang in connect for
#    30 s): it still takes MASTER back within the usual time, and the loop is not held up; a
#    SIGTERM then ends it at once, exit 0.
# Subjects and bodies are checked byte for byte against keepalived's shapes.
#   tests/integration/smtp_alerts.sh VIGILD
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
vigild=${1:?usage: smtp_alerts.sh VIGILD}
[ "$(id -u)" -eq 0 ] || { echo "skip: needs root"; exit 77; }
/usr/bin/python3 -c 'import aiosmtpd' 2>/dev/null || { echo "skip: needs python3-aiosmtpd"; exit 77; }
command -v openssl >/dev/null && command -v nft >/dev/null || { echo "skip: needs openssl, nft"; exit 77; }
. "$here/lab.sh"
lab_start d1 d2 mx

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 \
  -subj /CN=mx.lab -addext subjectAltName=DNS:mx.lab,IP:10.77.0.3 \
  -keyout "$work/mx.key" -out "$work/mx.pem" >/dev/null 2>&1 || fail "no test certificate"
printf 'pa55word\n' >"$work/smtp.pass"
chmod 600 "$work/smtp.pass"

sink() {  # sink NAME PORT ARGS...
  local name=$1 port=$2; shift 2
  ip netns exec "$(lab_ns mx)" /usr/bin/python3 "$here/smtp_sink.py" --listen "10.77.0.3:$port" \
    --out "$work/$name.jsonl" --ready "$work/$name.ready" "$@" >>"$work/$name.log" 2>&1 &
  LAB_PIDS+=("$!")
}
sink plain 2525
sink secure 2587 --tls "$work/mx.pem" "$work/mx.key" --require-starttls --auth alice:pa55word
mkdir -p "$work/www"
echo ok >"$work/www/index.html"
web_start() {
  (cd "$work/www" && exec ip netns exec "$(lab_ns mx)" /usr/bin/python3 -m http.server 8080 \
    --bind 10.77.0.3 >>"$work/web.log" 2>&1) &
  WEB=$!
  LAB_PIDS+=("$WEB")
}
web_start
wait_for 10 test -e "$work/plain.ready" -a -e "$work/secure.ready" || fail "SMTP sinks did not start"

conf() {  # conf HOST PRIORITY SMTP-LINES
  cat >"$work/$1.conf" <<CONF
global_defs {
  router_id $1
  notification_email {
    ops@example.org
    lb-team@example.org
  }
  notification_email_from vigil@$1.lab
$3
  smtp_alert
}
vrrp_sync_group VG_1 {
  group {
    VI_1
    VI_2
  }
}
vrrp_instance VI_1 {
  state BACKUP
  interface eth0
  virtual_router_id 51
  priority $2
  advert_int 1
  virtual_ipaddress {
    10.77.0.100/24
  }
}
vrrp_instance VI_2 {
  state BACKUP
  interface eth0
  virtual_router_id 52
  priority $2
  advert_int 1
  virtual_ipaddress {
    10.77.0.101/24
  }
}
virtual_server 10.77.0.100 80 {
  delay_loop 1
  lb_algo rr
  lb_kind NAT
  protocol TCP
  quorum 1
  real_server 10.77.0.3 8080 {
    TCP_CHECK {
      connect_timeout 1
      retry 0
    }
  }
}
CONF
}
conf d1 150 "  smtp_server 10.77.0.3 2525
  smtp_connect_timeout 5"
conf d2 100 "  smtp_server 10.77.0.3 2587
  smtp_connect_timeout 5
  smtp_starttls required
  smtp_tls_ca_file $work/mx.pem
  smtp_auth_user alice
  smtp_auth_password_file $work/smtp.pass"
"$vigild" -t -f "$work/d2.conf" 2>"$work/d2.check" || fail "vigild -t rejects d2.conf: $(cat "$work/d2.check")"

start() {  # start HOST
  ip netns exec "$(lab_ns "$1")" "$vigild" -n -l -D -f "$work/$1.conf" -p "$work/$1.pid" \
    >>"$work/$1.log" 2>&1 &
  LAB_PIDS+=("$!")
  eval "PID_$1=$!"
}

# has SINK SUBJECT BODY [N]: SINK holds at least N (default 1) mails with exactly this Subject
# and body line, in keepalived's shape (Date, From, Subject, X-Mailer, To, empty line, body,
# empty line).
has() {
  /usr/bin/python3 - "$work/$1.jsonl" "$2" "$3" "${4:-1}" <<'PY'
import json, re, sys
path, subject, body, want = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
try:
    mails = [json.loads(l) for l in open(path)]
except FileNotFoundError:
    sys.exit(1)
shape = re.compile(r"Date: (Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d\d (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|"
                   r"Sep|Oct|Nov|Dec) \d{4} \d\d:\d\d:\d\d [+-]\d{4}\r\nFrom: (.*)\r\nSubject: "
                   r"(.*)\r\nX-Mailer: Keepalived\r\nTo: ops@example.org, lb-team@example.org"
                   r"\r\n\r\n(.*)\r\n\r\n\Z")
n = 0
for m in mails:
    g = shape.match(m["data"])
    if g and g.group(4) == subject and g.group(5) == body and g.group(3) == m["from"] \
            and m["to"] == ["ops@example.org", "lb-team@example.org"]:
        n += 1
sys.exit(0 if n >= want else 1)
PY
}
mails() { /usr/bin/python3 -c 'import json,sys; [print(json.loads(l)["data"].split("\r\n")[2]) for l in open(sys.argv[1])]' "$work/$1.jsonl" 2>/dev/null; }
expect_mail() {  # expect_mail SINK SUBJECT BODY SECONDS [N]
  wait_for "$4" has "$1" "$2" "$3" "${5:-1}" || {
    echo "---- mails at $1:"; mails "$1"
    fail "no mail '$2' / '$3' at the $1 server"
  }
}

vs="[10.77.0.100]:tcp:80"
rs="[10.77.0.3]:tcp:8080 of virtual server $vs"
start d1
start d2
wait_for 8 has_vip d1 10.77.0.100 || fail "d1 did not become master"
expect_mail plain "[d1] VRRP Instance VI_1 - Entering BACKUP state" \
  "=> VRRP Instance is no longer owning VRRP VIPs <=" 5
expect_mail plain "[d1] VRRP Instance VI_1 - Entering MASTER state" \
  "=> VRRP Instance is now owning VRRP VIPs <=" 5
expect_mail plain "[d1] VRRP Group VG_1 - Entering MASTER state" \
  "=> All VRRP group instances are now in MASTER state <=" 5
expect_mail plain "[d1] Virtualserver $vs - UP" "=> Starting with quorum up 1+0=1 <= 1 <=" 5
expect_mail secure "[d2] VRRP Instance VI_1 - Entering BACKUP state" \
  "=> VRRP Instance is no longer owning VRRP VIPs <=" 5
expect_mail secure "[d2] VRRP Group VG_1 - Entering BACKUP state" \
  "=> All VRRP group instances are now in BACKUP state <=" 5
expect_mail secure "[d2] Virtualserver $vs - UP" "=> Starting with quorum up 1+0=1 <= 1 <=" 5
/usr/bin/python3 - "$work/secure.jsonl" <<'PY' || fail "d2's mails did not come over TLS with AUTH"
import json, sys
mails = [json.loads(l) for l in open(sys.argv[1])]
sys.exit(0 if mails and all(m["tls"] and m["auth"] == "alice" for m in mails) else 1)
PY
/usr/bin/python3 - "$work/plain.jsonl" "$(uname -n)" <<'PY' ||
import json, sys
mails = [json.loads(l) for l in open(sys.argv[1])]
sys.exit(0 if mails and all(m["helo"] == sys.argv[2] and not m["tls"] for m in mails) else 1)
PY
  fail "d1's mails did not come in clear text after EHLO with the host name"
pass "start-up: instance, sync group and quorum mails; d2's over STARTTLS with AUTH"

# both_mail STATE CHECK-WORDS QUORUM-WORDS: both directors mail the real server and the
# virtual server entering STATE (d1 at the plain sink, d2 at the secure one).
both_mail() {
  local sink_host s h
  for sink_host in plain:d1 secure:d2; do
    s=${sink_host%%:*} h=${sink_host#*:}
    expect_mail "$s" "[$h] Realserver $rs - $1" "=> TCP CHECK $2 on service <=" 8
    expect_mail "$s" "[$h] Virtualserver $vs - $1" "=> $3 <=" 3
  done
}
kill "$WEB"; wait "$WEB" 2>/dev/null
both_mail DOWN failed "Lost quorum 1+0=1 <= 0"
pass "web server stopped: real server DOWN and quorum lost, mailed by both directors"
web_start
both_mail UP succeed "Gained quorum 1+0=1 <= 1"
pass "web server back: real server UP and quorum gained, mailed by both directors"

kill -9 "$PID_d1"
wait_for 8 has_vip d2 10.77.0.100 || fail "d2 did not take over"
expect_mail secure "[d2] VRRP Instance VI_1 - Entering MASTER state" \
  "=> VRRP Instance is now owning VRRP VIPs <=" 5
expect_mail secure "[d2] VRRP Group VG_1 - Entering MASTER state" \
  "=> All VRRP group instances are now in MASTER state <=" 5
pass "d1 killed: d2 mails MASTER for its instance and its sync group"

# d1 again, with an SMTP server whose packets are dropped: each alert session hangs in connect
# for smtp_connect_timeout (30 s). The takeover (master down timer, about 3.4 s) must not wait.
on d1 ip route add 192.0.2.0/24 dev eth0
on d1 nft -f - <<'NFT' || fail "nft did not take the drop rule"
table inet vigil_smtp_lab {
  chain out { type filter hook output priority 0; ip daddr 192.0.2.25 drop; }
}
NFT
conf d1 150 "  smtp_server 192.0.2.25
  smtp_connect_timeout 30"
mv "$work/d1.log" "$work/d1.first.log"
# The killed d1 left its address behind (vigild would remove it at start); take it away first so
# that has_vip sees the takeover.
on d1 ip addr del 10.77.0.100/24 dev eth0 2>/dev/null
on d1 ip addr del 10.77.0.101/24 dev eth0 2>/dev/null
begin=$(date +%s%N)
start d1
wait_for 8 has_vip d1 10.77.0.100 || fail "d1 with an unreachable SMTP server did not take over"
took=$((($(date +%s%N) - begin) / 1000000))
wait_for 3 grep -q "Entering MASTER STATE" "$work/d1.log" || fail "d1 did not log its MASTER state"
grep -q "SMTP server 192.0.2.25" "$work/d1.log" &&
  fail "the unreachable SMTP server's session ended already; the test proves nothing"
wait_for 5 has_vip d1 10.77.0.100 && ! has_vip d2 10.77.0.100 || fail "d2 kept the address"
pass "unreachable SMTP server: d1 took over in ${took} ms while its alert sessions hang"

# SIGTERM while those sessions still hang: vigild cancels them and exits at once (exited: gone,
# or a zombie not yet waited for).
exited() { [ ! -e "/proc/$1" ] || grep -q '^State:.*Z' "/proc/$1/status" 2>/dev/null; }
begin=$(date +%s%N)
kill -TERM "$PID_d1"
wait_for 3 exited "$PID_d1" || fail "d1 did not exit on SIGTERM while its alert sessions hang"
took=$((($(date +%s%N) - begin) / 1000000))
wait "$PID_d1"
rc=$?
[ "$rc" = 0 ] || fail "d1 exited $rc on SIGTERM"
pass "SIGTERM with alert sessions hanging: d1 exited 0 in ${took} ms"
