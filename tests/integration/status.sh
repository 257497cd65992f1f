#!/usr/bin/env bash
# Live status, control and metrics on a vigild pair: directors d1 (priority 150) and d2 (100)
# run VI_1 (VRRPv3, advert_int 0.2) and TCP_CHECK a small listener on r1. Through vigilctl and
# the control socket: the election, a real server going down and up, a refused reload of a
# broken file that changes nothing, a valid reload, config-test, dump, metrics that move and
# pass promtool, a non-root client refused (by file mode and by peer credentials), and a
# failover (d1 killed). d2 serves the status page over HTTP; one headless Chromium session
# (chromedriver, a phone's viewport) loads it, sees the lab's state and follows the real
# server and the failover. IPVS is absent on some kernels: the status must say so plainly.
#   tests/integration/status.sh VIGILD [VIGILCTL]
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
vigild=${1:?usage: status.sh VIGILD [VIGILCTL]}
vigilctl=${2:-$(cd "$(dirname "$vigild")/.." && pwd)/ctl/vigilctl}
[ "$(id -u)" -eq 0 ] || { echo "skip: needs root"; exit 77; }
for t in /usr/bin/python3 /usr/bin/promtool /usr/bin/chromium /usr/bin/chromedriver setpriv; do
  command -v "$t" >/dev/null || { echo "skip: needs $t (scripts/install-deps.sh)"; exit 77; }
done
[ -x "$vigilctl" ] || { echo "FAIL: no vigilctl at $vigilctl"; exit 1; }
. "$here/lab.sh"
lab_start d1 d2 r1
started=$SECONDS

py() { /usr/bin/python3 "$@"; }
ctl() { local h=$1; shift; "$vigilctl" -s "$work/$h.sock" "$@"; }
# q HOST EXPR: EXPR (Python, over the status document `s`) printed
q() {
  ctl "$1" status --json | py -c "import json,sys; s=json.load(sys.stdin); print($2)"
}
vi1() { q "$1" "s['vrrp']['instances'][0]['$2']"; }
is() { [ "$(q "$1" "$2")" = "$3" ]; }  # is HOST EXPR VALUE
VI1_STATE="s['vrrp']['instances'][0]['state']"
RS_ALIVE="s['checkers']['virtual_servers'][0]['real_servers'][0]['alive']"
rs() { q "$1" "s['checkers']['virtual_servers'][0]['real_servers'][0]$2"; }
metric() {  # metric HOST NAME{LABELS}: the sample's value
  ctl "$1" metrics | awk -v m="$2" '$1 == m { print $2 }'
}

listener() {  # the real server: a TCP listener on r1
  ip netns exec "$(lab_ns r1)" /usr/bin/python3 -m http.server 8080 --bind 10.77.0.3 \
    >>"$work/r1.log" 2>&1 &
  RS=$!
  LAB_PIDS+=("$RS")
}

for n in 1 2; do
  prio=$((n == 1 ? 150 : 100))
  cat >"$work/d$n.conf" <<CONF
global_defs {
  router_id d$n
  vrrp_version 3
}
vrrp_instance VI_1 {
  interface eth0
  virtual_router_id 51
  priority $prio
  advert_int 0.2
  virtual_ipaddress {
    10.77.0.100/24
  }
}
virtual_server 10.77.0.100 80 {
  delay_loop 1
  lb_algo rr
  lb_kind NAT
  protocol TCP
  real_server 10.77.0.3 8080 {
    weight 1
    TCP_CHECK {
      connect_timeout 1
      retry 0
    }
  }
}
CONF
done
listener
wait_for 10 on r1 /usr/bin/python3 -c "import socket; socket.create_connection(('10.77.0.3', 8080), 1)" ||
  fail "the real server did not start"
http_port=18180
for n in 1 2; do
  extra=()
  [ "$n" = 2 ] && extra=(--status-http="127.0.0.1:$http_port")
  ip netns exec "$(lab_ns "d$n")" "$vigild" -n -l -D -f "$work/d$n.conf" -p "$work/d$n.pid" \
    "${extra[@]}" >>"$work/d$n.log" 2>&1 &
  LAB_PIDS+=("$!")
done

# ---- the control socket: beside the pid file, root only ----
wait_for 10 test -S "$work/d1.sock" || fail "d1 has no control socket beside its pid file"
[ "$(stat -c %a "$work/d1.sock")" = 600 ] || fail "control socket mode is not 0600"
pass "control socket $work/d1.sock, mode 0600"

# ---- election ----
wait_for 10 is d1 "$VI1_STATE" MASTER || fail "vigilctl does not show d1 MASTER"
wait_for 5 is d2 "s['vrrp']['instances'][0]['master']" 10.77.0.1 ||
  fail "d2 does not name d1 as its master"
[ "$(vi1 d2 state)" = BACKUP ] || fail "d2 is not BACKUP"
[ "$(vi1 d1 effective_priority)" = 150 ] || fail "d1's priority is not 150"
has_vip d1 10.77.0.100 || fail "d1 MASTER without the VIP"
text=$(ctl d1 status) || fail "vigilctl status failed"
grep -Eq '^VI_1 +MASTER +150 +10\.77\.0\.1 +eth0 +51 ' <<<"$text" || fail "status text: $text"
pass "vigilctl status shows the election (d1 MASTER, d2 BACKUP following 10.77.0.1)"

# ---- IPVS: real or absent, said plainly ----
wait_for 10 is d1 "s['checkers']['virtual_servers'][0]['real_servers'][0]['checks'][0]['probes'] > 0" True ||
  fail "no probe of the real server ran"
if [ "$(q d1 "s['ipvs']['available']")" = True ]; then
  grep -q '^TCP  10.77.0.100:80 rr' <<<"$(ctl d1 status)" || fail "no IPVS table in the status"
  pass "IPVS present: the table is shown as ipvsadm -Ln does"
else
  grep -q 'IPVS is not available in this kernel' <<<"$(ctl d1 status)" ||
    fail "IPVS absent but the status does not say so"
  [ "$(metric d1 vigil_ipvs_available)" = 0 ] || fail "vigil_ipvs_available is not 0"
  pass "IPVS absent: the status and the metrics say so"
fi

# ---- a real server down and up ----
[ "$(rs d1 "['alive']")" = True ] || fail "the real server is not up"
grep -Eq '^  -> \[10\.77\.0\.3\]:tcp:8080 +UP +weight 1 +TCP_CHECK ok ' <<<"$(ctl d1 status)" ||
  fail "status text lacks the real server UP: $(ctl d1 status)"
fails_before=$(metric d1 'vigil_check_failures_total{type="TCP_CHECK"}')
kill "$RS"
wait "$RS" 2>/dev/null
wait_for 8 is d1 "$RS_ALIVE" False || fail "the real server did not go DOWN in the status"
reason=$(rs d1 "['checks'][0]['last']['reason']")
grep -q 'Connection refused' <<<"$reason" || fail "down reason is '$reason'"
grep -Eq '^  -> \[10\.77\.0\.3\]:tcp:8080 +DOWN .*TCP_CHECK failed.*Connection refused' \
  <<<"$(ctl d1 status)" || fail "status text lacks the DOWN line"
metrics_down=$(ctl d1 metrics)
grep -q '^vigil_real_server_up{virtual_server="\[10.77.0.100\]:tcp:80",real_server="\[10.77.0.3\]:tcp:8080"} 0$' \
  <<<"$metrics_down" || fail "vigil_real_server_up is not 0"
fails_after=$(awk '$1 == "vigil_check_failures_total{type=\"TCP_CHECK\"}" { print $2 }' <<<"$metrics_down")
[ "${fails_after:-0}" -gt "${fails_before:-0}" ] || fail "check failures did not count ($fails_before -> $fails_after)"
pass "real server DOWN: '$reason'; vigil_check_failures_total $fails_before -> $fails_after"

# The page on d2 (a phone's viewport) follows it: one Chromium session for the whole test.
ip netns exec "$(lab_ns d2)" /usr/bin/chromedriver --port=19515 >"$work/chromedriver.log" 2>&1 &
LAB_PIDS+=("$!")
wd() { ip netns exec "$(lab_ns d2)" /usr/bin/python3 "$here/webdriver.py" http://127.0.0.1:19515 "$@"; }
fetch() { ip netns exec "$(lab_ns d2)" /usr/bin/python3 "$here/webdriver.py" fetch "$@"; }
page_url="http://127.0.0.1:$http_port/"
wait_for 10 fetch "${page_url}healthz" || fail "d2's status page does not answer"
wait_for 10 ip netns exec "$(lab_ns d2)" /usr/bin/python3 -c \
  "import urllib.request; urllib.request.urlopen('http://127.0.0.1:19515/status', timeout=1)" ||
  fail "chromedriver did not start"
session=$(wd start "$work/chromium") || fail "no Chromium session"
wd "$session" get "$page_url" || fail "Chromium could not load $page_url"
wd "$session" wait 10 'document.querySelector("[data-instance=VI_1][data-state=BACKUP]") !== null' ||
  fail "the page does not show VI_1 BACKUP on d2"
wd "$session" wait 10 'document.querySelector("[data-real-server=\"[10.77.0.3]:tcp:8080\"][data-alive=false]") !== null' ||
  fail "the page does not show the real server down"
grep -q 'vigil' <<<"$(wd "$session" eval 'document.title')" || fail "page title"
ipvs_text=$(wd "$session" eval 'document.getElementById("ipvs").innerText')
if [ "$(q d2 "s['ipvs']['available']")" = False ]; then
  grep -q 'not available in this kernel' <<<"$ipvs_text" || fail "page IPVS section: $ipvs_text"
fi
# Usable on a phone: laid out to the 390 px viewport, nothing wider than the screen.
[ "$(wd "$session" eval 'window.innerWidth')" = 390 ] || fail "the page ignores the phone viewport"
wd "$session" eval 'document.documentElement.scrollWidth <= window.innerWidth' | grep -q true ||
  fail "the page is wider than a phone's screen"
pass "the page in Chromium shows d2 BACKUP, the real server down and IPVS as it is"

listener
wait_for 8 is d1 "$RS_ALIVE" True || fail "the real server did not come back UP"
[ "$(rs d1 "['checks'][0]['consecutive_failures']")" = 0 ] || fail "consecutive failures not reset"
wd "$session" wait 10 'document.querySelector("[data-real-server=\"[10.77.0.3]:tcp:8080\"][data-alive=true]") !== null' ||
  fail "the page did not follow the real server back up"
pass "real server UP again (vigilctl and the page)"

# ---- reload: a broken file is refused and changes nothing ----
loaded=$(q d1 "s['config']['loaded']")
cp "$work/d1.conf" "$work/d1.good"
sed -i 's/priority 150/priority 300/' "$work/d1.conf"
out=$(ctl d1 reload 2>&1)
rc=$?
[ "$rc" = 1 ] || fail "vigilctl reload of a broken file exited $rc: $out"
grep -Eq "d1\.conf:8:[0-9]+: error: .*'priority'.*300" <<<"$out" || fail "no diagnostic: $out"
grep -q 'reload refused' <<<"$out" || fail "no refusal said: $out"
[ "$(q d1 "s['config']['last_reload']['result']")" = refused ] || fail "last_reload not refused"
[ "$(q d1 "s['config']['loaded']")" = "$loaded" ] || fail "a refused reload changed the load time"
[ "$(vi1 d1 state)" = MASTER ] && [ "$(vi1 d1 effective_priority)" = 150 ] ||
  fail "a refused reload changed VI_1"
[ "$(metric d1 vigil_config_last_reload_successful)" = 0 ] || fail "reload metric not 0"
ctl d1 config-test >/dev/null 2>&1
[ "$?" = 5 ] || fail "config-test of the broken file did not exit 5"
pass "reload of a broken file refused with file:line:col diagnostics; nothing changed"

sed 's/weight 1/weight 5/' "$work/d1.good" >"$work/d1.conf"
out=$(ctl d1 reload 2>&1) || fail "valid reload failed: $out"
[ "$(rs d1 "['weight']")" = 5 ] || fail "the reload did not reach the real server's weight"
[ "$(metric d1 vigil_config_last_reload_successful)" = 1 ] || fail "reload metric not 1"
[ "$(metric d1 'vigil_config_reloads_total{result="applied"}')" = 1 ] || fail "applied reloads"
ctl d1 config-test >/dev/null 2>&1 || fail "config-test of a valid file failed"
ctl d1 dump | py -c "import json,sys; c=json.load(sys.stdin); assert c['vrrp']['vrrp_instance'][0]['name'] == 'VI_1' and c['lvs']['virtual_servers'][0]['real_servers'][0]['weight'] == 5" ||
  fail "vigilctl dump is not the running configuration"
pass "valid reload applied (weight 5), config-test 0, dump"

# ---- metrics: they move and pass promtool ----
sent1=$(metric d1 'vigil_vrrp_adverts_sent_total{instance="VI_1"}')
ctl d1 metrics >"$work/d1.prom" || fail "vigilctl metrics failed"
promtool check metrics <"$work/d1.prom" >"$work/promtool.log" 2>&1 ||
  fail "promtool rejects the metrics: $(head -20 "$work/promtool.log")"
[ -s "$work/promtool.log" ] && fail "promtool lint: $(head -20 "$work/promtool.log")"
grep -q '^vigil_vrrp_instance_state{instance="VI_1",state="MASTER"} 1$' "$work/d1.prom" ||
  fail "no MASTER state gauge"
grep -q '^vigil_check_duration_seconds_bucket{type="TCP_CHECK",le="+Inf"} [1-9]' "$work/d1.prom" ||
  fail "no check latency histogram"
sleep 0.5
sent2=$(metric d1 'vigil_vrrp_adverts_sent_total{instance="VI_1"}')
[ "$sent2" -gt "$sent1" ] || fail "adverts_sent does not move ($sent1 -> $sent2)"
fetch "${page_url}metrics" >"$work/d2.prom" || fail "no /metrics on the HTTP listener"
promtool check metrics <"$work/d2.prom" >/dev/null 2>&1 || fail "promtool rejects d2's /metrics"
pass "metrics pass promtool; adverts_sent $sent1 -> $sent2"

# ---- a non-root client is refused ----
out=$(setpriv --reuid=65534 --regid=65534 --clear-groups "$vigilctl" -s "$work/d1.sock" status 2>&1)
rc=$?
[ "$rc" = 3 ] && grep -q 'Permission denied' <<<"$out" || fail "non-root client (mode): rc $rc: $out"
chmod 666 "$work/d1.sock"
out=$(setpriv --reuid=65534 --regid=65534 --clear-groups "$vigilctl" -s "$work/d1.sock" reload 2>&1)
rc=$?
chmod 600 "$work/d1.sock"
[ "$rc" = 3 ] && grep -q '403' <<<"$out" || fail "non-root client (peer credentials): rc $rc: $out"
[ "$(q d1 "s['config']['reloads_applied']")" = 1 ] || fail "the refused client reloaded"
# The HTTP listener is read only.
ip netns exec "$(lab_ns d2)" /usr/bin/python3 -c "
import urllib.request, urllib.error, sys
try:
    urllib.request.urlopen(urllib.request.Request('${page_url}reload', method='POST'), timeout=5)
except urllib.error.HTTPError as e:
    sys.exit(0 if e.code == 403 else 1)
sys.exit(1)" || fail "the HTTP listener accepted a reload"
pass "non-root clients refused (file mode, then SO_PEERCRED); the HTTP listener is read only"

# SIGHUP takes the same reload path, and the status says which.
kill -HUP "$(cat "$work/d1.pid")"
wait_for 5 is d1 "s['config']['last_reload']['trigger']" SIGHUP || fail "SIGHUP reload not in the status"
[ "$(q d1 "s['config']['reloads_applied']")" = 2 ] || fail "SIGHUP reload not applied"
pass "SIGHUP reloads through the same path (last_reload.trigger SIGHUP)"

# ---- failover: d1 dies, d2 takes over; vigilctl and the page follow ----
# d2 may have been master for a moment at start-up (it can start first): count from here.
masters=$(metric d2 'vigil_vrrp_instance_master_transitions_total{instance="VI_1"}')
kill -9 "$(cat "$work/d1.pid")"
wait_for 5 is d2 "$VI1_STATE" MASTER || fail "vigilctl does not show d2 MASTER after d1 died"
[ "$(vi1 d2 master)" = 10.77.0.2 ] || fail "d2 MASTER does not name itself"
[ "$(metric d2 'vigil_vrrp_instance_master_transitions_total{instance="VI_1"}')" = $((masters + 1)) ] ||
  fail "master transitions on d2 did not count the takeover"
wd "$session" wait 10 'document.querySelector("[data-instance=VI_1][data-state=MASTER]") !== null' ||
  fail "the page did not follow the failover"
wd "$session" screenshot "$work/page.png" || true
[ -n "${STATUS_SCREENSHOT:-}" ] && cp "$work/page.png" "$STATUS_SCREENSHOT"
wd "$session" quit
pass "failover: d2 MASTER in vigilctl, the metrics and the page"
echo "status lab took $((SECONDS - started)) s"
